/*-------------------------------------------------------------------------
 *
 * task.h
 *		The task table: what each inference task sends and reads, per
 *		protocol, and the options one call of it takes.
 *
 * A task (text generation, chat, embeddings, any JSON) is one HfeTask,
 * defined in its own file under src/tasks/ and listed in
 * src/tasks/registry.c.  The single-row runner (call.c), the batch runner
 * (batch.c) and enrich (enrich.c) know no task: they read the options the
 * entry declares, pick the part of the endpoint's protocol, and let it
 * build each body and parse each answer.  doc/architecture.md §4 says how
 * to add a task.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_TASK_H
#define HFENDPOINTS_TASK_H

#include "fmgr.h"

#include "engine.h"
#include "errors.h"
#include "http.h"
#include "json.h"
#include "target.h"
#include "wire.h"

/*
 * The wire protocols a task may speak (doc/protocol.md §6, §9): the
 * engine of the endpoint (detect.c) picks one of the task's parts.
 */
typedef enum HfeProtocol
{
	HFE_PROTOCOL_TGI,			/* text-generation-inference's own routes */
	HFE_PROTOCOL_TEI,			/* text-embeddings-inference's own routes */
	HFE_PROTOCOL_OPENAI,		/* OpenAI-compatible routes (vLLM, SGLang,
								 * llama.cpp) */
	HFE_PROTOCOL_TOOLKIT,		/* the inference toolkit's pipelines */
	HFE_PROTOCOL_ANY,			/* whatever the caller sends (infer) */
	HFE_NUM_PROTOCOLS
} HfeProtocol;

/*
 * How an option's value is read: its SQL type, and how it becomes JSON.
 * In enrich's parameters an option is the JSON value of that type.
 */
typedef enum HfeOptionKind
{
	HFE_OPT_INT,				/* integer */
	HFE_OPT_POSITIVE_INT,		/* integer > 0 */
	HFE_OPT_FLOAT,				/* double precision, finite */
	HFE_OPT_BOOL,				/* boolean */
	HFE_OPT_SEED,				/* bigint >= 0, sent exactly */
	HFE_OPT_TEXT,				/* text */
	HFE_OPT_TEXT_ARRAY,			/* text[], no NULL element */
	HFE_OPT_JSON,				/* jsonb, sent verbatim */
	HFE_OPT_EXTRA				/* jsonb object: raw members of the body */
} HfeOptionKind;

/*
 * One option: its SQL argument name, how it is read, and the body member
 * it sets (NULL: it is not sent as such, the body builder or the runner
 * reads it from the call's args).  check, if set, validates the value and
 * may rewrite it (returns the JSON to send).
 */
typedef struct HfeTaskOption
{
	const char *name;
	HfeOptionKind kind;
	const char *wire_key;
	cJSON	   *(*convert) (const char *name, Datum value);
} HfeTaskOption;

/*
 * A key a body builder sets itself.  No option may name it: the body would
 * carry the key twice, and a server reads the last one, which would be the
 * caller's value instead of the function's (the input, say).  hint says
 * what the key holds and how to pass that instead.
 */
typedef struct HfeOwnKey
{
	const char *key;
	const char *hint;
} HfeOwnKey;

struct HfeTaskCall;

/* A part's max_inputs: as many as the engine takes in one request. */
#define HFE_INPUTS_ENGINE_LIMIT 0

/* A pack holds at most this much input text, whatever the engine's count. */
#define HFE_PACK_MAX_BYTES (1024 * 1024)

/* How a task speaks one protocol. */
typedef struct HfeTaskPart
{
	HfeRoute	route;			/* where a request goes */
	const char *path;			/* for HFE_ROUTE_PATH: the route under the
								 * endpoint URL ("/rerank") */
	const HfeOwnKey *own_keys;	/* keys the body sets itself, {NULL} ended */
	int			max_inputs;		/* inputs one request may carry: 1, or
								 * HFE_INPUTS_ENGINE_LIMIT */
	const char *content_type;	/* of the request body */
	const char *media;			/* "image" or "audio": the input, a bytea,
								 * is the body as it is (the toolkit's media
								 * tasks); NULL: build_body makes JSON */

	/*
	 * Refuse (22023) an option the engine cannot honour, before anything is
	 * sent; NULL when every option is honoured.
	 */
	void		(*check) (const struct HfeTaskCall *call);

	/* One request body (UTF-8 JSON text) for n inputs of the task's type. */
	char	   *(*build_body) (const struct HfeTaskCall *call, const Datum *inputs, int n);

	/*
	 * Parse a successful (2xx) answer to the request for inputs[0..n-1]
	 * into answers[0..n-1].  Never raises for a bad answer: false with
	 * *failure set, which then holds for every input of the request.
	 */
	bool		(*parse) (const struct HfeTaskCall *call, const HfeHttpRequest *req,
						  const Datum *inputs, int n, HfeAnswer *answers,
						  HfeFailure **failure);
} HfeTaskPart;

/* One task. */
typedef struct HfeTask
{
	const char *name;			/* its SQL function, "text_generation" */
	const char *enrich_name;	/* enrich's task => '...', or NULL when enrich
								 * cannot write it */
	const char *action;			/* completes "could not ...": "generate text" */
	Oid			input_type;		/* of the input argument: TEXTOID, JSONBOID */
	Oid			result_type;	/* of the value it returns */
	const char *text_member;	/* for a jsonb result of scored rows, the
								 * member of the best row enrich writes into
								 * a text or varchar column ("label"); NULL:
								 * the whole value, as text */
	int			first_option;	/* argument number of the first option */
	const HfeTaskOption *options;	/* in SQL argument order, {NULL} ended */
	const HfeTaskPart *parts[HFE_NUM_PROTOCOLS];	/* NULL: not spoken */
} HfeTask;

/* One call of a task: its options read and, once bound, its part chosen. */
typedef struct HfeTaskCall
{
	const HfeTask *task;
	const HfeTaskPart *part;	/* NULL until bound */
	HfeEngine	engine;			/* the endpoint's, once bound */
	int			max_inputs;		/* inputs one request carries, once bound */
	cJSON	   *options;		/* body members set by options (wire keys) */
	cJSON	   *args;			/* options not sent as such, by name */
} HfeTaskCall;

/*
 * Read the options of a call from the SQL arguments task->first_option
 * up to end_arg (exclusive; a function of an older version may declare
 * fewer), in the order task->options declares them (a NULL argument is
 * not sent), or from enrich's parameters, a jsonb object of the same names
 * and values (an unknown name raises 22023, with the closest name as a
 * hint).  Either checks every value, and that no option names a key the
 * part's body sets itself, before anything is sent.
 */
extern HfeTaskCall *hfe_task_call_from_args(const HfeTask *task, FunctionCallInfo fcinfo,
											int end_arg);
extern HfeTaskCall *hfe_task_call_from_jsonb(const HfeTask *task, Datum parameters,
											 const char *argname);

/*
 * enrich's form of a task: the call, from enrich's parameters (0 for
 * none).  A task whose input is JSON (infer) takes its input from the
 * parameter "payload", a template: in each of its strings, "{{input}}"
 * becomes the row's text; *template is then that JSON, parsed once (in
 * CurrentMemoryContext), else NULL.
 */
extern HfeTaskCall *hfe_task_enrich_call(const HfeTask *task, Datum parameters,
										 cJSON **template);

/*
 * The input of one row of enrich: its text, the template filled with it,
 * or for a task of bytea input the bytes the column's text form stands for.
 */
extern Datum hfe_task_enrich_input(const HfeTask *task, const cJSON *template,
								   const char *row_text);

/*
 * Bind the call to its target: the engine serving it (the call's engine
 * option, the server's, the endpoint's image, or detect.c's probes), the
 * task's part for that engine, and, for a call of many inputs (a batch,
 * enrich), how many inputs one request carries (else one).  Raises before
 * any inference request when the engine does not serve the task (0A000)
 * or cannot honour an option (22023).
 */
extern void hfe_task_call_bind(HfeTaskCall *call, HfeTarget *target, bool many);

/*
 * The request for inputs[0..n-1] of a bound call: the part's JSON body, or
 * for a media part the input's bytes with their media type (the call's
 * content_type option, or found from the first bytes), or, when the call
 * has options, {"inputs": <base64>, "parameters": {...}}.
 */
extern HfeHttpRequest *hfe_task_request(const HfeTaskCall *call, const HfeTarget *target,
										HfeRoute route, const char *path,
										const Datum *inputs, int n);

/*
 * A failed request of a pack of n inputs: should it be sent again as two
 * halves?  Yes for a refusal that may concern one input or the pack's size
 * (413, an engine's JSON 4xx such as 422 or 400, llama.cpp's 500); never
 * for 401, 403, 404, 424 or 429, which concern the whole request, for a
 * proxy's text answer (a paused endpoint), nor when n is 1.
 */
extern bool hfe_task_should_split(const HfeTaskCall *call, const HfeHttpRequest *req, int n);

/* The keys a toolkit pipeline's body sets itself: "inputs", "parameters". */
extern const HfeOwnKey hfe_pipeline_own_keys[];

/*
 * The body builder of a pipeline of one text: {"inputs": text,
 * "parameters": <the options>} (TGI's native route, the toolkit's text
 * pipelines).
 */
extern char *hfe_pipeline_text_body(const HfeTaskCall *call, const Datum *inputs, int n);

/* The convert callback of a pipeline's "truncation": a strategy's name. */
extern cJSON *hfe_task_truncation_json(const char *name, Datum value);

/* The convert callback of a media task's "content_type": a type the toolkit takes. */
extern cJSON *hfe_task_content_type_json(const char *name, Datum value);
#define HFE_CONTENT_TYPE_OPTION {"content_type", HFE_OPT_TEXT, NULL, hfe_task_content_type_json}

/* The convert callback of a task's "engine" option: a valid engine name. */
extern cJSON *hfe_task_engine_json(const char *name, Datum value);
#define HFE_ENGINE_OPTION {"engine", HFE_OPT_TEXT, NULL, hfe_task_engine_json}

/*
 * Raise 22023: the call's engine cannot honour option; why (or NULL) says
 * what the engine lacks.  For a part's check callback.
 */
pg_noreturn extern void hfe_task_refuse_option(const HfeTaskCall *call, const char *option,
											   const char *why);

/*
 * Did the engine refuse a pack for its size rather than for one input (a
 * 413, or an error that names the batch size)?  The packs that follow are
 * then made smaller.
 */
extern bool hfe_task_size_refused(const HfeHttpRequest *req);

/* The text of an option the body does not carry (system, route), or NULL. */
extern const char *hfe_task_arg_text(const HfeTaskCall *call, const char *name);

/*
 * The route and path of the call's requests: the part's route, or the
 * caller's "route" option when it gives one.
 */
extern HfeRoute hfe_task_route(const HfeTaskCall *call, const char **path);

#endif							/* HFENDPOINTS_TASK_H */
