/*-------------------------------------------------------------------------
 *
 * observer.c
 *		The transfer engine's attempt hook: each attempt counts in
 *		hfendpoints.stats, and each batch input's last attempt in the
 *		running job of hfendpoints.jobs.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "jobs.h"
#include "observer.h"
#include "stats.h"

typedef struct RequestTag
{
	Oid			serverid;
	const char *label;
	bool		job_row;
} RequestTag;

void
hfe_tag_request(HfeHttpRequest *req, Oid serverid, const char *label, bool job_row)
{
	RequestTag *tag = palloc(sizeof(RequestTag));

	tag->serverid = serverid;
	tag->label = label;
	tag->job_row = job_row;
	req->observer_arg = tag;
}

static void
observe_attempt(const HfeHttpRequest *req, int64 bytes_sent, int64 bytes_received,
				bool cancelled, bool final)
{
	const RequestTag *tag = req->observer_arg;

	if (tag == NULL)
		return;
	hfe_stats_count_attempt(tag->serverid, tag->label, req, bytes_sent,
							bytes_received, cancelled);
	if (tag->job_row && final && !cancelled)
		hfe_job_row_finished(hfe_http_ok(req));
}

void
hfe_observer_init(void)
{
	hfe_http_attempt_hook = observe_attempt;
}
