/*-------------------------------------------------------------------------
 *
 * call_scan.h
 *		The plan node that sends the per-row inference calls of a query
 *		together (call_scan.c), and the planner hook that places it
 *		(call_plan.c).
 *
 * The node, a custom scan "HfendpointsCalls", sits above the node whose
 * target list held the calls; that node, its outer plan, now computes the
 * calls' arguments (and every call-free part of its target list) as
 * columns.  The node's scan tuple is those columns followed by one column
 * per call site, its target list the original one over that tuple.
 *
 * custom_private: list of (OID list of the called functions, integer list
 * of each call's first argument column, integer list of its argument
 * count); custom_exprs: (LIMIT count, LIMIT offset) of a LIMIT directly
 * above, either NULL; custom_scan_tlist: the scan tuple (Vars of the outer
 * plan, then the calls themselves over them, for EXPLAIN VERBOSE).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_CALL_SCAN_H
#define HFENDPOINTS_CALL_SCAN_H

#include "nodes/extensible.h"

#define HFE_CALL_SCAN_NAME "HfendpointsCalls"

extern const CustomScanMethods hfe_call_scan_methods;

/* The task a function's calls run, when the node may batch them, or NULL. */
struct HfeTask;
extern const struct HfeTask *hfe_call_scan_task(Oid funcid);

/* Register the node (call_scan.c) and install the planner hook (call_plan.c). */
extern void hfe_call_scan_init(void);
extern void hfe_call_plan_init(void);

#endif							/* HFENDPOINTS_CALL_SCAN_H */
