/*-------------------------------------------------------------------------
 *
 * batch.h
 *		The batch runner: many inputs of one task, sent concurrently.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_BATCH_H
#define HFENDPOINTS_BATCH_H

#include "task.h"

/*
 * The body of a task's batch SQL function (endpoint, inputs[],
 * <options...>, on_error): (ord, output, error) rows in input order.
 */
extern Datum hfe_batch_task(FunctionCallInfo fcinfo, const HfeTask *task);

/*
 * One batch of enrich: n inputs of the call's task (nulls[i]: none) into
 * the SRF result of fcinfo as (ord, output text, embedding real[], error)
 * rows; failures never raise, they come back in the error column.
 */
extern void hfe_batch_enrich(FunctionCallInfo fcinfo, const char *endpoint,
							 HfeTaskCall *call, const Datum *inputs,
							 const bool *nulls, int n);

#endif							/* HFENDPOINTS_BATCH_H */
