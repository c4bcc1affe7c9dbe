/*-------------------------------------------------------------------------
 *
 * hfendpoints.c
 *		Module entry point: each subsystem sets itself up from _PG_init,
 *		and the shared memory of stats.c and jobs.c is requested here when
 *		the library is in shared_preload_libraries.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"

#include "credentials.h"
#include "hfendpoints.h"
#include "http.h"
#include "jobs.h"
#include "stats.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

#if PG_VERSION_NUM >= 150000
static shmem_request_hook_type prev_shmem_request_hook = NULL;
#endif
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static void
hfe_shmem_request(void)
{
#if PG_VERSION_NUM >= 150000
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
#endif
	RequestAddinShmemSpace(add_size(hfe_stats_shmem_size(), hfe_jobs_shmem_size()));
	RequestNamedLWLockTranche(HFE_LWLOCK_TRANCHE, HFE_NUM_LWLOCKS);
}

static void
hfe_shmem_startup(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	hfe_stats_shmem_startup();
	hfe_jobs_shmem_startup();
	LWLockRelease(AddinShmemInitLock);
}

void
hfe_raise_not_preloaded(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("hfendpoints must be loaded via shared_preload_libraries"),
			 errhint("Add hfendpoints to shared_preload_libraries in postgresql.conf and restart the server; the other hfendpoints functions work without it.")));
	pg_unreachable();
}

void
_PG_init(void)
{
	hfe_define_gucs();
	hfe_json_init();
	hfe_http_global_init();
	hfe_credentials_init();

	/*
	 * Statistics and job progress live in shared memory, which can only be
	 * had at server start.  Loaded later (by CREATE EXTENSION or a first
	 * call), hfendpoints works without them.
	 */
	if (process_shared_preload_libraries_in_progress)
	{
#if PG_VERSION_NUM >= 150000
		prev_shmem_request_hook = shmem_request_hook;
		shmem_request_hook = hfe_shmem_request;
#else
		hfe_shmem_request();
#endif
		prev_shmem_startup_hook = shmem_startup_hook;
		shmem_startup_hook = hfe_shmem_startup;
	}
}
