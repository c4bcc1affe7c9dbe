/*-------------------------------------------------------------------------
 *
 * fill_mask.c
 *		The fill-mask task: the likeliest tokens for the mask of a text,
 *		on the toolkit's fill-mask pipeline (doc/protocol.md §9.5), as
 *		huggingface_hub's InferenceClient.fill_mask() sends it.  Its C
 *		functions return [{"token_str", "score", "token", "sequence"},
 *		...], best first; the SQL functions make rows of them.
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

PG_FUNCTION_INFO_V1(hfendpoints_fill_mask_json);
PG_FUNCTION_INFO_V1(hfendpoints_fill_mask_json_batch);

/* _fill_mask(endpoint, text, <these>) */
static const HfeTaskOption options[] = {
	{"top_k", HFE_OPT_POSITIVE_INT, "top_k"},
	{"targets", HFE_OPT_TEXT_ARRAY, "targets"},
	HFE_ENGINE_OPTION,
	{NULL}
};

static const char *const token_str_from[] = {"token_str", NULL};
static const char *const score_from[] = {"score", NULL};
static const char *const token_from[] = {"token", NULL};
static const char *const sequence_from[] = {"sequence", NULL};

static const HfeRowKey keys[] = {
	{"token_str", token_str_from, false, true},
	{"score", score_from, true, true},
	{"token", token_from, true, false},
	{"sequence", sequence_from, false, false},
	{NULL}
};

/* [{"score", "token", "token_str", "sequence"}, ...] */
static bool
fill_mask_parse(const HfeTaskCall *call, const HfeHttpRequest *req, const Datum *inputs,
				int n, HfeAnswer *answers, HfeFailure **failure)
{
	return hfe_wire_parse_rows(req, keys, true, &answers[0], failure);
}

static const HfeTaskPart toolkit = {
	.route = HFE_ROUTE_ROOT,
	.own_keys = hfe_pipeline_own_keys,
	.max_inputs = 1,
	.content_type = "application/json",
	.build_body = hfe_pipeline_text_body,
	.parse = fill_mask_parse,
};

const HfeTask hfe_task_fill_mask = {
	.name = "fill_mask",
	.enrich_name = "fill-mask",
	.action = "fill the mask",
	.input_type = TEXTOID,
	.result_type = JSONBOID,
	.first_option = 2,
	.options = options,
	.parts = {[HFE_PROTOCOL_TOOLKIT] = &toolkit},
};

Datum
hfendpoints_fill_mask_json(PG_FUNCTION_ARGS)
{
	return hfe_call_task(fcinfo, &hfe_task_fill_mask);
}

Datum
hfendpoints_fill_mask_json_batch(PG_FUNCTION_ARGS)
{
	return hfe_batch_task(fcinfo, &hfe_task_fill_mask);
}
