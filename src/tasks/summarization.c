/*-------------------------------------------------------------------------
 *
 * summarization.c
 *		The summarization task: summarization(), summarization_batch() and
 *		enrich's task => 'summarization', on the inference toolkit's
 *		summarization pipeline (doc/protocol.md §9.5), as
 *		huggingface_hub's InferenceClient.summarization() sends it.
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

PG_FUNCTION_INFO_V1(hfendpoints_summarization);
PG_FUNCTION_INFO_V1(hfendpoints_summarization_batch);

/* summarization(endpoint, input, <these>) */
static const HfeTaskOption options[] = {
	{"clean_up_tokenization_spaces", HFE_OPT_BOOL, "clean_up_tokenization_spaces"},
	{"truncation", HFE_OPT_TEXT, "truncation", hfe_task_truncation_json},
	{"generate_parameters", HFE_OPT_JSON, "generate_parameters"},
	HFE_ENGINE_OPTION,
	{NULL}
};

/* [{"summary_text": ...}] */
static bool
summarization_parse(const HfeTaskCall *call, const HfeHttpRequest *req, const Datum *inputs,
					int n, HfeAnswer *answers, HfeFailure **failure)
{
	return hfe_wire_first_text(req, "summary_text", "summary", &answers[0], failure);
}

static const HfeTaskPart toolkit = {
	.route = HFE_ROUTE_ROOT,
	.own_keys = hfe_pipeline_own_keys,
	.max_inputs = 1,
	.content_type = "application/json",
	.build_body = hfe_pipeline_text_body,
	.parse = summarization_parse,
};

const HfeTask hfe_task_summarization = {
	.name = "summarization",
	.enrich_name = "summarization",
	.action = "summarize text",
	.input_type = TEXTOID,
	.result_type = TEXTOID,
	.first_option = 2,
	.options = options,
	.parts = {[HFE_PROTOCOL_TOOLKIT] = &toolkit},
};

Datum
hfendpoints_summarization(PG_FUNCTION_ARGS)
{
	return hfe_call_task(fcinfo, &hfe_task_summarization);
}

Datum
hfendpoints_summarization_batch(PG_FUNCTION_ARGS)
{
	return hfe_batch_task(fcinfo, &hfe_task_summarization);
}
