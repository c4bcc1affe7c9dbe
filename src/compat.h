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
 * lets extensions register named wait events; older releases only have the
 * generic "Extension" event.
 */
#include "utils/wait_event.h"
#define HFE_WAIT_EVENT_HTTP PG_WAIT_EXTENSION

#endif							/* HFENDPOINTS_COMPAT_H */
