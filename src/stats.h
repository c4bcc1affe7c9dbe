/*-------------------------------------------------------------------------
 *
 * stats.h
 *		Request statistics in shared memory: the hfendpoints.stats view.
 *
 * One row per (database, server, endpoint label).  Every attempt the
 * transfer engine finishes or abandons is counted through its attempt hook
 * (observer.c); target.c counts cold starts.  Without shared_preload_libraries there is no
 * shared memory: counting is a no-op and the view raises an error.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_STATS_H
#define HFENDPOINTS_STATS_H

#include "http.h"

/* longest endpoint label kept; longer ones are cut */
#define HFE_STATS_LABEL_LEN 256

/* from _PG_init: register the shared memory (shmem.c) */
extern void hfe_stats_init(void);

/*
 * Count one attempt of req that has just finished, or that was abandoned
 * in flight (cancelled: a cancel, a timeout of the statement, an error).
 * bytes_* are the body bytes libcurl sent and received for this attempt.
 * A success counts the tokens of TGI's x-generated-tokens header.  Never
 * raises while holding a lock.
 */
extern void hfe_stats_count_attempt(Oid serverid, const char *label,
									const HfeHttpRequest *req, int64 bytes_sent,
									int64 bytes_received, bool cancelled);

/*
 * Count the tokens a parsed answer reports in its body (OpenAI "usage"),
 * for an answer that had no x-generated-tokens header.
 */
extern void hfe_stats_count_tokens(Oid serverid, const char *label, int64 tokens);

/* Count a cold start waited for: the endpoint was scaled to zero or starting. */
extern void hfe_stats_count_cold_start(Oid serverid, const char *label);

#endif							/* HFENDPOINTS_STATS_H */
