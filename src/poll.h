/*-------------------------------------------------------------------------
 *
 * poll.h
 *		Looking at an endpoint again and again until it is what the caller
 *		waits for: wait_endpoint (endpoint.c) and a starting endpoint that
 *		has no URL yet (target.c) share this one loop.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_POLL_H
#define HFENDPOINTS_POLL_H

#include "datatype/timestamp.h"

#include "api.h"

/* What a check is told about the look it judges. */
typedef struct HfePollLook
{
	TimestampTz deadline;		/* 0: none */
	bool		last;			/* the deadline has passed: no look follows */
} HfePollLook;

/*
 * Judge one look at the endpoint (NULL when it does not exist and the poll
 * was asked for missing_ok): true when it is ready.  A check raises for a
 * state that will not change on its own, and must raise its own timeout
 * error when look->last and the endpoint is not ready.
 */
typedef bool (*HfePollCheck) (const HfeEndpoint *ep, const HfePollLook *look, void *arg);

/*
 * Get the endpoint from the control plane until check says it is ready,
 * sleeping first_ms between the first looks, doubling up to max_ms, never
 * past timeout_ms (< 0: no timeout).  The sleeps wake at once for a cancel,
 * statement_timeout or terminate.  Each look allocates in a context of its
 * own, reset before the next, so that a wait of hours stays small; the
 * endpoint returned lives in that context, a child of the caller's.
 */
extern HfeEndpoint *hfe_poll_endpoint(const HfeServer *server, const char *namespace,
									  const char *name, bool missing_ok,
									  int64 timeout_ms, int64 first_ms, int64 max_ms,
									  HfePollCheck check, void *arg);

#endif							/* HFENDPOINTS_POLL_H */
