/*-------------------------------------------------------------------------
 *
 * translation.c
 *		The translation task: translation(), translation_batch() and
 *		enrich's task => 'translation', on the inference toolkit's
 *		translation pipeline (doc/protocol.md §9.5), as huggingface_hub's
 *		InferenceClient.translation() sends it.
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

PG_FUNCTION_INFO_V1(hfendpoints_translation);
PG_FUNCTION_INFO_V1(hfendpoints_translation_batch);

/* translation(endpoint, input, <these>) */
static const HfeTaskOption options[] = {
	{"src_lang", HFE_OPT_TEXT, "src_lang"},
	{"tgt_lang", HFE_OPT_TEXT, "tgt_lang"},
	{"clean_up_tokenization_spaces", HFE_OPT_BOOL, "clean_up_tokenization_spaces"},
	{"truncation", HFE_OPT_TEXT, "truncation", hfe_task_truncation_json},
	{"generate_parameters", HFE_OPT_JSON, "generate_parameters"},
	HFE_ENGINE_OPTION,
	{NULL}
};

/*
 * huggingface_hub refuses one language without the other: the pipeline
 * needs both or neither.
 */
static void
translation_check(const HfeTaskCall *call)
{
	bool		src = cJSON_GetObjectItemCaseSensitive(call->options, "src_lang") != NULL;
	bool		tgt = cJSON_GetObjectItemCaseSensitive(call->options, "tgt_lang") != NULL;

	if (src != tgt)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("src_lang and tgt_lang must be given together"),
				 errhint("Give both, such as src_lang => 'en_XX', tgt_lang => 'fr_XX', or neither for a model of one language pair.")));
}

/* [{"translation_text": ...}] */
static bool
translation_parse(const HfeTaskCall *call, const HfeHttpRequest *req, const Datum *inputs,
				  int n, HfeAnswer *answers, HfeFailure **failure)
{
	return hfe_wire_first_text(req, "translation_text", "translation", &answers[0], failure);
}

static const HfeTaskPart toolkit = {
	.route = HFE_ROUTE_ROOT,
	.own_keys = hfe_pipeline_own_keys,
	.max_inputs = 1,
	.content_type = "application/json",
	.check = translation_check,
	.build_body = hfe_pipeline_text_body,
	.parse = translation_parse,
};

const HfeTask hfe_task_translation = {
	.name = "translation",
	.enrich_name = "translation",
	.action = "translate text",
	.input_type = TEXTOID,
	.result_type = TEXTOID,
	.first_option = 2,
	.options = options,
	.parts = {[HFE_PROTOCOL_TOOLKIT] = &toolkit},
};

Datum
hfendpoints_translation(PG_FUNCTION_ARGS)
{
	return hfe_call_task(fcinfo, &hfe_task_translation);
}

Datum
hfendpoints_translation_batch(PG_FUNCTION_ARGS)
{
	return hfe_batch_task(fcinfo, &hfe_task_translation);
}
