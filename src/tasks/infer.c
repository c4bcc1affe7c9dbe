/*-------------------------------------------------------------------------
 *
 * infer.c
 *		Any task as raw JSON: infer() and infer_batch() post the caller's
 *		payload as it is, to the endpoint's URL or a route under it, and
 *		return the answer as jsonb.
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

PG_FUNCTION_INFO_V1(hfendpoints_infer);
PG_FUNCTION_INFO_V1(hfendpoints_infer_batch);

static cJSON *route_json(const char *name, Datum value);

/* infer(endpoint, payload, <these>) */
static const HfeTaskOption options[] = {
	{"route", HFE_OPT_TEXT, NULL, route_json},
	{NULL}
};

/* the payload is the whole body: no key is the body's own */
static const HfeOwnKey no_own_keys[] = {{NULL, NULL}};

/* A route is checked with the other arguments, before anything is sent. */
static cJSON *
route_json(const char *name, Datum value)
{
	char	   *route = TextDatumGetCString(value);

	hfe_check_route(route);
	return cJSON_CreateString(route);
}

static char *
payload_body(const HfeTaskCall *call, const Datum *payloads, int n)
{
	Assert(n == 1);
	return hfe_jsonb_to_utf8(payloads[0]);
}

static const HfeTaskPart any = {
	.route = HFE_ROUTE_ROOT,
	.own_keys = no_own_keys,
	.max_inputs = 1,
	.content_type = "application/json",
	.build_body = payload_body,
	.parse = hfe_wire_parse_jsonb,
};

const HfeTask hfe_task_infer = {
	.name = "infer",
	.enrich_name = "infer",
	.action = "run inference",
	.input_type = JSONBOID,
	.result_type = JSONBOID,
	.first_option = 2,
	.options = options,
	.parts = {[HFE_PROTOCOL_ANY] = &any},
};

Datum
hfendpoints_infer(PG_FUNCTION_ARGS)
{
	return hfe_call_task(fcinfo, &hfe_task_infer);
}

Datum
hfendpoints_infer_batch(PG_FUNCTION_ARGS)
{
	return hfe_batch_task(fcinfo, &hfe_task_infer);
}
