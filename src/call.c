/*-------------------------------------------------------------------------
 *
 * call.c
 *		The single-row runner: one SQL call of a task sends one request
 *		and returns its parsed answer, or raises its failure.
 *
 * Arguments are read and checked before the endpoint is resolved, and the
 * engine's own checks run before the body is built, so that a bad argument
 * sends no inference request.  Each call works in a
 * memory context of its own, deleted before it returns, so a long SELECT
 * over many rows holds only its results.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "call.h"
#include "stats.h"
#include "target.h"

Datum
hfe_call_task(FunctionCallInfo fcinfo, const HfeTask *task)
{
	MemoryContext cxt;
	MemoryContext old;
	HfeTaskCall *call;
	Datum		input;
	HfeTarget  *target;
	HfeRoute	route;
	const char *path;
	HfeHttpRequest *req;
	HfeAnswer	answer = {(Datum) 0, false, -1, NULL};
	HfeFailure *failure;
	int16		typlen;
	bool		typbyval;
	Datum		result;

	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	cxt = AllocSetContextCreate(CurrentMemoryContext, "hfendpoints call",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);

	call = hfe_task_call_from_args(task, fcinfo, PG_NARGS());
	input = PG_GETARG_DATUM(1);
	target = hfe_target_resolve(PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0)));
	hfe_task_call_bind(call, target, false);
	route = hfe_task_route(call, &path);
	req = hfe_task_request(call, target, route, path, &input, 1);
	hfe_target_send(target, req, route, path, task->action);
	if (!call->part->parse(call, req, &input, 1, &answer, &failure))
		hfe_raise_inference_failure(target, task->action, failure, req);
	if (answer.failure != NULL)
		hfe_raise_inference_failure(target, task->action, answer.failure, req);
	if (answer.tokens > 0 && req->generated_tokens < 0)
		hfe_stats_count_tokens(target->server->serverid, target->stats_label, answer.tokens);

	/* the result, copied to the caller's context, and the call's context gone */
	MemoryContextSwitchTo(old);
	if (answer.isnull)
	{
		MemoryContextDelete(cxt);
		PG_RETURN_NULL();
	}
	get_typlenbyval(task->result_type, &typlen, &typbyval);
	result = datumCopy(answer.value, typbyval, typlen);
	MemoryContextDelete(cxt);
	return result;
}
