/*-------------------------------------------------------------------------
 *
 * wire.h
 *		What every task's body builders and parsers share: JSON built in
 *		UTF-8 from database-encoding text, and answers read back safely.
 *
 * Text crosses the wire as UTF-8: arguments are converted from the
 * database encoding on the way out, and results are checked and converted
 * back on the way in.  Numbers from jsonb arguments are copied verbatim
 * (cJSON raw items), so a 64-bit seed or a large integer in a schema is
 * never rounded through a double.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_WIRE_H
#define HFENDPOINTS_WIRE_H

#include "utils/jsonb.h"

#include "errors.h"
#include "http.h"
#include "json.h"

/* What one answer parsed into. */
typedef struct HfeAnswer
{
	Datum		value;			/* of the task's result type */
	bool		isnull;
	int64		tokens;			/* tokens the answer reports (usage), or -1 */
	HfeFailure *failure;		/* this input's own failure in an answer for
								 * several (a value out of range), or NULL */
} HfeAnswer;

/* ---- building ---- */

/* Raise 53200 for a cJSON allocation that failed. */
pg_noreturn extern void hfe_wire_oom(void);

/* A new object or array; never NULL. */
extern cJSON *hfe_wire_object(void);
extern cJSON *hfe_wire_array(void);

/* Add item under key, replacing a member of that name if there is one. */
extern void hfe_wire_set(cJSON *obj, const char *key, cJSON *item);

/* Add a reference to item (owned elsewhere) under key. */
extern void hfe_wire_set_ref(cJSON *obj, const char *key, const cJSON *item);

/* Append item to an array. */
extern void hfe_wire_append(cJSON *array, cJSON *item);

/* Database-encoding text as UTF-8, and as a JSON string. */
extern char *hfe_wire_utf8(const char *server_text);
extern cJSON *hfe_wire_string(const char *server_text);

/* A jsonb value (or one value inside one) as UTF-8 JSON text. */
extern char *hfe_jsonb_to_utf8(Datum jsonb);
extern char *hfe_jsonb_value_to_utf8(JsonbValue *v);

/*
 * {"inputs": input, "parameters": parameters}, the body of TGI's native
 * route and of the inference toolkit's pipelines; "parameters" is always
 * sent, empty or not, as huggingface_hub does.
 */
extern char *hfe_wire_pipeline_body(const cJSON *parameters, const char *input);

/* ---- reading ---- */

/* The body as JSON; false with *failure set when it is not JSON. */
extern bool hfe_wire_parse(const HfeHttpRequest *req, cJSON **json, HfeFailure **failure);

/* false with *failure an unexpected-response failure naming what. */
extern bool hfe_wire_unexpected(HfeFailure **failure, const char *what);

/*
 * A 2xx body that carries an inference server's {"error": ...} instead of
 * a result: true with *failure set (the token masked in the server's text).
 */
extern bool hfe_wire_error_in_body(const HfeHttpRequest *req, const cJSON *obj,
								   HfeFailure **failure);

/*
 * Text from the wire in the database encoding: false with *failure set
 * when it is not valid UTF-8, or when the body holds a NUL character
 * (raw or as \u0000), which text and jsonb cannot hold; what names the
 * text ("generated text").
 */
extern bool hfe_wire_text(const HfeHttpRequest *req, const char *utf8, const char *what,
						  char **out, HfeFailure **failure);

/*
 * A pipeline's text answer, [{key: text}] or {key: text}
 * ("generated_text", "summary_text"): the text, checked as hfe_wire_text
 * does (what names it), as answer's value.
 */
extern bool hfe_wire_first_text(const HfeHttpRequest *req, const char *key, const char *what,
								HfeAnswer *answer, HfeFailure **failure);

/*
 * A JSON tree made from an answer (a task's normalized rows) as the jsonb
 * value of answer, its strings checked as hfe_wire_text does.
 */
extern bool hfe_wire_json_answer(const HfeHttpRequest *req, const cJSON *json,
								 HfeAnswer *answer, HfeFailure **failure);

/*
 * One member of the rows a task returns as jsonb: its key, the keys it may
 * come as in the answer (NULL ended: "entity_group", "entity"), whether it
 * is a number (else a string), and whether a row must have it.
 */
typedef struct HfeRowKey
{
	const char *key;
	const char *const *from;
	bool		number;
	bool		required;
} HfeRowKey;

/*
 * An answer's rows (an array of objects, or one object) as answer's jsonb
 * array of objects with only keys' members, each checked; sorted by
 * "score", highest first, when by_score; at most limit rows (-1: all).
 */
extern bool hfe_wire_rows(const HfeHttpRequest *req, const cJSON *rows, const HfeRowKey *keys,
						  bool by_score, int limit, HfeAnswer *answer, HfeFailure **failure);

/* The whole answer as such rows (an error in a 2xx body is its failure). */
extern bool hfe_wire_parse_rows(const HfeHttpRequest *req, const HfeRowKey *keys,
								bool by_score, HfeAnswer *answer, HfeFailure **failure);

/*
 * Rows of a name (name_key: "label") and a "score", in any order, as
 * answer's jsonb [{name_key, "score"}, ...], best first, at most limit of
 * them (-1: all).  One object alone is one row.
 */
extern bool hfe_wire_scored_rows(const HfeHttpRequest *req, const cJSON *rows,
								 const char *name_key, int limit, HfeAnswer *answer,
								 HfeFailure **failure);

/* A finite number member of obj; *ok set false (and 0) when it is not one. */
extern double hfe_wire_number(const cJSON *obj, const char *key, bool *ok);

/*
 * The "index" member of item, an answer placed by index among n inputs:
 * an integer from 0 to n - 1 not already in seen (then marked there), or
 * -1.  Never trust an answer's position in its list.
 */
extern int	hfe_wire_index(const cJSON *item, int n, bool *seen);

/*
 * An OpenAI-style answer, {"choices": [...], ...}: the body as JSON and its
 * choices; false with *failure set when it is not such an object (or
 * carries an error instead).
 */
extern bool hfe_wire_parse_choices(const HfeHttpRequest *req, cJSON **json,
								   const cJSON **choices, HfeFailure **failure);

/* The tokens an OpenAI-style answer reports in usage.completion_tokens, or -1. */
extern int64 hfe_wire_usage_tokens(const cJSON *json);

/*
 * The parser of tasks that return the whole answer as jsonb (chat_completion,
 * infer): any JSON, numbers kept exactly by jsonb's own parser.
 */
struct HfeTaskCall;
extern bool hfe_wire_parse_jsonb(const struct HfeTaskCall *call, const HfeHttpRequest *req,
								 const Datum *inputs, int n, HfeAnswer *answers,
								 HfeFailure **failure);

#endif							/* HFENDPOINTS_WIRE_H */
