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

#endif							/* HFENDPOINTS_CALL_H */
