/*-------------------------------------------------------------------------
 *
 * hfendpoints.h
 *		Declarations shared by every hfendpoints source file: the GUC
 *		variables and the small helpers each subsystem exports to _PG_init.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_H
#define HFENDPOINTS_H

#include "compat.h"

/* guc.c: every hfendpoints.* setting */
extern char *hfe_server_name;
extern int	hfe_connect_timeout_ms;
extern int	hfe_request_timeout_ms;
extern int	hfe_max_retries;
extern int	hfe_retry_base_delay_ms;
extern int	hfe_cold_start_timeout_s;
extern int	hfe_max_concurrency;
extern int	hfe_max_response_size;
extern int	hfe_endpoint_cache_ttl_s;

/* the largest value hfendpoints.max_concurrency accepts */
#define HFE_MAX_CONCURRENCY 256

extern void hfe_define_gucs(void);

/* json.c: cJSON allocates through palloc in CurrentMemoryContext */
extern void hfe_json_init(void);

/*
 * hfendpoints.c: shared memory (stats.c, jobs.c), there only when the
 * library is in shared_preload_libraries.  Its LWLocks form one named
 * tranche.
 */
#define HFE_LWLOCK_TRANCHE "hfendpoints"
#define HFE_LWLOCK_STATS 0
#define HFE_NUM_LWLOCKS 1

/* The error of a view that needs the shared memory, when it is missing. */
pg_noreturn extern void hfe_raise_not_preloaded(void);

#endif							/* HFENDPOINTS_H */
