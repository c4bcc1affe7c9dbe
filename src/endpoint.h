/*-------------------------------------------------------------------------
 *
 * endpoint.h
 *		The endpoint row the lifecycle functions return, for the other SQL
 *		functions that return one (catalog.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_ENDPOINT_H
#define HFENDPOINTS_ENDPOINT_H

#include "fmgr.h"

#include "api.h"

/* ep as the function's result, of type hfendpoints.endpoint. */
extern Datum hfe_endpoint_datum(FunctionCallInfo fcinfo, const HfeEndpoint *ep);

#endif							/* HFENDPOINTS_ENDPOINT_H */
