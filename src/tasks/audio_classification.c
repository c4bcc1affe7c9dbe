/*-------------------------------------------------------------------------
 *
 * audio_classification.c
 *		The audio-classification task: the labels of a sound (a bytea)
 *		with their scores, best first, on the toolkit's
 *		audio-classification pipeline (doc/protocol.md §9.5).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"

#include "batch.h"
#include "call.h"
#include "tasks/tasks.h"
#include "wire.h"

PG_FUNCTION_INFO_V1(hfendpoints_audio_classification_fn);
PG_FUNCTION_INFO_V1(hfendpoints_audio_classification_fn_batch);

/* _audio_classification(endpoint, audio, <these>) */
static const HfeTaskOption options[] = {
	HFE_CONTENT_TYPE_OPTION,
	{"top_k", HFE_OPT_POSITIVE_INT, "top_k"},
	{"function_to_apply", HFE_OPT_TEXT, "function_to_apply"},
	HFE_ENGINE_OPTION,
	{NULL}
};

/* [{"label", "score"}, ...]: best first, at most top_k */
static bool
parse(const HfeTaskCall *call, const HfeHttpRequest *req, const Datum *inputs,
	  int n, HfeAnswer *answers, HfeFailure **failure)
{
	cJSON	   *json;

	if (!hfe_wire_parse(req, &json, failure))
		return false;
	if (cJSON_IsObject(json) && hfe_wire_error_in_body(req, json, failure))
		return false;
	return hfe_wire_scored_rows(req, json, "label", -1, &answers[0], failure);
}

static const HfeTaskPart toolkit = {
	.route = HFE_ROUTE_ROOT,
	.own_keys = hfe_pipeline_own_keys,
	.max_inputs = 1,
	.media = "audio",
	.parse = parse,
};

const HfeTask hfe_task_audio_classification = {
	.name = "audio_classification",
	.enrich_name = "audio-classification",
	.action = "classify the audio",
	.input_type = BYTEAOID,
	.result_type = JSONBOID,
	.text_member = "label",
	.first_option = 2,
	.options = options,
	.parts = {[HFE_PROTOCOL_TOOLKIT] = &toolkit},
};

Datum
hfendpoints_audio_classification_fn(PG_FUNCTION_ARGS)
{
	return hfe_call_task(fcinfo, &hfe_task_audio_classification);
}

Datum
hfendpoints_audio_classification_fn_batch(PG_FUNCTION_ARGS)
{
	return hfe_batch_task(fcinfo, &hfe_task_audio_classification);
}
