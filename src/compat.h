/*-------------------------------------------------------------------------
 *
 * compat.h
 *		Shims that keep hfendpoints building on PostgreSQL 13 to 17.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_COMPAT_H
#define HFENDPOINTS_COMPAT_H

#include "postgres.h"

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

#endif							/* HFENDPOINTS_COMPAT_H */
