/*-------------------------------------------------------------------------
 *
 * call.h
 *		The single-row runner: one SQL call of a task, one request.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_CALL_H
#define HFENDPOINTS_CALL_H

#include "task.h"

/*
 * The body of a task's single-row SQL function (endpoint, input,
 * <options...>): a NULL input gives NULL without a request.
 */
extern Datum hfe_call_task(FunctionCallInfo fcinfo, const HfeTask *task);

/*
 * The same call in steps, for a caller that sends many at once: prepare
 * reads the arguments, resolves the endpoint and makes the request (NULL:
 * a NULL input, no request), in a memory context of its own under the
 * current one; the caller performs hfe_call_request() with others and
 * calls hfe_call_performed() when it is done (which parses a success and
 * frees its raw body at once); hfe_call_answer() then retries a stale URL
 * or raises the failure exactly as hfe_call_task() would, and returns the
 * value in the caller's context, the call's context gone.
 * hfe_call_discard() drops a call that will not be answered.
 */
typedef struct HfePreparedCall HfePreparedCall;

extern HfePreparedCall *hfe_call_prepare(FunctionCallInfo fcinfo, const HfeTask *task);
extern HfeHttpRequest *hfe_call_request(HfePreparedCall *pc);
extern void hfe_call_performed(HfePreparedCall *pc);
extern Datum hfe_call_answer(HfePreparedCall *pc, bool *isnull);
extern void hfe_call_discard(HfePreparedCall *pc);

#endif							/* HFENDPOINTS_CALL_H */
