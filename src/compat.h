/*-------------------------------------------------------------------------
 *
 * compat.h
 *		Shims that keep hfendpoints building on PostgreSQL 15 to 19, the
 *		majors it is tested on (scripts/test-matrix).  Each shim names the
 *		release that changed the API; there is no branch for a release
 *		nobody tested.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_COMPAT_H
#define HFENDPOINTS_COMPAT_H

#include "postgres.h"

#include "utils/acl.h"

/*
 * PostgreSQL 18 replaced pg_attribute_noreturn(), written after a
 * declaration, with pg_noreturn, written before it.  Before 18, define
 * pg_noreturn as 18 does.
 */
#if PG_VERSION_NUM < 180000
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define pg_noreturn _Noreturn
#elif defined(__GNUC__)
#define pg_noreturn __attribute__((noreturn))
#else
#define pg_noreturn
#endif
#endif

/*
 * USAGE on a foreign server.  PostgreSQL 16 folded the per-object-type
 * pg_*_aclcheck() functions into object_aclcheck().
 */
#if PG_VERSION_NUM >= 160000
#include "catalog/pg_foreign_server.h"
#define hfe_foreign_server_aclcheck(serverid, roleid, mode) \
	object_aclcheck(ForeignServerRelationId, (serverid), (roleid), (mode))
#else
#define hfe_foreign_server_aclcheck(serverid, roleid, mode) \
	pg_foreign_server_aclcheck((serverid), (roleid), (mode))
#endif

/* EXECUTE on a function, the same way. */
#if PG_VERSION_NUM >= 160000
#include "catalog/pg_proc.h"
#define hfe_function_aclcheck(funcid, roleid, mode) \
	object_aclcheck(ProcedureRelationId, (funcid), (roleid), (mode))
#else
#define hfe_function_aclcheck(funcid, roleid, mode) \
	pg_proc_aclcheck((funcid), (roleid), (mode))
#endif

/*
 * Wait event reported while an HTTP request is in flight.  PostgreSQL 17
 * lets extensions register named wait events: pg_stat_activity then shows
 * wait_event_type "Extension", wait_event "HfendpointsHttp".  Older
 * releases only have the generic "Extension" event.  The name is
 * registered on first use, in each backend (registering it again returns
 * the same id).
 */
#include "utils/wait_event.h"
#if PG_VERSION_NUM >= 170000
static inline uint32
hfe_wait_event_http(void)
{
	static uint32 wait_event = 0;

	if (wait_event == 0)
		wait_event = WaitEventExtensionNew("HfendpointsHttp");
	return wait_event;
}
#define HFE_WAIT_EVENT_HTTP hfe_wait_event_http()
#else
#define HFE_WAIT_EVENT_HTTP PG_WAIT_EXTENSION
#endif

/*
 * This backend's index among the MaxBackends regular backends (client
 * backends, background workers, autovacuum, WAL senders), from 0; outside
 * [0, MaxBackends) in auxiliary processes.  Per-backend shared memory
 * slots are indexed by it.
 */
#if PG_VERSION_NUM >= 170000
#include "storage/procnumber.h"
#define HFE_MY_BACKEND_INDEX() ((int) MyProcNumber)
#else
#include "storage/backendid.h"
#define HFE_MY_BACKEND_INDEX() ((int) MyBackendId - 1)
#endif

/*
 * A hash table in shared memory of nelems entries.  PostgreSQL 19 merged
 * ShmemInitHash()'s initial and maximum sizes into one.
 */
#include "storage/shmem.h"
#if PG_VERSION_NUM >= 190000
#define hfe_shmem_init_hash(name, nelems, info, flags) \
	ShmemInitHash((name), (nelems), (info), (flags))
#else
#define hfe_shmem_init_hash(name, nelems, info, flags) \
	ShmemInitHash((name), (nelems), (nelems), (info), (flags))
#endif

/*
 * planner_hook's parameters, and the same names to pass them on with.
 * PostgreSQL 19 added the ExplainState of an EXPLAIN being planned.
 */
#if PG_VERSION_NUM >= 190000
#define HFE_PLANNER_HOOK_PARAMS Query *parse, const char *query_string, \
	int cursorOptions, ParamListInfo boundParams, ExplainState *es
#define HFE_PLANNER_HOOK_ARGS parse, query_string, cursorOptions, boundParams, es
#else
#define HFE_PLANNER_HOOK_PARAMS Query *parse, const char *query_string, \
	int cursorOptions, ParamListInfo boundParams
#define HFE_PLANNER_HOOK_ARGS parse, query_string, cursorOptions, boundParams
#endif

/* EXPLAIN's ExplainProperty*() moved to their own header in PostgreSQL 18. */
#if PG_VERSION_NUM >= 180000
#define HFE_EXPLAIN_FORMAT_H "commands/explain_format.h"
#else
#define HFE_EXPLAIN_FORMAT_H "commands/explain.h"
#endif

#endif							/* HFENDPOINTS_COMPAT_H */
