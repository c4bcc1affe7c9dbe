/*-------------------------------------------------------------------------
 *
 * observer.h
 *		What a request counts for, outside the transfer engine: its row in
 *		hfendpoints.stats.  (A job's rows are counted by its runner, which
 *		knows how many inputs each request carries.)
 *
 * The engine (http_multi.c) knows requests, not statistics or jobs: it
 * hands every finished or abandoned attempt to one hook, which
 * hfe_observer_init() sets from _PG_init to count the attempt where the
 * request's tag says.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_OBSERVER_H
#define HFENDPOINTS_OBSERVER_H

#include "http.h"

/* the labels of control-plane requests */
#define HFE_LABEL_MANAGEMENT_API "(management API)"
#define HFE_LABEL_HUB "(hub)"

/*
 * Tag req with the server and endpoint label it counts for ("ns/name", a
 * host, "(management API)": never a URL or a secret).  label must live as
 * long as the request.
 */
extern void hfe_tag_request(HfeHttpRequest *req, Oid serverid, const char *label);

extern void hfe_observer_init(void);

#endif							/* HFENDPOINTS_OBSERVER_H */
