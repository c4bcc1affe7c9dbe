/*-------------------------------------------------------------------------
 *
 * shmem.c
 *		The shared-memory glue: the request and startup hooks, one LWLock
 *		tranche, and the error of a view when the memory is missing.
 *
 * Statistics and job progress live in shared memory, which can only be
 * had at server start.  Loaded later (by CREATE EXTENSION or a first
 * call), hfendpoints works without them: the hooks are not installed and
 * nothing registered here is ever started.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/shmem.h"

#include "shmem.h"

#define HFE_LWLOCK_TRANCHE "hfendpoints"
#define MAX_USERS 4

typedef struct ShmemUser
{
	HfeShmemSizeFunc size;
	HfeShmemStartupFunc startup;
} ShmemUser;

static ShmemUser users[MAX_USERS];
static int	nusers = 0;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

void
hfe_shmem_register(HfeShmemSizeFunc size, HfeShmemStartupFunc startup)
{
	if (nusers >= MAX_USERS)
		elog(ERROR, "too many hfendpoints shared memory users");
	users[nusers].size = size;
	users[nusers].startup = startup;
	nusers++;
}

static void
shmem_request(void)
{
	Size		total = 0;

	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	for (int i = 0; i < nusers; i++)
		total = add_size(total, users[i].size());
	RequestAddinShmemSpace(total);
	RequestNamedLWLockTranche(HFE_LWLOCK_TRANCHE, HFE_NUM_LWLOCKS);
}

static void
shmem_startup(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	for (int i = 0; i < nusers; i++)
		users[i].startup();
	LWLockRelease(AddinShmemInitLock);
}

void
hfe_shmem_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = shmem_startup;
}

LWLock *
hfe_shmem_lwlock(int index)
{
	Assert(index >= 0 && index < HFE_NUM_LWLOCKS);
	return &(GetNamedLWLockTranche(HFE_LWLOCK_TRANCHE)[index].lock);
}

HTAB *
hfe_shmem_hash(const char *name, long nelems, HASHCTL *info, int flags)
{
	return hfe_shmem_init_hash(name, nelems, info, flags);
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
