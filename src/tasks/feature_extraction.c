/*-------------------------------------------------------------------------
 *
 * feature_extraction.c
 *		The embeddings task: feature_extraction(),
 *		feature_extraction_batch() and enrich's task =>
 *		'feature-extraction', on TEI's native route (doc/protocol.md §6.4),
 *		the OpenAI-compatible embeddings route of vLLM, SGLang and
 *		llama.cpp (§9.3), and the inference toolkit's pipelines.  TEI and
 *		the OpenAI route take many inputs per request: batches pack them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "batch.h"
#include "call.h"
#include "tasks/tasks.h"
#include "wire.h"

PG_FUNCTION_INFO_V1(hfendpoints_feature_extraction);
PG_FUNCTION_INFO_V1(hfendpoints_feature_extraction_batch);

static cJSON *truncation_direction_json(const char *name, Datum value);

/* feature_extraction(endpoint, input, <these>) */
static const HfeTaskOption options[] = {
	{"normalized", HFE_OPT_BOOL, "normalize"},
	{"truncate", HFE_OPT_BOOL, "truncate"},
	{"prompt_name", HFE_OPT_TEXT, "prompt_name"},
	{"truncation_direction", HFE_OPT_TEXT, "truncation_direction", truncation_direction_json},
	{"dimensions", HFE_OPT_POSITIVE_INT, "dimensions"},
	HFE_ENGINE_OPTION,
	{NULL}
};

static const HfeOwnKey tei_own_keys[] = {
	{"inputs", "\"inputs\" is the text to embed. Pass the text as the function's input argument, or for enrich in the input column."},
	{NULL, NULL}
};

static const HfeOwnKey no_own_keys[] = {{NULL, NULL}};

static cJSON *
truncation_direction_json(const char *name, Datum value)
{
	char	   *dir = TextDatumGetCString(value);

	if (pg_strcasecmp(dir, "left") != 0 && pg_strcasecmp(dir, "right") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s \"%s\"", name, dir),
				 errhint("Use 'left' or 'right'.")));
	return cJSON_CreateString(pg_strcasecmp(dir, "left") == 0 ? "left" : "right");
}

/*
 * The inputs: one as a string, as huggingface_hub sends it, several as an
 * array of strings.
 */
static cJSON *
embed_inputs(const Datum *inputs, int n)
{
	cJSON	   *list;

	if (n == 1)
		return hfe_wire_string(TextDatumGetCString(inputs[0]));
	list = hfe_wire_array();
	for (int i = 0; i < n; i++)
		hfe_wire_append(list, hfe_wire_string(TextDatumGetCString(inputs[i])));
	return list;
}

/*
 * {"inputs": input or [input, ...], <options at the root>}
 * (huggingface_hub >= 0.34; TEI takes a list of up to
 * max_client_batch_size).
 */
static char *
tei_body(const HfeTaskCall *call, const Datum *inputs, int n)
{
	cJSON	   *body = hfe_wire_object();
	const cJSON *item;

	hfe_wire_set(body, "inputs", embed_inputs(inputs, n));
	cJSON_ArrayForEach(item, call->options)
		hfe_wire_set_ref(body, item->string, item);
	return hfe_json_print(body);
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
embedding_row(const HfeHttpRequest *req, const cJSON *row, int body_offset,
			  HfeAnswer *answer, HfeFailure **failure)
{
	int			n = cJSON_GetArraySize(row);
	Datum	   *values = palloc(sizeof(Datum) * Max(n, 1));
	const cJSON *item;
	int			i = 0;

	cJSON_ArrayForEach(item, row)
	{
		float4		value;

		if (!cJSON_IsNumber(item))
			return hfe_wire_unexpected(failure, cJSON_IsArray(item) ?
									   "token-level embeddings ([[[...]]]); the model is not a sentence-embedding model" :
									   "an embedding with a value that is not a number");
		value = (float4) item->valuedouble;
		if (isinf(value) || isnan(value))
		{
			*failure = hfe_make_failure(ERRCODE_PROTOCOL_VIOLATION,
										"the service sent a value out of range for type real",
										psprintf("value %d of the embedding is %s", i + 1,
												 body_offset >= 0 ?
												 number_text(req, body_offset + i) :
												 psprintf("%g", item->valuedouble)));
			return false;
		}
		values[i++] = Float4GetDatum(value);
	}
	answer->value = PointerGetDatum(construct_array(values, n, FLOAT4OID, sizeof(float4),
													true, TYPALIGN_INT));
	return true;
}

/* An answer that is not the n rows asked for. */
static bool
wrong_count(HfeFailure **failure, int got, int n)
{
	return hfe_wire_unexpected(failure, psprintf("%d embeddings for %d input%s", got, n,
												 n == 1 ? "" : "s"));
}

/* TEI: [[f, ...], ...], one row per input (a bare [f, ...] for one input) */
static bool
tei_parse(const HfeTaskCall *call, const HfeHttpRequest *req, const Datum *inputs,
		  int n, HfeAnswer *answers, HfeFailure **failure)
{
	cJSON	   *json;
	const cJSON *row;
	int			i = 0;
	int			offset = 0;		/* numbers before the row, in the body */

	if (!hfe_wire_parse(req, &json, failure))
		return false;
	if (!cJSON_IsArray(json))
	{
		if (cJSON_IsObject(json) && hfe_wire_error_in_body(req, json, failure))
			return false;
		return hfe_wire_unexpected(failure, "not a JSON array of embeddings");
	}
	row = cJSON_GetArrayItem(json, 0);
	if (n == 1 && (row == NULL || cJSON_IsNumber(row)))
		return embedding_row(req, json, 0, &answers[0], failure);
	if (cJSON_GetArraySize(json) != n)
		return wrong_count(failure, cJSON_GetArraySize(json), n);
	cJSON_ArrayForEach(row, json)
	{
		if (!cJSON_IsArray(row))
			return hfe_wire_unexpected(failure, "not a JSON array of embeddings");
		/* a bad value fails its own input only */
		(void) embedding_row(req, row, offset, &answers[i], &answers[i].failure);
		i++;
		offset += cJSON_GetArraySize(row);
	}
	return true;
}

/*
 * On the OpenAI route the engines normalise, do not truncate, and know no
 * prompt names; vLLM alone takes normalize and truncate_prompt_tokens.
 */
static void
openai_check(const HfeTaskCall *call)
{
	bool		vllm = call->engine == HFE_ENGINE_VLLM;
	const cJSON *normalize = cJSON_GetObjectItemCaseSensitive(call->options, "normalize");
	const cJSON *truncate = cJSON_GetObjectItemCaseSensitive(call->options, "truncate");

	if (cJSON_IsFalse(normalize) && !vllm)
		hfe_task_refuse_option(call, "normalized => false", "Its embeddings route always normalises.");
	if (cJSON_IsTrue(truncate) && !vllm)
		hfe_task_refuse_option(call, "truncate => true", "Its embeddings route cannot truncate an input.");
	if (cJSON_GetObjectItemCaseSensitive(call->options, "dimensions") != NULL &&
		call->engine == HFE_ENGINE_LLAMACPP)
		hfe_task_refuse_option(call, "dimensions", "Its embeddings route always returns the model's full size.");
	if (cJSON_GetObjectItemCaseSensitive(call->options, "prompt_name") != NULL)
		hfe_task_refuse_option(call, "prompt_name", "Its embeddings route has no prompt names.");
	if (cJSON_GetObjectItemCaseSensitive(call->options, "truncation_direction") != NULL)
		hfe_task_refuse_option(call, "truncation_direction", "Its embeddings route has no truncation direction.");
}

/* {"input": input or [...], "encoding_format": "float", "dimensions"?, vLLM's own} */
static char *
openai_body(const HfeTaskCall *call, const Datum *inputs, int n)
{
	cJSON	   *body = hfe_wire_object();
	const cJSON *item;

	hfe_wire_set(body, "input", embed_inputs(inputs, n));
	hfe_wire_set(body, "encoding_format", cJSON_CreateString("float"));
	if ((item = cJSON_GetObjectItemCaseSensitive(call->options, "dimensions")) != NULL)
		hfe_wire_set_ref(body, "dimensions", item);
	if (call->engine == HFE_ENGINE_VLLM)
	{
		if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(call->options, "normalize")))
			hfe_wire_set(body, "normalize", cJSON_CreateFalse());
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(call->options, "truncate")))
			hfe_wire_set(body, "truncate_prompt_tokens", cJSON_CreateNumber(-1));
	}
	return hfe_json_print(body);
}

/* {"data": [{"index": i, "embedding": [...]}, ...]}: rows placed by index */
static bool
openai_parse(const HfeTaskCall *call, const HfeHttpRequest *req, const Datum *inputs,
			 int n, HfeAnswer *answers, HfeFailure **failure)
{
	cJSON	   *json;
	const cJSON *data;
	const cJSON *item;
	bool	   *seen = palloc0(sizeof(bool) * n);

	if (!hfe_wire_parse(req, &json, failure))
		return false;
	data = cJSON_GetObjectItemCaseSensitive(json, "data");
	if (!cJSON_IsArray(data))
	{
		if (cJSON_IsObject(json) && hfe_wire_error_in_body(req, json, failure))
			return false;
		return hfe_wire_unexpected(failure, "no \"data\" array of embeddings");
	}
	if (cJSON_GetArraySize(data) != n)
		return wrong_count(failure, cJSON_GetArraySize(data), n);
	cJSON_ArrayForEach(item, data)
	{
		const cJSON *embedding = cJSON_GetObjectItemCaseSensitive(item, "embedding");
		int			i = hfe_wire_index(item, n, seen);

		if (i < 0)
			return hfe_wire_unexpected(failure, "an embedding without a valid \"index\"");
		if (!cJSON_IsArray(embedding))
			return hfe_wire_unexpected(failure, "an embedding that is not an array of numbers");
		(void) embedding_row(req, embedding, -1, &answers[i], &answers[i].failure);
	}
	return true;
}

/* The toolkit's pipelines take no options (doc/protocol.md §9.5). */
static void
toolkit_check(const HfeTaskCall *call)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, call->options)
	{
		for (const HfeTaskOption *opt = options; opt->name; opt++)
			if (opt->wire_key != NULL && strcmp(opt->wire_key, item->string) == 0)
				hfe_task_refuse_option(call, opt->name,
									   "Its embedding pipelines take no parameters.");
	}
}

static char *
toolkit_body(const HfeTaskCall *call, const Datum *inputs, int n)
{
	cJSON	   *body = hfe_wire_object();

	Assert(n == 1);
	hfe_wire_set(body, "inputs", hfe_wire_string(TextDatumGetCString(inputs[0])));
	return hfe_json_print(body);
}

/*
 * The toolkit: sentence-embeddings answers {"embeddings": [f, ...]}; the
 * transformers feature-extraction pipeline one vector per token,
 * [[[f, ...], ...]], which is mean-pooled here into one.
 */
static bool
toolkit_parse(const HfeTaskCall *call, const HfeHttpRequest *req, const Datum *inputs,
			  int n, HfeAnswer *answers, HfeFailure **failure)
{
	cJSON	   *json;
	const cJSON *rows;
	const cJSON *first;
	int			ntokens;
	int			dim;
	cJSON	   *mean;

	if (!hfe_wire_parse(req, &json, failure))
		return false;
	if (cJSON_IsObject(json))
	{
		const cJSON *embeddings = cJSON_GetObjectItemCaseSensitive(json, "embeddings");

		if (cJSON_IsArray(embeddings))
			return embedding_row(req, embeddings, -1, &answers[0], failure);
		if (hfe_wire_error_in_body(req, json, failure))
			return false;
		return hfe_wire_unexpected(failure, "no \"embeddings\"");
	}
	if (!cJSON_IsArray(json))
		return hfe_wire_unexpected(failure, "not a JSON array of embeddings");
	first = cJSON_GetArrayItem(json, 0);
	if (first == NULL || cJSON_IsNumber(first))
		return embedding_row(req, json, 0, &answers[0], failure);
	rows = cJSON_IsArray(cJSON_GetArrayItem(first, 0)) ? first : json;	/* [[[...]]] */
	ntokens = cJSON_GetArraySize(rows);
	first = cJSON_GetArrayItem(rows, 0);
	dim = cJSON_GetArraySize(first);
	if (ntokens == 1)
		return embedding_row(req, first, 0, &answers[0], failure);

	/* token vectors: their mean, each of the same length */
	mean = hfe_wire_array();
	for (int d = 0; d < dim; d++)
	{
		double		sum = 0;
		const cJSON *row;

		cJSON_ArrayForEach(row, rows)
		{
			const cJSON *v = cJSON_GetArrayItem(row, d);

			if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != dim || !cJSON_IsNumber(v))
				return hfe_wire_unexpected(failure, "token vectors of different lengths");
			sum += v->valuedouble;
		}
		hfe_wire_append(mean, cJSON_CreateNumber(sum / ntokens));
	}
	return embedding_row(req, mean, -1, &answers[0], failure);
}

static const HfeTaskPart tei = {
	.route = HFE_ROUTE_ROOT,
	.own_keys = tei_own_keys,
	.max_inputs = HFE_INPUTS_ENGINE_LIMIT,
	.content_type = "application/json",
	.build_body = tei_body,
	.parse = tei_parse,
};

static const HfeTaskPart openai = {
	.route = HFE_ROUTE_EMBEDDINGS,
	.own_keys = no_own_keys,
	.max_inputs = HFE_INPUTS_ENGINE_LIMIT,
	.content_type = "application/json",
	.check = openai_check,
	.build_body = openai_body,
	.parse = openai_parse,
};

static const HfeTaskPart toolkit = {
	.route = HFE_ROUTE_ROOT,
	.own_keys = no_own_keys,
	.max_inputs = 1,
	.content_type = "application/json",
	.check = toolkit_check,
	.build_body = toolkit_body,
	.parse = toolkit_parse,
};

const HfeTask hfe_task_feature_extraction = {
	.name = "feature_extraction",
	.enrich_name = "feature-extraction",
	.action = "compute embeddings",
	.input_type = TEXTOID,
	.result_type = FLOAT4ARRAYOID,
	.first_option = 2,
	.options = options,
	.parts = {
		[HFE_PROTOCOL_TEI] = &tei,
		[HFE_PROTOCOL_OPENAI] = &openai,
		[HFE_PROTOCOL_TOOLKIT] = &toolkit,
	},
};

Datum
hfendpoints_feature_extraction(PG_FUNCTION_ARGS)
{
	return hfe_call_task(fcinfo, &hfe_task_feature_extraction);
}

Datum
hfendpoints_feature_extraction_batch(PG_FUNCTION_ARGS)
{
	return hfe_batch_task(fcinfo, &hfe_task_feature_extraction);
}
