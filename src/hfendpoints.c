/*-------------------------------------------------------------------------
 *
 * hfendpoints.c
 *		Module entry point: each subsystem sets itself up from _PG_init.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "hfendpoints.h"
#include "http.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	hfe_define_gucs();
	hfe_json_init();
	hfe_http_global_init();
}
