/*-------------------------------------------------------------------------
 *
 * inference.h
 *		Inference on an endpoint's data plane: where requests go (endpoint
 *		resolution, its per-backend cache, endpoint states and cold starts),
 *		what they carry (request bodies per task) and what comes back
 *		(response parsers per task).
 *
 * The single-row SQL functions in inference.c and the batch functions
 * share every piece declared here.  A batch function typically does:
 *
 *		target = hfe_target_resolve(endpoint_arg);
 *		opts = hfe_text_generation_options(fcinfo, 2);
 *		for each prompt:
 *			reqs[i] = hfe_target_request(target, HFE_ROUTE_ROOT, NULL,
 *										 hfe_text_generation_body(prompt, opts));
 *		hfe_http_perform_many(reqs, n, hfendpoints.max_concurrency);
 *		if some failed with hfe_target_suspect(target, req) and
 *		   hfe_target_refresh(target): hfe_target_retarget() them, send again;
 *		for each: hfe_http_ok(req) ? hfe_parse_text_generation(req, &out, &failure)
 *								   : hfe_inference_failure(target, req);
 *
 * Parsers and hfe_inference_failure never raise for a bad response: they
 * make an HfeFailure, which a single-row function raises with
 * hfe_raise_inference_failure() and a batch may report in its error column.
 *
 * Everything is palloc'd in CurrentMemoryContext.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_INFERENCE_H
#define HFENDPOINTS_INFERENCE_H

#include "fmgr.h"

#include "errors.h"
#include "http.h"
#include "json.h"

/* ---- request bodies (doc/protocol.md §6.1, §6.3, §6.4) ----
 *
 * Options are read once per call from the SQL arguments, starting at
 * argument "first" in the order the SQL functions declare them, and kept as
 * a cJSON object; body builders then take one input each (in the database
 * encoding) and return UTF-8 JSON text.
 */

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

/*
 * The keys each body builder sets itself, each list ended by {NULL, NULL};
 * all three are defined together in inference.c.
 */
extern const HfeOwnKey hfe_text_generation_keys[];
extern const HfeOwnKey hfe_chat_keys[];
extern const HfeOwnKey hfe_feature_extraction_keys[];

/*
 * Refuse (22023) options that name one of keys.  argname is the jsonb
 * argument the options came from ("extra", enrich's "parameters").  The
 * option readers below call it for their jsonb argument; enrich for its
 * parameters.
 */
extern void hfe_check_options(const cJSON *options, const HfeOwnKey *keys,
							  const char *argname);

/*
 * text_generation's "parameters" object from max_new_tokens, temperature,
 * top_k, top_p, typical_p, repetition_penalty, frequency_penalty,
 * do_sample, seed, stop, return_full_text, truncate, watermark, grammar,
 * adapter_id, extra_parameters (16 arguments from "first").
 */
#define HFE_TEXT_GENERATION_NARGS 16
extern cJSON *hfe_text_generation_options(FunctionCallInfo fcinfo, int first);
extern char *hfe_text_generation_body(const char *prompt, const cJSON *parameters);

/*
 * Argument positions of the chat options in one SQL function, -1 where the
 * function has no such argument.
 */
typedef struct HfeChatArgs
{
	int			max_tokens;
	int			temperature;
	int			top_p;
	int			seed;
	int			stop;
	int			frequency_penalty;
	int			presence_penalty;
	int			response_format;
	int			tools;
	int			tool_choice;
	int			extra;
} HfeChatArgs;

/* chat_completion(endpoint, messages, max_tokens, ..., extra) */
extern const HfeChatArgs hfe_chat_completion_args;

/* chat(endpoint, prompt, system, max_tokens, ..., response_format, extra) */
extern const HfeChatArgs hfe_chat_args;

extern cJSON *hfe_chat_options(FunctionCallInfo fcinfo, const HfeChatArgs *args);

/* [{"role":"system",...}, {"role":"user","content":prompt}]; system may be NULL */
extern cJSON *hfe_chat_messages(const char *prompt, const char *system);

/* messages from a jsonb argument (must be an array) */
extern cJSON *hfe_chat_messages_jsonb(Datum messages);

extern char *hfe_chat_body(const cJSON *messages, const cJSON *options);

/*
 * feature_extraction's root-level options from normalized ("normalize" on the
 * wire), truncate,
 * prompt_name, truncation_direction, dimensions (5 arguments from "first").
 */
#define HFE_FEATURE_EXTRACTION_NARGS 5
extern cJSON *hfe_feature_extraction_options(FunctionCallInfo fcinfo, int first);
extern char *hfe_feature_extraction_body(const char *input, const cJSON *options);

/* infer's body: the jsonb payload as UTF-8 JSON text */
extern char *hfe_jsonb_to_utf8(Datum jsonb);

/* ---- response parsers ----
 *
 * Each takes a successful (2xx) request.  On success it returns true and
 * sets the output (in the database encoding); otherwise it sets *failure.
 */

/* TGI: [{"generated_text": ...}] or {"generated_text": ...} */
extern bool hfe_parse_text_generation(const HfeHttpRequest *req, char **text,
									  HfeFailure **failure);

/* OpenAI chat: choices[0].message.content; *text NULL when content is null */
extern bool hfe_parse_chat_content(const HfeHttpRequest *req, char **text,
								   HfeFailure **failure);

/* TEI: [[f, ...]] (or [f, ...]) as real[] */
extern bool hfe_parse_embedding(const HfeHttpRequest *req, Datum *array,
								HfeFailure **failure);

/* any JSON body as jsonb, numbers kept exactly */
extern bool hfe_parse_jsonb(const HfeHttpRequest *req, Datum *jsonb,
							HfeFailure **failure);

#endif							/* HFENDPOINTS_INFERENCE_H */
