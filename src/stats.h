/*-------------------------------------------------------------------------
 *
 * stats.h
 *		Request statistics in shared memory: the hfendpoints.stats view.
 *
 * One row per (database, server, endpoint label).  The transfer engine
 * (http_multi.c) counts every attempt it finishes or abandons; target.c
 * counts cold starts.  Without shared_preload_libraries there is no
 * shared memory: counting is a no-op and the view raises an error.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_STATS_H
#define HFENDPOINTS_STATS_H

#include "http.h"

/* longest endpoint label kept; longer ones are cut */
#define HFE_STATS_LABEL_LEN 256

/* the labels of control-plane requests */
#define HFE_LABEL_MANAGEMENT_API "(management API)"
#define HFE_LABEL_HUB "(hub)"

/* shared memory, from the hooks in hfendpoints.c */
extern Size hfe_stats_shmem_size(void);
extern void hfe_stats_shmem_startup(void);

/*
 * Count one attempt of req that has just finished, or that was abandoned
 * in flight (cancelled: a cancel, a timeout of the statement, an error).
 * bytes_* are the body bytes libcurl sent and received for this attempt.
 * May parse the response (chat "usage") and so allocate; never raises
 * while holding a lock.
 */
extern void hfe_stats_count_attempt(const HfeHttpRequest *req, int64 bytes_sent,
									int64 bytes_received, bool cancelled);

/* Count a cold start waited for: the endpoint was scaled to zero or starting. */
extern void hfe_stats_count_cold_start(Oid serverid, const char *label);

#endif							/* HFENDPOINTS_STATS_H */
