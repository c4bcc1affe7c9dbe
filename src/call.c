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
 * A call runs in three steps, which the plan node of call_scan.c takes
 * apart to send the calls of many rows together: prepare (arguments,
 * endpoint, request), send (here one request; there many at once), and
 * answer (the stale-URL retry and the failure of hfe_target_send, then the
 * parsed value).
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

struct HfePreparedCall
{
	const HfeTask *task;
	MemoryContext cxt;			/* everything of the call but its result */
	HfeTaskCall *call;
	HfeTarget  *target;
	HfeRoute	route;
	const char *path;
	Datum		input;
	HfeHttpRequest *req;
	bool		parsed;			/* answered by hfe_call_performed() */
	bool		parse_ok;
	HfeAnswer	answer;
	HfeFailure *failure;
};

HfePreparedCall *
hfe_call_prepare(FunctionCallInfo fcinfo, const HfeTask *task)
{
	MemoryContext cxt;
	MemoryContext old;
	HfePreparedCall *pc;

	if (PG_ARGISNULL(1))
		return NULL;
	cxt = AllocSetContextCreate(CurrentMemoryContext, "hfendpoints call",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	pc = palloc0(sizeof(HfePreparedCall));
	pc->task = task;
	pc->cxt = cxt;
	pc->answer.tokens = -1;
	pc->call = hfe_task_call_from_args(task, fcinfo, PG_NARGS());
	pc->input = PG_GETARG_DATUM(1);
	pc->target = hfe_target_resolve(PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0)));
	hfe_task_call_bind(pc->call, pc->target, false);
	pc->route = hfe_task_route(pc->call, &pc->path);
	pc->req = hfe_task_request(pc->call, pc->target, pc->route, pc->path, &pc->input, 1);
	MemoryContextSwitchTo(old);
	return pc;
}

HfeHttpRequest *
hfe_call_request(HfePreparedCall *pc)
{
	return pc->req;
}

void
hfe_call_performed(HfePreparedCall *pc)
{
	MemoryContext old;

	if (!hfe_http_ok(pc->req))
		return;					/* hfe_call_answer() decides, in row order */
	old = MemoryContextSwitchTo(pc->cxt);
	pc->parse_ok = pc->call->part->parse(pc->call, pc->req, &pc->input, 1,
										 &pc->answer, &pc->failure);
	pc->parsed = true;
	MemoryContextSwitchTo(old);
	hfe_http_release_response(pc->req, 0);
}

Datum
hfe_call_answer(HfePreparedCall *pc, bool *isnull)
{
	MemoryContext old = MemoryContextSwitchTo(pc->cxt);
	HfeAnswer  *answer = &pc->answer;
	int16		typlen;
	bool		typbyval;
	Datum		result;

	if (!pc->parsed)
	{
		hfe_target_finish(pc->target, pc->req, pc->route, pc->path, pc->task->action);
		pc->parse_ok = pc->call->part->parse(pc->call, pc->req, &pc->input, 1,
											 answer, &pc->failure);
	}
	if (!pc->parse_ok)
		hfe_raise_inference_failure(pc->target, pc->task->action, pc->failure, pc->req);
	if (answer->failure != NULL)
		hfe_raise_inference_failure(pc->target, pc->task->action, answer->failure, pc->req);
	if (answer->tokens > 0 && pc->req->generated_tokens < 0)
		hfe_stats_count_tokens(pc->target->server->serverid, pc->target->stats_label,
							   answer->tokens);
	MemoryContextSwitchTo(old);

	/* the result, copied to the caller's context, and the call's context gone */
	*isnull = answer->isnull;
	if (answer->isnull)
		result = (Datum) 0;
	else
	{
		get_typlenbyval(pc->task->result_type, &typlen, &typbyval);
		result = datumCopy(answer->value, typbyval, typlen);
	}
	hfe_call_discard(pc);
	return result;
}

void
hfe_call_discard(HfePreparedCall *pc)
{
	MemoryContextDelete(pc->cxt);
}

Datum
hfe_call_task(FunctionCallInfo fcinfo, const HfeTask *task)
{
	HfePreparedCall *pc = hfe_call_prepare(fcinfo, task);
	Datum		result;
	bool		isnull;

	MemoryContext old;

	if (pc == NULL)
		PG_RETURN_NULL();
	old = MemoryContextSwitchTo(pc->cxt);
	hfe_http_perform(pc->req);
	MemoryContextSwitchTo(old);
	result = hfe_call_answer(pc, &isnull);
	if (isnull)
		PG_RETURN_NULL();
	return result;
}
