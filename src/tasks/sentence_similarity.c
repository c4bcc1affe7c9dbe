/*-------------------------------------------------------------------------
 *
 * sentence_similarity.c
 *		The sentence-similarity task: sentence_similarity(),
 *		sentence_similarity_batch() and enrich's task =>
 *		'sentence-similarity': how close a sentence is to each of other
 *		sentences, on TEI's POST /similarity and the inference toolkit's
 *		sentence-similarity pipeline (doc/protocol.md §9.5), as
 *		huggingface_hub's InferenceClient.sentence_similarity() sends it.
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

PG_FUNCTION_INFO_V1(hfendpoints_sentence_similarity);
PG_FUNCTION_INFO_V1(hfendpoints_sentence_similarity_batch);

/* sentence_similarity(endpoint, sentence, <these>) */
static const HfeTaskOption options[] = {
	{"other_sentences", HFE_OPT_TEXT_ARRAY, NULL},
	HFE_ENGINE_OPTION,
	{NULL}
};

static const HfeOwnKey no_own_keys[] = {{NULL, NULL}};

/* The other sentences: required, at least one. */
static const cJSON *
other_sentences(const HfeTaskCall *call)
{
	const cJSON *others = cJSON_GetObjectItemCaseSensitive(call->args, "other_sentences");

	if (cJSON_GetArraySize(others) < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sentence_similarity needs other_sentences"),
				 errhint("Pass the sentences to compare with, such as other_sentences => ARRAY['a cat', 'a dog'] (for enrich, \"other_sentences\" in parameters).")));
	return others;
}

static void
similarity_check(const HfeTaskCall *call)
{
	(void) other_sentences(call);
}

/* {"inputs": {"source_sentence": sentence, "sentences": [...]}} */
static char *
similarity_body(const HfeTaskCall *call, const Datum *inputs, int n)
{
	cJSON	   *body = hfe_wire_object();
	cJSON	   *pair = hfe_wire_object();

	Assert(n == 1);
	hfe_wire_set(pair, "source_sentence", hfe_wire_string(TextDatumGetCString(inputs[0])));
	hfe_wire_set_ref(pair, "sentences", other_sentences(call));
	hfe_wire_set(body, "inputs", pair);
	return hfe_json_print(body);
}

/*
 * [f, ...] (TEI, serverless) or {"similarities": [f, ...]} (the toolkit):
 * one score per other sentence, in their order.
 */
static bool
similarity_parse(const HfeTaskCall *call, const HfeHttpRequest *req, const Datum *inputs,
				 int n, HfeAnswer *answers, HfeFailure **failure)
{
	cJSON	   *json;
	const cJSON *scores;
	const cJSON *item;
	int			expected = cJSON_GetArraySize(other_sentences(call));
	Datum	   *values;
	int			i = 0;

	if (!hfe_wire_parse(req, &json, failure))
		return false;
	scores = cJSON_IsObject(json) ? cJSON_GetObjectItemCaseSensitive(json, "similarities") : json;
	if (!cJSON_IsArray(scores))
	{
		if (cJSON_IsObject(json) && hfe_wire_error_in_body(req, json, failure))
			return false;
		return hfe_wire_unexpected(failure, "no array of similarities");
	}
	if (cJSON_GetArraySize(scores) != expected)
		return hfe_wire_unexpected(failure, psprintf("%d similarities for %d sentences",
													 cJSON_GetArraySize(scores), expected));
	values = palloc(sizeof(Datum) * expected);
	cJSON_ArrayForEach(item, scores)
	{
		float4		v;

		if (!cJSON_IsNumber(item))
			return hfe_wire_unexpected(failure, "a similarity that is not a number");
		v = (float4) item->valuedouble;
		if (isinf(v) || isnan(v))
			return hfe_wire_unexpected(failure, "a similarity out of range for type real");
		values[i++] = Float4GetDatum(v);
	}
	answers[0].value = PointerGetDatum(construct_array(values, expected, FLOAT4OID,
													   sizeof(float4), true, TYPALIGN_INT));
	return true;
}

static const HfeTaskPart tei = {
	.route = HFE_ROUTE_PATH,
	.path = "/similarity",
	.own_keys = no_own_keys,
	.max_inputs = 1,
	.content_type = "application/json",
	.check = similarity_check,
	.build_body = similarity_body,
	.parse = similarity_parse,
};

static const HfeTaskPart toolkit = {
	.route = HFE_ROUTE_ROOT,
	.own_keys = no_own_keys,
	.max_inputs = 1,
	.content_type = "application/json",
	.check = similarity_check,
	.build_body = similarity_body,
	.parse = similarity_parse,
};

const HfeTask hfe_task_sentence_similarity = {
	.name = "sentence_similarity",
	.enrich_name = "sentence-similarity",
	.action = "compare sentences",
	.input_type = TEXTOID,
	.result_type = FLOAT4ARRAYOID,
	.first_option = 2,
	.options = options,
	.parts = {[HFE_PROTOCOL_TEI] = &tei, [HFE_PROTOCOL_TOOLKIT] = &toolkit},
};

Datum
hfendpoints_sentence_similarity(PG_FUNCTION_ARGS)
{
	return hfe_call_task(fcinfo, &hfe_task_sentence_similarity);
}

Datum
hfendpoints_sentence_similarity_batch(PG_FUNCTION_ARGS)
{
	return hfe_batch_task(fcinfo, &hfe_task_sentence_similarity);
}
