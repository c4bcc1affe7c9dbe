/*-------------------------------------------------------------------------
 *
 * observer.c
 *		The transfer engine's attempt hook: each attempt counts in
 *		hfendpoints.stats.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "observer.h"
#include "stats.h"

typedef struct RequestTag
{
	Oid			serverid;
	const char *label;
} RequestTag;

void
hfe_tag_request(HfeHttpRequest *req, Oid serverid, const char *label)
{
	RequestTag *tag = palloc(sizeof(RequestTag));

	tag->serverid = serverid;
	tag->label = label;
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
}

void
hfe_observer_init(void)
{
	hfe_http_attempt_hook = observe_attempt;
}
