/*-------------------------------------------------------------------------
 *
 * inference.c
 *		The inference SQL functions (text_generation, chat_completion, chat,
 *		feature_extraction, infer), the request bodies they send
 *		(doc/protocol.md §6.1, §6.3, §6.4) and the parsers of what comes
 *		back.  Where requests go is target.c's business.
 *
 * Text crosses the wire as UTF-8: arguments are converted from the
 * database encoding on the way out, and results are checked and converted
 * back on the way in.  Numbers from jsonb arguments are copied verbatim
 * (cJSON raw items), so a 64-bit seed or a large integer in a schema is
 * never rounded through a double.
 *
 * Each SQL function works in a memory context of its own, deleted before
 * it returns, so a long SELECT over many rows holds only its results.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "args.h"
#include "errors.h"
#include "guc.h"
#include "inference.h"
#include "target.h"

PG_FUNCTION_INFO_V1(hfendpoints_text_generation);
PG_FUNCTION_INFO_V1(hfendpoints_chat_completion);
PG_FUNCTION_INFO_V1(hfendpoints_chat);
PG_FUNCTION_INFO_V1(hfendpoints_feature_extraction);
PG_FUNCTION_INFO_V1(hfendpoints_infer);

/* chat_completion(endpoint, messages, max_tokens, temperature, top_p, seed,
 * stop, frequency_penalty, presence_penalty, response_format, tools,
 * tool_choice, extra) */
const HfeChatArgs hfe_chat_completion_args = {
	.max_tokens = 2, .temperature = 3, .top_p = 4, .seed = 5, .stop = 6,
	.frequency_penalty = 7, .presence_penalty = 8, .response_format = 9,
	.tools = 10, .tool_choice = 11, .extra = 12
};

/* chat(endpoint, prompt, system, max_tokens, temperature, top_p, seed, stop,
 * frequency_penalty, presence_penalty, response_format, extra) */
const HfeChatArgs hfe_chat_args = {
	.max_tokens = 3, .temperature = 4, .top_p = 5, .seed = 6, .stop = 7,
	.frequency_penalty = 8, .presence_penalty = 9, .response_format = 10,
	.tools = -1, .tool_choice = -1, .extra = 11
};

/* ---- building JSON ---- */

static void
json_oom(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_OUT_OF_MEMORY),
			 errmsg("out of memory while building a JSON document")));
}

/* Add item under key, replacing a member of that name if there is one. */
static void
json_set(cJSON *obj, const char *key, cJSON *item)
{
	if (item == NULL)
		json_oom();
	if (cJSON_GetObjectItemCaseSensitive(obj, key) != NULL)
	{
		if (!cJSON_ReplaceItemInObjectCaseSensitive(obj, key, item))
			json_oom();
	}
	else if (!cJSON_AddItemToObject(obj, key, item))
		json_oom();
}

/* Add a reference to item (owned elsewhere) under key. */
static void
json_set_ref(cJSON *obj, const char *key, const cJSON *item)
{
	if (!cJSON_AddItemReferenceToObject(obj, key, (cJSON *) item))
		json_oom();
}

/* Database-encoding text to UTF-8, for the wire. */
static char *
to_utf8(const char *s)
{
	return pg_server_to_any(s, strlen(s), PG_UTF8);
}

static cJSON *
json_string(const char *server_text)
{
	cJSON	   *item = cJSON_CreateString(to_utf8(server_text));

	if (item == NULL)
		json_oom();
	return item;
}

char *
hfe_jsonb_to_utf8(Datum jsonb)
{
	Jsonb	   *jb = DatumGetJsonbP(jsonb);

	return to_utf8(JsonbToCString(NULL, &jb->root, VARSIZE(jb)));
}

/* One JsonbValue from an iterator, as UTF-8 JSON text. */
static char *
jsonb_value_to_utf8(JsonbValue *v)
{
	if (v->type == jbvBinary)
		return to_utf8(JsonbToCString(NULL, v->val.binary.data, v->val.binary.len));
	else
	{
		Jsonb	   *scalar = JsonbValueToJsonb(v);

		return to_utf8(JsonbToCString(NULL, &scalar->root, VARSIZE(scalar)));
	}
}

/* ---- the keys each body builder sets itself (see HfeOwnKey) ---- */

/* hfe_text_generation_body: {"inputs": prompt, "parameters": options} */
const HfeOwnKey hfe_text_generation_keys[] = {
	{"inputs", "\"inputs\" is the prompt. Pass the prompt as the function's prompt argument, or for enrich in the input column."},
	{"parameters", "These options are already TGI's \"parameters\" object. Pass its members, such as '{\"max_new_tokens\": 20}'."},
	{NULL, NULL}
};

/*
 * hfe_chat_body: {"model", "messages", options, "stream": false}; "model"
 * is only a placeholder, which an option may replace (doc/protocol.md §6.3)
 */
const HfeOwnKey hfe_chat_keys[] = {
	{"messages", "\"messages\" is the conversation. Pass it as chat_completion's messages argument, or as the prompt and system arguments (for enrich, the input column and the \"system\" parameter)."},
	{"stream", "Responses are read whole: the request always has \"stream\": false."},
	{NULL, NULL}
};

/* hfe_feature_extraction_body: {"inputs": input, options} */
const HfeOwnKey hfe_feature_extraction_keys[] = {
	{"inputs", "\"inputs\" is the text to embed. Pass the text as the function's input argument, or for enrich in the input column."},
	{NULL, NULL}
};

void
hfe_check_options(const cJSON *options, const HfeOwnKey *keys, const char *argname)
{
	for (const HfeOwnKey *k = keys; k->key != NULL; k++)
	{
		if (cJSON_GetObjectItemCaseSensitive(options, k->key) != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("parameter \"%s\" cannot be set in %s", k->key, argname),
					 errhint("%s", k->hint)));
	}
}

/*
 * Copy the members of a jsonb object into obj, each value verbatim,
 * replacing members of the same name; none may name one of the body
 * builder's own keys.
 */
static void
merge_jsonb_object(cJSON *obj, Datum jsonb, const char *argname, const HfeOwnKey *keys)
{
	Jsonb	   *jb = DatumGetJsonbP(jsonb);
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a JSON object", argname)));
	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			key = to_utf8(pnstrdup(v.val.string.val, v.val.string.len));
		else if (tok == WJB_VALUE)
			json_set(obj, key, cJSON_CreateRaw(jsonb_value_to_utf8(&v)));
	}
	hfe_check_options(obj, keys, argname);
}

/* ---- reading SQL arguments into options ---- */

static void
opt_int(cJSON *obj, const char *key, FunctionCallInfo fcinfo, int arg)
{
	if (arg >= 0 && !PG_ARGISNULL(arg))
		json_set(obj, key, cJSON_CreateNumber((double) PG_GETARG_INT32(arg)));
}

static void
opt_float(cJSON *obj, const char *key, FunctionCallInfo fcinfo, int arg)
{
	double		d;

	if (arg < 0 || PG_ARGISNULL(arg))
		return;
	d = PG_GETARG_FLOAT8(arg);
	if (!isfinite(d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite number", key)));
	json_set(obj, key, cJSON_CreateNumber(d));
}

static void
opt_bool(cJSON *obj, const char *key, FunctionCallInfo fcinfo, int arg)
{
	if (arg >= 0 && !PG_ARGISNULL(arg))
		json_set(obj, key, cJSON_CreateBool(PG_GETARG_BOOL(arg)));
}

/* A bigint as an exact JSON integer: never through a double. */
static void
opt_seed(cJSON *obj, const char *key, FunctionCallInfo fcinfo, int arg)
{
	int64		seed;

	if (arg < 0 || PG_ARGISNULL(arg))
		return;
	seed = PG_GETARG_INT64(arg);
	if (seed < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("seed must not be negative")));
	json_set(obj, key, cJSON_CreateRaw(psprintf(INT64_FORMAT, seed)));
}

static void
opt_text(cJSON *obj, const char *key, FunctionCallInfo fcinfo, int arg)
{
	if (arg >= 0 && !PG_ARGISNULL(arg))
		json_set(obj, key, json_string(text_to_cstring(PG_GETARG_TEXT_PP(arg))));
}

static void
opt_text_array(cJSON *obj, const char *key, FunctionCallInfo fcinfo, int arg)
{
	char	  **strings;
	int			n;
	cJSON	   *list;

	if (arg < 0 || PG_ARGISNULL(arg))
		return;
	strings = hfe_text_array_elements(PG_GETARG_ARRAYTYPE_P(arg), key, false, &n);
	list = cJSON_CreateArray();
	if (list == NULL)
		json_oom();
	for (int i = 0; i < n; i++)
	{
		if (!cJSON_AddItemToArray(list, json_string(strings[i])))
			json_oom();
	}
	json_set(obj, key, list);
}

static void
opt_jsonb(cJSON *obj, const char *key, FunctionCallInfo fcinfo, int arg)
{
	if (arg >= 0 && !PG_ARGISNULL(arg))
		json_set(obj, key, cJSON_CreateRaw(hfe_jsonb_to_utf8(PG_GETARG_DATUM(arg))));
}

cJSON *
hfe_text_generation_options(FunctionCallInfo fcinfo, int first)
{
	cJSON	   *p = cJSON_CreateObject();
	int			a = first;

	if (p == NULL)
		json_oom();
	/* the order of text_generation's arguments (doc/protocol.md §6.1) */
	opt_int(p, "max_new_tokens", fcinfo, a++);
	opt_float(p, "temperature", fcinfo, a++);
	opt_int(p, "top_k", fcinfo, a++);
	opt_float(p, "top_p", fcinfo, a++);
	opt_float(p, "typical_p", fcinfo, a++);
	opt_float(p, "repetition_penalty", fcinfo, a++);
	opt_float(p, "frequency_penalty", fcinfo, a++);
	opt_bool(p, "do_sample", fcinfo, a++);
	opt_seed(p, "seed", fcinfo, a++);
	opt_text_array(p, "stop", fcinfo, a++);
	opt_bool(p, "return_full_text", fcinfo, a++);
	opt_int(p, "truncate", fcinfo, a++);
	opt_bool(p, "watermark", fcinfo, a++);
	opt_jsonb(p, "grammar", fcinfo, a++);
	opt_text(p, "adapter_id", fcinfo, a++);
	if (!PG_ARGISNULL(a))
		merge_jsonb_object(p, PG_GETARG_DATUM(a), "extra_parameters",
						   hfe_text_generation_keys);
	a++;
	Assert(a == first + HFE_TEXT_GENERATION_NARGS);
	return p;
}

/*
 * {"inputs": prompt, "parameters": {...}}, the parameters never naming
 * either key (hfe_text_generation_keys): "parameters" is always sent,
 * empty or not, as huggingface_hub does (doc/protocol.md §6.1).  TGI's
 * do_sample is then false unless given, though a temperature, top_k, top_p
 * or typical_p that changes the distribution also makes it sample (§7.20).
 */
char *
hfe_text_generation_body(const char *prompt, const cJSON *parameters)
{
	cJSON	   *body = cJSON_CreateObject();

	if (body == NULL)
		json_oom();
	json_set(body, "inputs", json_string(prompt));
	json_set_ref(body, "parameters", parameters);
	return hfe_json_print(body);
}

/*
 * response_format: huggingface_hub rewrites the OpenAI form
 * {"type": "json_schema", "json_schema": {"schema": S}} into TGI's
 * {"type": "json_object", "value": S} (doc/protocol.md §6.3); anything
 * else is sent as given.
 */
static cJSON *
response_format_item(Datum jsonb)
{
	Jsonb	   *jb = DatumGetJsonbP(jsonb);
	JsonbValue	type;
	JsonbValue	inner;
	JsonbValue	schema;

	if (JB_ROOT_IS_OBJECT(jb) &&
		getKeyJsonValueFromContainer(&jb->root, "type", 4, &type) != NULL &&
		type.type == jbvString && type.val.string.len == 11 &&
		memcmp(type.val.string.val, "json_schema", 11) == 0 &&
		getKeyJsonValueFromContainer(&jb->root, "json_schema", 11, &inner) != NULL &&
		inner.type == jbvBinary && JsonContainerIsObject(inner.val.binary.data) &&
		getKeyJsonValueFromContainer(inner.val.binary.data, "schema", 6, &schema) != NULL)
	{
		cJSON	   *tgi = cJSON_CreateObject();

		if (tgi == NULL)
			json_oom();
		json_set(tgi, "type", cJSON_CreateString("json_object"));
		json_set(tgi, "value", cJSON_CreateRaw(jsonb_value_to_utf8(&schema)));
		return tgi;
	}
	return cJSON_CreateRaw(hfe_jsonb_to_utf8(jsonb));
}

cJSON *
hfe_chat_options(FunctionCallInfo fcinfo, const HfeChatArgs *args)
{
	cJSON	   *o = cJSON_CreateObject();

	if (o == NULL)
		json_oom();
	opt_int(o, "max_tokens", fcinfo, args->max_tokens);
	opt_float(o, "temperature", fcinfo, args->temperature);
	opt_float(o, "top_p", fcinfo, args->top_p);
	opt_seed(o, "seed", fcinfo, args->seed);
	opt_text_array(o, "stop", fcinfo, args->stop);
	opt_float(o, "frequency_penalty", fcinfo, args->frequency_penalty);
	opt_float(o, "presence_penalty", fcinfo, args->presence_penalty);
	if (args->response_format >= 0 && !PG_ARGISNULL(args->response_format))
		json_set(o, "response_format",
				 response_format_item(PG_GETARG_DATUM(args->response_format)));
	opt_jsonb(o, "tools", fcinfo, args->tools);
	opt_jsonb(o, "tool_choice", fcinfo, args->tool_choice);
	if (args->extra >= 0 && !PG_ARGISNULL(args->extra))
		merge_jsonb_object(o, PG_GETARG_DATUM(args->extra), "extra", hfe_chat_keys);
	return o;
}

static cJSON *
chat_message(const char *role, const char *content)
{
	cJSON	   *m = cJSON_CreateObject();

	if (m == NULL)
		json_oom();
	json_set(m, "role", cJSON_CreateString(role));
	json_set(m, "content", json_string(content));
	return m;
}

cJSON *
hfe_chat_messages(const char *prompt, const char *system)
{
	cJSON	   *list = cJSON_CreateArray();

	if (list == NULL)
		json_oom();
	if (system != NULL && !cJSON_AddItemToArray(list, chat_message("system", system)))
		json_oom();
	if (!cJSON_AddItemToArray(list, chat_message("user", prompt)))
		json_oom();
	return list;
}

cJSON *
hfe_chat_messages_jsonb(Datum messages)
{
	Jsonb	   *jb = DatumGetJsonbP(messages);

	if (!JB_ROOT_IS_ARRAY(jb) || JB_ROOT_IS_SCALAR(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("messages must be a JSON array"),
				 errhint("Pass messages such as '[{\"role\": \"user\", \"content\": \"Hello\"}]'.")));
	return cJSON_CreateRaw(hfe_jsonb_to_utf8(messages));
}

/*
 * {"model": "dummy", "messages": [...], <options>, "stream": false}: the
 * model name is a placeholder, as huggingface_hub sends for an endpoint
 * URL (doc/protocol.md §6.3); extra => '{"model": ...}' replaces it.  The
 * options never name "messages" or "stream" (hfe_chat_keys).
 */
char *
hfe_chat_body(const cJSON *messages, const cJSON *options)
{
	cJSON	   *body = cJSON_CreateObject();
	const cJSON *model = cJSON_GetObjectItemCaseSensitive(options, "model");
	const cJSON *item;

	if (body == NULL)
		json_oom();
	if (model != NULL)
		json_set_ref(body, "model", model);
	else
		json_set(body, "model", cJSON_CreateString("dummy"));
	json_set_ref(body, "messages", messages);
	cJSON_ArrayForEach(item, options)
	{
		if (strcmp(item->string, "model") != 0)
			json_set_ref(body, item->string, item);
	}
	json_set(body, "stream", cJSON_CreateFalse());
	return hfe_json_print(body);
}

cJSON *
hfe_feature_extraction_options(FunctionCallInfo fcinfo, int first)
{
	cJSON	   *o = cJSON_CreateObject();
	int			a = first;

	if (o == NULL)
		json_oom();
	opt_bool(o, "normalize", fcinfo, a++);
	opt_bool(o, "truncate", fcinfo, a++);
	opt_text(o, "prompt_name", fcinfo, a++);
	if (!PG_ARGISNULL(a))
	{
		char	   *dir = text_to_cstring(PG_GETARG_TEXT_PP(a));

		if (pg_strcasecmp(dir, "left") != 0 && pg_strcasecmp(dir, "right") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid truncation_direction \"%s\"", dir),
					 errhint("Use 'left' or 'right'.")));
		json_set(o, "truncation_direction",
				 cJSON_CreateString(pg_strcasecmp(dir, "left") == 0 ? "left" : "right"));
	}
	a++;
	if (!PG_ARGISNULL(a) && PG_GETARG_INT32(a) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions must be positive")));
	opt_int(o, "dimensions", fcinfo, a++);
	Assert(a == first + HFE_FEATURE_EXTRACTION_NARGS);
	return o;
}

/*
 * {"inputs": input, <options at the root>} (doc/protocol.md §6.4,
 * huggingface_hub >= 0.34); the options never name "inputs"
 * (hfe_feature_extraction_keys).
 */
char *
hfe_feature_extraction_body(const char *input, const cJSON *options)
{
	cJSON	   *body = cJSON_CreateObject();
	const cJSON *item;

	if (body == NULL)
		json_oom();
	json_set(body, "inputs", json_string(input));
	cJSON_ArrayForEach(item, options)
		json_set_ref(body, item->string, item);
	return hfe_json_print(body);
}

/* ---- parsing responses ---- */

static bool
bad_response(HfeFailure **failure, const char *what)
{
	*failure = hfe_bad_response(what);
	return false;
}

/*
 * Does the body hold a NUL character, raw or as the escape \u0000?  A
 * backslash only occurs inside JSON strings, so skipping each escape pair
 * is enough to tell "\u0000" from an escaped backslash followed by "u0000".
 */
static bool
has_nul(const char *s, size_t len)
{
	if (memchr(s, '\0', len) != NULL)
		return true;
	for (size_t i = 0; i + 1 < len; i++)
	{
		if (s[i] != '\\')
			continue;
		if (s[i + 1] == 'u' && i + 5 < len &&
			s[i + 2] == '0' && s[i + 3] == '0' && s[i + 4] == '0' && s[i + 5] == '0')
			return true;
		i++;
	}
	return false;
}

static bool
nul_error(HfeFailure **failure, const char *what)
{
	*failure = hfe_make_failure(ERRCODE_UNTRANSLATABLE_CHARACTER,
								psprintf("the %s contains a NUL character (U+0000), which text and jsonb values cannot hold",
										 what),
								NULL);
	return false;
}

/* The body as JSON, or false with *failure set. */
static bool
parse_body(const HfeHttpRequest *req, cJSON **json, HfeFailure **failure)
{
	*json = hfe_json_parse(req->response, req->response_len);
	if (*json == NULL)
		return bad_response(failure, "the body is not valid JSON");
	return true;
}

/*
 * A 2xx body that carries an inference server's {"error": ...} instead.
 * The request's token is masked in the text, should the server echo it.
 */
static bool
error_in_body(const HfeHttpRequest *req, const cJSON *obj, HfeFailure **failure)
{
	const char *msg = hfe_json_string(obj, "error");

	if (msg == NULL)
		return false;
	*failure = hfe_make_failure(ERRCODE_PROTOCOL_VIOLATION,
								"the service sent an error instead of a result",
								hfe_sanitize_remote_text(msg, strlen(msg), 500, req->token));
	return true;
}

/* UTF-8 text from the wire to the database encoding. */
static bool
from_utf8(const char *s, char **out, HfeFailure **failure)
{
	int			len = strlen(s);

	if (!pg_verify_mbstr(PG_UTF8, s, len, true))
	{
		*failure = hfe_make_failure(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE,
									"the response is not valid UTF-8", NULL);
		return false;
	}
	*out = pg_any_to_server(s, len, PG_UTF8);
	return true;
}

bool
hfe_parse_text_generation(const HfeHttpRequest *req, char **text, HfeFailure **failure)
{
	cJSON	   *json;
	const cJSON *obj;
	const cJSON *gt;

	if (!parse_body(req, &json, failure))
		return false;
	obj = json;
	if (cJSON_IsArray(json))
	{
		if (cJSON_GetArraySize(json) < 1)
			return bad_response(failure, "an empty array");
		obj = cJSON_GetArrayItem(json, 0);
	}
	if (!cJSON_IsObject(obj))
		return bad_response(failure, "not a JSON object");
	gt = cJSON_GetObjectItemCaseSensitive(obj, "generated_text");
	if (!cJSON_IsString(gt))
	{
		if (error_in_body(req, obj, failure))
			return false;
		return bad_response(failure, "no \"generated_text\"");
	}
	if (has_nul(req->response, req->response_len))
		return nul_error(failure, "generated text");
	return from_utf8(gt->valuestring, text, failure);
}

bool
hfe_parse_chat_content(const HfeHttpRequest *req, char **text, HfeFailure **failure)
{
	cJSON	   *json;
	const cJSON *choices;
	const cJSON *message;
	const cJSON *content;

	if (!parse_body(req, &json, failure))
		return false;
	if (!cJSON_IsObject(json))
		return bad_response(failure, "not a JSON object");
	choices = cJSON_GetObjectItemCaseSensitive(json, "choices");
	if (!cJSON_IsArray(choices))
	{
		if (error_in_body(req, json, failure))
			return false;
		return bad_response(failure, "no \"choices\"");
	}
	if (cJSON_GetArraySize(choices) < 1)
		return bad_response(failure, "no choices");
	message = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(choices, 0), "message");
	if (!cJSON_IsObject(message))
		return bad_response(failure, "a choice without a \"message\"");
	content = cJSON_GetObjectItemCaseSensitive(message, "content");
	if (content == NULL || cJSON_IsNull(content))
	{
		/* a reply made only of tool calls has no content */
		*text = NULL;
		return true;
	}
	if (!cJSON_IsString(content))
		return bad_response(failure, "a message whose \"content\" is not a string");
	if (has_nul(req->response, req->response_len))
		return nul_error(failure, "generated text");
	return from_utf8(content->valuestring, text, failure);
}

/* A character of a JSON number (cJSON's own set). */
static inline bool
is_number_char(char c)
{
	return c != '\0' && strchr("0123456789+-.eE", c) != NULL;
}

/*
 * The text of the index-th number in an embedding body, for messages: cJSON
 * keeps only the double, which is infinite for 1e999999.  Only called when
 * every value before it is a number (embedding_row), so the body up to it
 * is brackets, commas, whitespace and numbers.
 */
static char *
number_text(const HfeHttpRequest *req, int index)
{
	const char *s = req->response;
	size_t		len = req->response_len;
	size_t		i = 0;

	for (;;)
	{
		size_t		start;

		while (i < len && !is_number_char(s[i]))
			i++;
		start = i;
		while (i < len && is_number_char(s[i]))
			i++;
		if (index-- == 0 || i >= len)
			return hfe_sanitize_remote_text(s + start, i - start, 64, req->token);
	}
}

/*
 * One row of numbers as a real[] datum.  A value beyond real's range is a
 * protocol violation, not Infinity (JSON has no infinite numbers, and TEI
 * computes in float32); one too small for real becomes 0.
 */
static bool
embedding_row(const HfeHttpRequest *req, const cJSON *row, Datum *array,
			  HfeFailure **failure)
{
	int			n = cJSON_GetArraySize(row);
	Datum	   *values = palloc(sizeof(Datum) * Max(n, 1));
	const cJSON *item;
	int			i = 0;

	cJSON_ArrayForEach(item, row)
	{
		float4		value;

		if (!cJSON_IsNumber(item))
			return bad_response(failure, cJSON_IsArray(item) ?
								"token-level embeddings ([[[...]]]); the model is not a sentence-embedding model" :
								"an embedding with a value that is not a number");
		value = (float4) item->valuedouble;
		if (isinf(value) || isnan(value))
		{
			*failure = hfe_make_failure(ERRCODE_PROTOCOL_VIOLATION,
										"the service sent a value out of range for type real",
										psprintf("value %d of the embedding is %s", i + 1,
												 number_text(req, i)));
			return false;
		}
		values[i++] = Float4GetDatum(value);
	}
	*array = PointerGetDatum(construct_array(values, n, FLOAT4OID, sizeof(float4),
											 true, TYPALIGN_INT));
	return true;
}

bool
hfe_parse_embedding(const HfeHttpRequest *req, Datum *array, HfeFailure **failure)
{
	cJSON	   *json;
	const cJSON *row;

	if (!parse_body(req, &json, failure))
		return false;
	if (!cJSON_IsArray(json))
	{
		if (cJSON_IsObject(json) && error_in_body(req, json, failure))
			return false;
		return bad_response(failure, "not a JSON array of embeddings");
	}
	/* TEI sends [[...]] even for one input; a bare [...] is accepted too */
	row = cJSON_GetArrayItem(json, 0);
	if (row == NULL || cJSON_IsNumber(row))
		return embedding_row(req, json, array, failure);
	if (!cJSON_IsArray(row))
		return bad_response(failure, "not a JSON array of embeddings");
	if (cJSON_GetArraySize(json) != 1)
		return bad_response(failure, psprintf("%d embeddings for one input",
										  cJSON_GetArraySize(json)));
	return embedding_row(req, row, array, failure);
}

bool
hfe_parse_jsonb(const HfeHttpRequest *req, Datum *jsonb, HfeFailure **failure)
{
	cJSON	   *json;
	char	   *text;

	if (!parse_body(req, &json, failure))
		return false;
	if (has_nul(req->response, req->response_len))
		return nul_error(failure, "response");
	if (!from_utf8(req->response, &text, failure))
		return false;
	/* jsonb's own parser keeps every number exactly, as numeric */
	*jsonb = DirectFunctionCall1(jsonb_in, CStringGetDatum(text));
	return true;
}

/* ---- the SQL functions ---- */

/*
 * Every call works in a memory context of its own: begin_call() creates it
 * and switches to it; end_call_*() copies the result out to the caller's
 * context and deletes it.  An error deletes it with its parent.
 */
static MemoryContext
begin_call(MemoryContext *old)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "hfendpoints inference",
											  ALLOCSET_DEFAULT_SIZES);

	*old = MemoryContextSwitchTo(cxt);
	return cxt;
}

static HfeTarget *
resolve_arg(FunctionCallInfo fcinfo)
{
	return hfe_target_resolve(PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0)));
}

static HfeHttpRequest *
send_call(HfeTarget *target, HfeRoute route, const char *path, const char *body,
		  const char *action)
{
	HfeHttpRequest *req = hfe_target_request(target, route, path, body);

	hfe_target_send(target, req, route, path, action);
	return req;
}

/* the text result, copied to the caller's context, and the call's context gone */
static Datum
end_call_text(const char *str, MemoryContext cxt, MemoryContext old)
{
	text	   *result;

	MemoryContextSwitchTo(old);
	result = cstring_to_text(str);
	MemoryContextDelete(cxt);
	return PointerGetDatum(result);
}

static Datum
end_call_datum(Datum value, int16 typlen, MemoryContext cxt, MemoryContext old)
{
	Datum		result;

	MemoryContextSwitchTo(old);
	result = datumCopy(value, false, typlen);
	MemoryContextDelete(cxt);
	return result;
}

Datum
hfendpoints_text_generation(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	MemoryContext old;
	HfeTarget  *target;
	cJSON	   *parameters;
	HfeHttpRequest *req;
	HfeFailure *failure;
	char	   *out;

	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	cxt = begin_call(&old);
	parameters = hfe_text_generation_options(fcinfo, 2);
	target = resolve_arg(fcinfo);
	req = send_call(target, HFE_ROUTE_ROOT, NULL,
					hfe_text_generation_body(text_to_cstring(PG_GETARG_TEXT_PP(1)),
											 parameters),
					"generate text");
	if (!hfe_parse_text_generation(req, &out, &failure))
		hfe_raise_inference_failure(target, "generate text", failure, req);
	PG_RETURN_DATUM(end_call_text(out, cxt, old));
}

Datum
hfendpoints_chat_completion(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	MemoryContext old;
	HfeTarget  *target;
	cJSON	   *messages;
	cJSON	   *options;
	HfeHttpRequest *req;
	HfeFailure *failure;
	Datum		result;

	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	cxt = begin_call(&old);
	messages = hfe_chat_messages_jsonb(PG_GETARG_DATUM(1));
	options = hfe_chat_options(fcinfo, &hfe_chat_completion_args);
	target = resolve_arg(fcinfo);
	req = send_call(target, HFE_ROUTE_CHAT, NULL, hfe_chat_body(messages, options),
					"complete chat");
	if (!hfe_parse_jsonb(req, &result, &failure))
		hfe_raise_inference_failure(target, "complete chat", failure, req);
	PG_RETURN_DATUM(end_call_datum(result, -1, cxt, old));
}

Datum
hfendpoints_chat(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	MemoryContext old;
	HfeTarget  *target;
	cJSON	   *messages;
	cJSON	   *options;
	HfeHttpRequest *req;
	HfeFailure *failure;
	char	   *out;

	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	cxt = begin_call(&old);
	messages = hfe_chat_messages(text_to_cstring(PG_GETARG_TEXT_PP(1)),
								 PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2)));
	options = hfe_chat_options(fcinfo, &hfe_chat_args);
	target = resolve_arg(fcinfo);
	req = send_call(target, HFE_ROUTE_CHAT, NULL, hfe_chat_body(messages, options),
					"complete chat");
	if (!hfe_parse_chat_content(req, &out, &failure))
		hfe_raise_inference_failure(target, "complete chat", failure, req);
	if (out == NULL)
	{
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
		PG_RETURN_NULL();
	}
	PG_RETURN_DATUM(end_call_text(out, cxt, old));
}

Datum
hfendpoints_feature_extraction(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	MemoryContext old;
	HfeTarget  *target;
	cJSON	   *options;
	HfeHttpRequest *req;
	HfeFailure *failure;
	Datum		result;

	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	cxt = begin_call(&old);
	options = hfe_feature_extraction_options(fcinfo, 2);
	target = resolve_arg(fcinfo);
	req = send_call(target, HFE_ROUTE_ROOT, NULL,
					hfe_feature_extraction_body(text_to_cstring(PG_GETARG_TEXT_PP(1)),
												options),
					"compute embeddings");
	if (!hfe_parse_embedding(req, &result, &failure))
		hfe_raise_inference_failure(target, "compute embeddings", failure, req);
	PG_RETURN_DATUM(end_call_datum(result, -1, cxt, old));
}

Datum
hfendpoints_infer(PG_FUNCTION_ARGS)
{
	MemoryContext cxt;
	MemoryContext old;
	HfeTarget  *target;
	char	   *route = NULL;
	HfeRoute	kind = HFE_ROUTE_ROOT;
	char	   *body;
	HfeHttpRequest *req;
	HfeFailure *failure;
	Datum		result;

	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	cxt = begin_call(&old);
	if (!PG_ARGISNULL(2))
	{
		route = text_to_cstring(PG_GETARG_TEXT_PP(2));
		hfe_check_route(route);
		kind = HFE_ROUTE_PATH;
	}
	body = hfe_jsonb_to_utf8(PG_GETARG_DATUM(1));
	target = resolve_arg(fcinfo);
	req = send_call(target, kind, route, body, "run inference");
	if (!hfe_parse_jsonb(req, &result, &failure))
		hfe_raise_inference_failure(target, "run inference", failure, req);
	PG_RETURN_DATUM(end_call_datum(result, -1, cxt, old));
}
