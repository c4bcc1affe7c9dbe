/*-------------------------------------------------------------------------
 *
 * image_to_text.c
 *		The image-to-text task: a caption of an image (a bytea), on
 *		the toolkit's image-to-text pipeline (doc/protocol.md §9.5).
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

PG_FUNCTION_INFO_V1(hfendpoints_image_to_text_fn);
PG_FUNCTION_INFO_V1(hfendpoints_image_to_text_fn_batch);

/* _image_to_text(endpoint, image, <these>) */
static const HfeTaskOption options[] = {
	HFE_CONTENT_TYPE_OPTION,
	{"max_new_tokens", HFE_OPT_POSITIVE_INT, "max_new_tokens"},
	HFE_ENGINE_OPTION,
	{NULL}
};

/* [{"generated_text": ...}] */
static bool
parse(const HfeTaskCall *call, const HfeHttpRequest *req, const Datum *inputs,
	  int n, HfeAnswer *answers, HfeFailure **failure)
{
	return hfe_wire_first_text(req, "generated_text", "generated text", &answers[0], failure);
}

static const HfeTaskPart toolkit = {
	.route = HFE_ROUTE_ROOT,
	.own_keys = hfe_pipeline_own_keys,
	.max_inputs = 1,
	.media = "image",
	.parse = parse,
};

const HfeTask hfe_task_image_to_text = {
	.name = "image_to_text",
	.enrich_name = "image-to-text",
	.action = "describe the image",
	.input_type = BYTEAOID,
	.result_type = TEXTOID,
	.first_option = 2,
	.options = options,
	.parts = {[HFE_PROTOCOL_TOOLKIT] = &toolkit},
};

Datum
hfendpoints_image_to_text_fn(PG_FUNCTION_ARGS)
{
	return hfe_call_task(fcinfo, &hfe_task_image_to_text);
}

Datum
hfendpoints_image_to_text_fn_batch(PG_FUNCTION_ARGS)
{
	return hfe_batch_task(fcinfo, &hfe_task_image_to_text);
}
