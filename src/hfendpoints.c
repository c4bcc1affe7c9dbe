/*-------------------------------------------------------------------------
 *
 * hfendpoints.c
 *		Module entry point: each subsystem sets itself up from _PG_init.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "call_scan.h"
#include "credentials.h"
#include "guc.h"
#include "http.h"
#include "jobs.h"
#include "json.h"
#include "observer.h"
#include "shmem.h"
#include "stats.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	hfe_define_gucs();
	hfe_json_init();
	hfe_http_global_init();
	hfe_credentials_init();
	hfe_observer_init();
	hfe_call_scan_init();
	hfe_call_plan_init();

	/* shared memory, when the library is in shared_preload_libraries */
	hfe_stats_init();
	hfe_jobs_init();
	hfe_shmem_init();
}
