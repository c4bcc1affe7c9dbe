/*-------------------------------------------------------------------------
 *
 * zero_shot_classification.c
 *		The zero-shot-classification task: how well each candidate label
 *		fits a text, on the toolkit's zero-shot-classification pipeline
 *		(doc/protocol.md §9.5), as huggingface_hub's
 *		InferenceClient.zero_shot_classification() sends it.  Its C
 *		functions return [{"label", "score"}, ...], best first; the SQL
 *		functions make rows of them.
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

PG_FUNCTION_INFO_V1(hfendpoints_zero_shot_classification_json);
PG_FUNCTION_INFO_V1(hfendpoints_zero_shot_classification_json_batch);

/* _zero_shot_classification(endpoint, text, <these>) */
static const HfeTaskOption options[] = {
	{"candidate_labels", HFE_OPT_TEXT_ARRAY, "candidate_labels"},
	{"multi_label", HFE_OPT_BOOL, "multi_label"},
	{"hypothesis_template", HFE_OPT_TEXT, "hypothesis_template"},
	HFE_ENGINE_OPTION,
	{NULL}
};

static void
zero_shot_check(const HfeTaskCall *call)
{
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(call->options, "candidate_labels")) < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("zero_shot_classification needs candidate_labels"),
				 errhint("Pass the labels to choose from, such as candidate_labels => ARRAY['sports', 'politics'] (for enrich, \"candidate_labels\" in parameters).")));
}

/*
 * {"sequence", "labels": [...], "scores": [...]} (transformers) or
 * [{"label", "score"}, ...] (newer serverless): both accepted.
 */
static bool
zero_shot_parse(const HfeTaskCall *call, const HfeHttpRequest *req, const Datum *inputs,
				int n, HfeAnswer *answers, HfeFailure **failure)
{
	cJSON	   *json;
	const cJSON *labels;
	const cJSON *scores;
	cJSON	   *rows;

	if (!hfe_wire_parse(req, &json, failure))
		return false;
	if (cJSON_IsArray(json))
		return hfe_wire_scored_rows(req, json, "label", -1, &answers[0], failure);
	labels = cJSON_GetObjectItemCaseSensitive(json, "labels");
	scores = cJSON_GetObjectItemCaseSensitive(json, "scores");
	if (!cJSON_IsArray(labels) || !cJSON_IsArray(scores))
	{
		if (cJSON_IsObject(json) && hfe_wire_error_in_body(req, json, failure))
			return false;
		return hfe_wire_unexpected(failure, "no \"labels\" and \"scores\"");
	}
	if (cJSON_GetArraySize(labels) != cJSON_GetArraySize(scores))
		return hfe_wire_unexpected(failure, "as many labels as scores");
	rows = hfe_wire_array();
	for (int i = 0; i < cJSON_GetArraySize(labels); i++)
	{
		cJSON	   *row = hfe_wire_object();

		hfe_wire_set(row, "label", cJSON_Duplicate(cJSON_GetArrayItem(labels, i), true));
		hfe_wire_set(row, "score", cJSON_Duplicate(cJSON_GetArrayItem(scores, i), true));
		hfe_wire_append(rows, row);
	}
	return hfe_wire_scored_rows(req, rows, "label", -1, &answers[0], failure);
}

static const HfeTaskPart toolkit = {
	.route = HFE_ROUTE_ROOT,
	.own_keys = hfe_pipeline_own_keys,
	.max_inputs = 1,
	.content_type = "application/json",
	.check = zero_shot_check,
	.build_body = hfe_pipeline_text_body,
	.parse = zero_shot_parse,
};

const HfeTask hfe_task_zero_shot_classification = {
	.name = "zero_shot_classification",
	.enrich_name = "zero-shot-classification",
	.action = "classify text",
	.input_type = TEXTOID,
	.result_type = JSONBOID,
	.text_member = "label",
	.first_option = 2,
	.options = options,
	.parts = {[HFE_PROTOCOL_TOOLKIT] = &toolkit},
};

Datum
hfendpoints_zero_shot_classification_json(PG_FUNCTION_ARGS)
{
	return hfe_call_task(fcinfo, &hfe_task_zero_shot_classification);
}

Datum
hfendpoints_zero_shot_classification_json_batch(PG_FUNCTION_ARGS)
{
	return hfe_batch_task(fcinfo, &hfe_task_zero_shot_classification);
}
