/*-------------------------------------------------------------------------
 *
 * shmem.h
 *		Shared memory for the subsystems that need it (stats.c, jobs.c),
 *		there only when the library is in shared_preload_libraries.
 *
 * Each subsystem registers its size and startup functions from _PG_init;
 * hfe_shmem_init() then installs the hooks that request and set up the
 * memory, with one named LWLock tranche for everyone.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_SHMEM_H
#define HFENDPOINTS_SHMEM_H

#include "storage/lwlock.h"
#include "utils/hsearch.h"

#include "compat.h"

/* The LWLocks of the tranche, one per use. */
#define HFE_LWLOCK_STATS 0
#define HFE_NUM_LWLOCKS 1

typedef Size (*HfeShmemSizeFunc) (void);
typedef void (*HfeShmemStartupFunc) (void);

/* Call from _PG_init, before hfe_shmem_init(). */
extern void hfe_shmem_register(HfeShmemSizeFunc size, HfeShmemStartupFunc startup);
extern void hfe_shmem_init(void);

/* One LWLock of the tranche; only from a startup function or later. */
extern LWLock *hfe_shmem_lwlock(int index);

/* A shared hash table of nelems entries (startup functions only). */
extern HTAB *hfe_shmem_hash(const char *name, long nelems, HASHCTL *info, int flags);

/* The error of a view that needs the shared memory, when it is missing. */
pg_noreturn extern void hfe_raise_not_preloaded(void);

#endif							/* HFENDPOINTS_SHMEM_H */
