/*-------------------------------------------------------------------------
 *
 * object_detection.c
 *		The object-detection task: the objects in an image (a bytea),
 *		with their scores and boxes, best first, on the toolkit's
 *		object-detection pipeline (doc/protocol.md §9.5).
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

PG_FUNCTION_INFO_V1(hfendpoints_object_detection_fn);
PG_FUNCTION_INFO_V1(hfendpoints_object_detection_fn_batch);

/* _object_detection(endpoint, image, <these>) */
static const HfeTaskOption options[] = {
	HFE_CONTENT_TYPE_OPTION,
	{"threshold", HFE_OPT_FLOAT, "threshold"},
	HFE_ENGINE_OPTION,
	{NULL}
};

/*
 * [{"label", "score", "box": {"xmin", "ymin", "xmax", "ymax"}}, ...]: the
 * box flattened into the row, best first.
 */
static bool
parse(const HfeTaskCall *call, const HfeHttpRequest *req, const Datum *inputs,
	  int n, HfeAnswer *answers, HfeFailure **failure)
{
	static const char *const label_from[] = {"label", NULL};
	static const char *const score_from[] = {"score", NULL};
	static const char *const xmin_from[] = {"xmin", NULL};
	static const char *const ymin_from[] = {"ymin", NULL};
	static const char *const xmax_from[] = {"xmax", NULL};
	static const char *const ymax_from[] = {"ymax", NULL};
	static const HfeRowKey keys[] = {
		{"label", label_from, false, true},
		{"score", score_from, true, true},
		{"xmin", xmin_from, true, false},
		{"ymin", ymin_from, true, false},
		{"xmax", xmax_from, true, false},
		{"ymax", ymax_from, true, false},
		{NULL}
	};
	cJSON	   *json;
	cJSON	   *item;

	if (!hfe_wire_parse(req, &json, failure))
		return false;
	if (cJSON_IsObject(json) && hfe_wire_error_in_body(req, json, failure))
		return false;
	cJSON_ArrayForEach(item, json)
	{
		cJSON	   *box = cJSON_GetObjectItemCaseSensitive(item, "box");
		cJSON	   *corner;

		cJSON_ArrayForEach(corner, box)
			hfe_wire_set(item, corner->string, cJSON_Duplicate(corner, true));
	}
	return hfe_wire_rows(req, json, keys, true, -1, &answers[0], failure);
}

static const HfeTaskPart toolkit = {
	.route = HFE_ROUTE_ROOT,
	.own_keys = hfe_pipeline_own_keys,
	.max_inputs = 1,
	.media = "image",
	.parse = parse,
};

const HfeTask hfe_task_object_detection = {
	.name = "object_detection",
	.enrich_name = "object-detection",
	.action = "detect objects",
	.input_type = BYTEAOID,
	.result_type = JSONBOID,
	.first_option = 2,
	.options = options,
	.parts = {[HFE_PROTOCOL_TOOLKIT] = &toolkit},
};

Datum
hfendpoints_object_detection_fn(PG_FUNCTION_ARGS)
{
	return hfe_call_task(fcinfo, &hfe_task_object_detection);
}

Datum
hfendpoints_object_detection_fn_batch(PG_FUNCTION_ARGS)
{
	return hfe_batch_task(fcinfo, &hfe_task_object_detection);
}
