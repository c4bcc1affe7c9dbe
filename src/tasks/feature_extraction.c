/*-------------------------------------------------------------------------
 *
 * feature_extraction.c
 *		The embeddings task: feature_extraction(),
 *		feature_extraction_batch() and enrich's task =>
 *		'feature-extraction', on TEI's native route (doc/protocol.md §6.4).
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
	{NULL}
};

static const HfeOwnKey tei_own_keys[] = {
	{"inputs", "\"inputs\" is the text to embed. Pass the text as the function's input argument, or for enrich in the input column."},
	{NULL, NULL}
};

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

/* {"inputs": input, <options at the root>} (huggingface_hub >= 0.34) */
static char *
tei_body(const HfeTaskCall *call, Datum input)
{
	cJSON	   *body = hfe_wire_object();
	const cJSON *item;

	hfe_wire_set(body, "inputs", hfe_wire_string(TextDatumGetCString(input)));
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
embedding_row(const HfeHttpRequest *req, const cJSON *row, HfeAnswer *answer,
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
			return hfe_wire_unexpected(failure, cJSON_IsArray(item) ?
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
	answer->value = PointerGetDatum(construct_array(values, n, FLOAT4OID, sizeof(float4),
													true, TYPALIGN_INT));
	return true;
}

/* TEI: [[f, ...]] (or [f, ...]) */
static bool
tei_parse(const HfeHttpRequest *req, HfeAnswer *answer, HfeFailure **failure)
{
	cJSON	   *json;
	const cJSON *row;

	if (!hfe_wire_parse(req, &json, failure))
		return false;
	if (!cJSON_IsArray(json))
	{
		if (cJSON_IsObject(json) && hfe_wire_error_in_body(req, json, failure))
			return false;
		return hfe_wire_unexpected(failure, "not a JSON array of embeddings");
	}
	/* TEI sends [[...]] even for one input; a bare [...] is accepted too */
	row = cJSON_GetArrayItem(json, 0);
	if (row == NULL || cJSON_IsNumber(row))
		return embedding_row(req, json, answer, failure);
	if (!cJSON_IsArray(row))
		return hfe_wire_unexpected(failure, "not a JSON array of embeddings");
	if (cJSON_GetArraySize(json) != 1)
		return hfe_wire_unexpected(failure, psprintf("%d embeddings for one input",
													 cJSON_GetArraySize(json)));
	return embedding_row(req, row, answer, failure);
}

static const HfeTaskPart tei = {
	.route = HFE_ROUTE_ROOT,
	.own_keys = tei_own_keys,
	.max_inputs = 1,
	.content_type = "application/json",
	.build_body = tei_body,
	.parse = tei_parse,
};

const HfeTask hfe_task_feature_extraction = {
	.name = "feature_extraction",
	.enrich_name = "feature-extraction",
	.action = "compute embeddings",
	.input_type = TEXTOID,
	.result_type = FLOAT4ARRAYOID,
	.first_option = 2,
	.options = options,
	.parts = {[HFE_PROTOCOL_TEI] = &tei},
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
