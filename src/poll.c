/*-------------------------------------------------------------------------
 *
 * poll.c
 *		The one loop that waits for an endpoint to change state.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "errors.h"
#include "poll.h"

/* Milliseconds until when, rounded up; 0 once it has passed. */
static int64
ms_until(TimestampTz when)
{
	TimestampTz now = GetCurrentTimestamp();

	return when <= now ? 0 : (when - now + 999) / 1000;
}

/* Sleep ms, waking on the latch so that a cancel takes effect at once. */
static void
sleep_interruptibly(int64 ms)
{
	TimestampTz end = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ms);

	for (;;)
	{
		int64		left;

		CHECK_FOR_INTERRUPTS();
		left = ms_until(end);
		if (left <= 0)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 (long) left, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

HfeEndpoint *
hfe_poll_endpoint(const HfeServer *server, const char *namespace, const char *name,
				  bool missing_ok, int64 timeout_ms, int64 first_ms, int64 max_ms,
				  HfePollCheck check, void *arg)
{
	MemoryContext callercxt = CurrentMemoryContext;
	MemoryContext lookcxt = AllocSetContextCreate(callercxt, "hfendpoints poll",
												  ALLOCSET_DEFAULT_SIZES);
	HfePollLook look;
	int64		delay = first_ms;

	look.deadline = timeout_ms >= 0 ?
		TimestampTzPlusMilliseconds(GetCurrentTimestamp(), timeout_ms) : 0;
	for (;;)
	{
		HfeEndpoint *ep;
		int64		left;
		int64		sleep_ms;

		MemoryContextReset(lookcxt);
		MemoryContextSwitchTo(lookcxt);
		ep = hfe_api_get_endpoint(server, namespace, name, missing_ok);
		left = look.deadline != 0 ? ms_until(look.deadline) : -1;
		look.last = left == 0;
		if (check(ep, &look, arg))
		{
			MemoryContextSwitchTo(callercxt);
			return ep;
		}
		if (look.last)
			elog(ERROR, "endpoint poll check did not raise at its deadline");

		sleep_ms = left < 0 ? delay : Min(delay, left);
		elog(DEBUG1, "hfendpoints: endpoint \"%s\" is %s, looking again in " INT64_FORMAT " ms",
			 name, ep ? hfe_sanitize_remote_text(ep->status, strlen(ep->status), 40,
												 server->token) : "missing",
			 sleep_ms);
		sleep_interruptibly(sleep_ms);
		delay = Min(delay * 2, max_ms);
	}
}
