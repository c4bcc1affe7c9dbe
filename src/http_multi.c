/*-------------------------------------------------------------------------
 *
 * http_multi.c
 *		The transfer engine: one curl multi handle per backend, driven by a
 *		WaitEventSet that holds every socket libcurl watches plus MyLatch.
 *
 * Every request, single or batched, goes through here, so that:
 *	- connections are kept alive and reused across calls and batches;
 *	- nothing blocks inside libcurl: we sleep only in WaitEventSetWait, and
 *	  a cancel, statement_timeout or terminate wakes us through the latch;
 *	- up to "concurrency" requests are in flight while the rest wait, and a
 *	  failed request is retried on its own without holding up the others;
 *	- the requests are an array (perform_each) or a stream the caller makes
 *	  as slots free up, with a tick between waits (perform_stream: enrich's
 *	  job loop, which writes and commits answers while others are in
 *	  flight).
 *
 * Ownership: the multi handle, the easy handles in "slots" and their header
 * lists are malloc'd by libcurl and live for the backend.  A transfer's
 * header list belongs to its slot and is freed when the transfer ends or is
 * aborted.  The WaitEventSet lives in TopMemoryContext and is reused from
 * one wait and one call to the next while it watches exactly the sockets
 * libcurl wants, so a sequence of requests on a kept-alive connection costs
 * no epoll set per request.  If an error (a cancel, say) leaves
 * perform_many, the PG_CATCH block removes every easy handle from the multi
 * handle, which closes the half-used connections, and frees the
 * WaitEventSet, so the next call in the same backend starts clean.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>

#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "guc.h"
#include "http.h"

#define MAX_WATCHED (2 * HFE_MAX_CONCURRENCY + 16)
#define IDLE_POLL_MS 1000

enum
{
	REQ_QUEUED,
	REQ_RUNNING,
	REQ_DONE
};

struct TransferSource;

typedef struct Slot
{
	CURL	   *easy;
	struct curl_slist *headers;
	HfeHttpRequest *req;		/* NULL when free */
	struct TransferSource *owner;	/* the loop whose request it is */
} Slot;

typedef struct WatchedSocket
{
	curl_socket_t fd;
	int			what;			/* CURL_POLL_IN, _OUT or _INOUT */
} WatchedSocket;

HfeHttpAttemptHook hfe_http_attempt_hook = NULL;

static CURLM *multi = NULL;
static Slot slots[HFE_MAX_CONCURRENCY];

/* sockets libcurl asked us to watch, maintained by socket_callback */
static WatchedSocket watched[MAX_WATCHED];
static int	nwatched = 0;
static bool watched_changed = true;
static bool watched_overflow = false;

/*
 * The sockets the current wait set was built with, each with the inode of
 * the socket behind the descriptor, so that a set is reused only while it
 * still watches the very same sockets for the same events: a descriptor
 * number can be closed and reused by a new connection, which the old epoll
 * registration does not cover.
 */
typedef struct BuiltSocket
{
	curl_socket_t fd;
	uint32		events;
	ino_t		inode;
} BuiltSocket;

static BuiltSocket built[MAX_WATCHED];
static int	nbuilt = 0;

/* when libcurl wants curl_multi_socket_action(CURL_SOCKET_TIMEOUT) */
static TimestampTz curl_timer_at = 0;
static bool curl_timer_set = false;

static int
socket_callback(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	int			i;

	for (i = 0; i < nwatched; i++)
		if (watched[i].fd == fd)
			break;

	if (what == CURL_POLL_REMOVE)
	{
		if (i < nwatched)
			watched[i] = watched[--nwatched];
	}
	else if (i < nwatched)
		watched[i].what = what;
	else if (nwatched < MAX_WATCHED)
	{
		watched[nwatched].fd = fd;
		watched[nwatched].what = what;
		nwatched++;
	}
	else
		watched_overflow = true;
	watched_changed = true;
	return 0;
}

static int
timer_callback(CURLM *m, long timeout_ms, void *userp)
{
	if (timeout_ms < 0)
		curl_timer_set = false;
	else
	{
		curl_timer_set = true;
		curl_timer_at = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), timeout_ms);
	}
	return 0;
}

static void
ensure_multi(void)
{
	if (multi != NULL)
		return;
	multi = curl_multi_init();
	if (multi == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not create a libcurl multi handle")));
	curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, socket_callback);
	curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, timer_callback);
	/* keep enough idle connections to serve a full batch again */
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long) HFE_MAX_CONCURRENCY);
}

/* Is a transfer slot free?  Other loops' suspended sessions may hold some. */
static bool
slot_available(void)
{
	for (int i = 0; i < HFE_MAX_CONCURRENCY; i++)
		if (slots[i].req == NULL)
			return true;
	return false;
}

static Slot *
free_slot(void)
{
	for (int i = 0; i < HFE_MAX_CONCURRENCY; i++)
	{
		if (slots[i].req != NULL)
			continue;
		if (slots[i].easy == NULL)
		{
			slots[i].easy = curl_easy_init();
			if (slots[i].easy == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_OUT_OF_MEMORY),
						 errmsg("could not create a libcurl handle")));
		}
		return &slots[i];
	}
	elog(ERROR, "no free hfendpoints transfer slot");
	return NULL;				/* keep compiler quiet */
}

static void
start_transfer(struct TransferSource *owner, HfeHttpRequest *req)
{
	Slot	   *slot = free_slot();
	CURLMcode	rc;

	slot->req = req;
	slot->owner = owner;
	req->state = REQ_RUNNING;
	req->attempts++;
	req->started_at = GetCurrentTimestamp();
	hfe_http_reset_response(req);
	hfe_http_prepare_easy(slot->easy, req, &slot->headers);
	curl_easy_setopt(slot->easy, CURLOPT_PRIVATE, slot);
	rc = curl_multi_add_handle(multi, slot->easy);
	if (rc != CURLM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not start an HTTP request: %s", curl_multi_strerror(rc))));
}

/* Detach a slot from the multi handle and free what the transfer owned. */
static void
release_slot(Slot *slot)
{
	if (slot->easy != NULL && slot->req != NULL)
		curl_multi_remove_handle(multi, slot->easy);
	hfe_http_free_headers(slot->headers);	/* zeroed: they hold the token */
	slot->headers = NULL;
	slot->req = NULL;
	slot->owner = NULL;
}

/* The body bytes a transfer has sent and received so far. */
static void
transfer_sizes(CURL *easy, int64 *sent, int64 *received)
{
	curl_off_t	up = 0;
	curl_off_t	down = 0;

	curl_easy_getinfo(easy, CURLINFO_SIZE_UPLOAD_T, &up);
	curl_easy_getinfo(easy, CURLINFO_SIZE_DOWNLOAD_T, &down);
	*sent = (int64) up;
	*received = (int64) down;
}

/*
 * Abort every transfer of owner still in flight; safe to call at any
 * time.  Each one is reported to the attempt hook as cancelled.
 */
static void
abort_transfers(struct TransferSource *owner)
{
	for (int i = 0; i < HFE_MAX_CONCURRENCY; i++)
	{
		if (slots[i].req != NULL && slots[i].owner != owner)
			continue;
		if (slots[i].req != NULL)
		{
			int64		sent;
			int64		received;

			transfer_sizes(slots[i].easy, &sent, &received);
			if (hfe_http_attempt_hook)
				hfe_http_attempt_hook(slots[i].req, sent, received, true, true);
			slots[i].req->state = REQ_DONE;
		}
		release_slot(&slots[i]);
	}
}

/*
 * A transfer finished: record its outcome, report it to the attempt hook
 * and decide whether it is retried.  Returns the retry delay in ms, or -1 when
 * the request is done.
 */
static int
finish_transfer(Slot *slot, CURLcode result)
{
	HfeHttpRequest *req = slot->req;
	TimestampTz now = GetCurrentTimestamp();
	long		status = 0;
	int64		sent;
	int64		received;
	int			delay;

	curl_easy_getinfo(slot->easy, CURLINFO_RESPONSE_CODE, &status);
	transfer_sizes(slot->easy, &sent, &received);
	release_slot(slot);

	req->status = status;
	req->curl_code = result;
	if (result == CURLE_FILESIZE_EXCEEDED)
		req->response_too_large = true;
	req->total_ms += (double) (now - req->started_at) / 1000.0;
	if (req->response == NULL)
	{
		req->response = MemoryContextAllocZero(req->mcxt, 1);
		req->response_alloc = 1;
	}
	delay = hfe_http_retry_delay_ms(req, now);
	if (hfe_http_attempt_hook)
		hfe_http_attempt_hook(req, sent, received, false, delay < 0);
	return delay;
}

static uint32
watched_events(const WatchedSocket *w)
{
	uint32		events = 0;

	if (w->what & CURL_POLL_IN)
		events |= WL_SOCKET_READABLE;
	if (w->what & CURL_POLL_OUT)
		events |= WL_SOCKET_WRITEABLE;
	return events;
}

static ino_t
socket_inode(curl_socket_t fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

/*
 * Does the set built earlier watch exactly what libcurl wants now?  This is
 * what lets sequential requests on a kept-alive connection wait on one
 * long-lived epoll set instead of creating and closing one per request.
 */
static bool
wait_set_still_valid(void)
{
	int			nwanted = 0;

	for (int i = 0; i < nwatched; i++)
	{
		uint32		events = watched_events(&watched[i]);
		int			j;

		if (events == 0)
			continue;
		nwanted++;
		for (j = 0; j < nbuilt; j++)
			if (built[j].fd == watched[i].fd)
				break;
		if (j == nbuilt || built[j].events != events ||
			built[j].inode != socket_inode(watched[i].fd))
			return false;
	}
	return nwanted == nbuilt;
}

/* A wait set for MyLatch, postmaster death and the sockets libcurl watches. */
static WaitEventSet *
build_wait_set(void)
{
	WaitEventSet *wes;

	if (watched_overflow)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many sockets in flight for hfendpoints")));
	/* it outlives the call (see engine_wes), so not in a call's context */
#if PG_VERSION_NUM >= 170000
	wes = CreateWaitEventSet(NULL, nwatched + 2);
#else
	wes = CreateWaitEventSet(TopMemoryContext, nwatched + 2);
#endif
	AddWaitEventToSet(wes, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
	AddWaitEventToSet(wes, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
	nbuilt = 0;
	for (int i = 0; i < nwatched; i++)
	{
		uint32		events = watched_events(&watched[i]);

		if (events == 0)
			continue;
		AddWaitEventToSet(wes, events, watched[i].fd, NULL, NULL);
		built[nbuilt].fd = watched[i].fd;
		built[nbuilt].events = events;
		built[nbuilt].inode = socket_inode(watched[i].fd);
		nbuilt++;
	}
	watched_changed = false;
	return wes;
}

static long
ms_until(TimestampTz now, TimestampTz when)
{
	if (when <= now)
		return 0;
	return (long) ((when - now + 999) / 1000);
}

static void
socket_action(curl_socket_t fd, int flags)
{
	int			running;
	CURLMcode	rc = curl_multi_socket_action(multi, fd, flags, &running);

	if (rc != CURLM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("HTTP transfer engine failed: %s", curl_multi_strerror(rc))));
}

/*
 * The wait set: kept from one wait to the next, and from one call to the
 * next, as long as it watches what libcurl wants (wait_set_still_valid);
 * freed when an error leaves perform_many.
 */
static WaitEventSet *engine_wes = NULL;

static void
free_wait_set(void)
{
	if (engine_wes != NULL)
		FreeWaitEventSet(engine_wes);
	engine_wes = NULL;
	nbuilt = 0;
}

/*
 * Where the engine loop gets its requests: an array (perform_each), or a
 * caller's callback asked whenever a slot is free (perform_stream).
 */
typedef struct TransferSource
{
	HfeHttpRequest **reqs;		/* array mode */
	int			nreqs;
	int			next_fresh;
	HfeHttpNextCallback next;	/* stream mode */
	HfeHttpTickCallback tick;
	void	   *arg;
	bool		drained;		/* next() said "none now" since the last done */
	HfeHttpRequest *peeked;		/* taken from next() by source_done() */
	HfeHttpRequest *until;		/* session mode: the loop ends when it is done */

	HfeHttpDoneCallback on_done;
	void	   *done_arg;
	int			concurrency;
	int			active;			/* transfers in flight */
	HfeHttpRequest **retry_queue;	/* requests waiting for their retry */
	int			nretry;
	HfeHttpRequest **finished;	/* done while another loop ran: to hand over */
	int			nfinished;
} TransferSource;

/* The next fresh request, or NULL when there is none (for now). */
static HfeHttpRequest *
source_next(TransferSource *src)
{
	HfeHttpRequest *req;

	if (src->peeked != NULL)
	{
		req = src->peeked;
		src->peeked = NULL;
		return req;
	}
	if (src->next == NULL)
		return src->next_fresh < src->nreqs ? src->reqs[src->next_fresh++] : NULL;
	if (src->drained)
		return NULL;
	req = src->next(src->arg);
	if (req == NULL)
	{
		src->drained = true;
		return NULL;
	}
	req->state = REQ_QUEUED;
	req->attempts = 0;
	req->total_ms = 0;
	req->not_before = 0;
	return req;
}

/*
 * Is there nothing left to do?  An array is done when every request is; a
 * stream when nothing is in flight and next() has none either.
 */
static bool
source_done(TransferSource *src, int active, int nretry)
{
	if (active > 0 || nretry > 0 || src->peeked != NULL)
		return false;
	if (src->next == NULL)
		return src->next_fresh >= src->nreqs;
	src->drained = false;
	src->peeked = source_next(src);
	return src->peeked == NULL;
}

/* Hand the requests other loops saw finish to their owner's callback. */
static void
deliver_finished(TransferSource *src)
{
	while (src->nfinished > 0)
	{
		HfeHttpRequest *req = src->finished[0];

		memmove(src->finished, src->finished + 1, sizeof(HfeHttpRequest *) * --src->nfinished);
		src->drained = false;
		if (src->on_done)
			src->on_done(req, src->done_arg);
	}
}

/* Is the loop over?  A session's when its awaited request is done. */
static bool
loop_done(TransferSource *src)
{
	if (src->until != NULL)
		return src->until->state == REQ_DONE;
	return source_done(src, src->active, src->nretry);
}

/*
 * A transfer is done: its owner's callback now, or, when the loop that saw
 * it is not its owner's, at the owner's next loop; a retry goes to the
 * owner's queue either way.
 */
static void
transfer_done(TransferSource *src, Slot *slot, CURLcode result)
{
	TransferSource *owner = slot->owner;
	HfeHttpRequest *req = slot->req;
	int			delay = finish_transfer(slot, result);

	owner->active--;
	if (delay < 0)
	{
		req->state = REQ_DONE;
		if (owner == src)
		{
			src->drained = false;	/* a slot is free: ask again */
			if (src->on_done)
				src->on_done(req, src->done_arg);
		}
		else
			owner->finished[owner->nfinished++] = req;
	}
	else
	{
		elog(DEBUG1, "hfendpoints: retrying %s request in %d ms (attempt %d, HTTP %ld, %s)",
			 req->method, delay, req->attempts, req->status,
			 curl_easy_strerror(req->curl_code));
		req->state = REQ_QUEUED;
		req->not_before = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), delay);
		owner->retry_queue[owner->nretry++] = req;
	}
}

/* The engine loop proper; perform() and the sessions wrap it in cleanup. */
static void
run_transfers(TransferSource *src)
{
	int			concurrency = src->concurrency;
	HfeHttpRequest **retry_queue = src->retry_queue;

	for (;;)
	{
		TimestampTz now;
		TimestampTz next_retry = 0;
		long		timeout;
		WaitEvent	events[64];
		int			nevents;
		CURLMsg    *msg;
		int			msgs_left;

		deliver_finished(src);
		if (loop_done(src))
			break;
		CHECK_FOR_INTERRUPTS();
		now = GetCurrentTimestamp();

		/* start due retries first, then fresh requests */
		for (int i = 0; i < src->nretry && src->active < concurrency && slot_available();)
		{
			HfeHttpRequest *req = retry_queue[i];

			if (req->not_before <= now)
			{
				retry_queue[i] = retry_queue[--src->nretry];
				start_transfer(src, req);
				src->active++;
			}
			else
				i++;
		}
		/*
		 * In a stream, a request waiting for its retry holds its slot, so
		 * that at most "concurrency" requests exist at a time.
		 */
		while (src->active + (src->next ? src->nretry : 0) < concurrency && slot_available())
		{
			HfeHttpRequest *req = source_next(src);

			if (req == NULL)
				break;
			start_transfer(src, req);
			src->active++;
		}
		for (int i = 0; i < src->nretry; i++)
			if (next_retry == 0 || retry_queue[i]->not_before < next_retry)
				next_retry = retry_queue[i]->not_before;

		/*
		 * Sleep until a socket is ready, curl's timer fires or a retry is
		 * due.  Starting a transfer sets curl's timer to "now", so measure
		 * from after the starts: from the earlier "now", ms_until() would
		 * round those few microseconds up to a whole millisecond of sleep
		 * per request.
		 */
		now = GetCurrentTimestamp();
		if (curl_timer_set && curl_timer_at <= now)
		{
			/* due already (a transfer just started): no need to sleep first */
			curl_timer_set = false;
			socket_action(CURL_SOCKET_TIMEOUT, 0);
			nevents = 0;
		}
		else
		{
			timeout = IDLE_POLL_MS;
			if (curl_timer_set)
				timeout = Min(timeout, ms_until(now, curl_timer_at));
			if (next_retry != 0 && src->active < concurrency)
				timeout = Min(timeout, ms_until(now, next_retry));

			if (engine_wes == NULL ||
				(watched_changed && !wait_set_still_valid()))
			{
				free_wait_set();
				engine_wes = build_wait_set();
			}
			watched_changed = false;

			nevents = WaitEventSetWait(engine_wes, timeout, events, lengthof(events),
									   HFE_WAIT_EVENT_HTTP);
		}
		for (int i = 0; i < nevents; i++)
		{
			if (events[i].events & WL_LATCH_SET)
			{
				ResetLatch(MyLatch);
				CHECK_FOR_INTERRUPTS();
			}
			else if (events[i].events & (WL_SOCKET_READABLE | WL_SOCKET_WRITEABLE))
			{
				int			flags = 0;

				if (events[i].events & WL_SOCKET_READABLE)
					flags |= CURL_CSELECT_IN;
				if (events[i].events & WL_SOCKET_WRITEABLE)
					flags |= CURL_CSELECT_OUT;
				socket_action(events[i].fd, flags);
			}
		}
		if (curl_timer_set && curl_timer_at <= GetCurrentTimestamp())
		{
			curl_timer_set = false;
			socket_action(CURL_SOCKET_TIMEOUT, 0);
		}

		while ((msg = curl_multi_info_read(multi, &msgs_left)) != NULL)
		{
			Slot	   *slot;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &slot);
			transfer_done(src, slot, msg->data.result);
		}
		if (src->tick)
			src->tick(src->arg);
	}
}

/* A loop's queues, for at most n requests at a time. */
static void
source_queues(TransferSource *src, int concurrency, int n)
{
	src->concurrency = Max(1, Min(concurrency, HFE_MAX_CONCURRENCY));
	src->retry_queue = palloc(sizeof(HfeHttpRequest *) * Max(n, 1));
	src->finished = palloc(sizeof(HfeHttpRequest *) * Max(n, 1));
}

/*
 * Send every request in reqs, at most "concurrency" at a time, retrying each
 * as hfe_http_retry_delay_ms() says, and call done (if not NULL) as each one
 * is done.  Returns when all are done; raises only on interrupts, internal
 * failures and what done raises, after aborting what is in flight.
 */
/* Run the source's requests, cleaning up whatever leaves the loop. */
static void
perform(TransferSource *src, int concurrency, HfeHttpDoneCallback done, void *arg)
{
	ensure_multi();
	source_queues(src, concurrency, src->next ? Min(concurrency, HFE_MAX_CONCURRENCY) : src->nreqs);
	src->on_done = done;
	src->done_arg = arg;
	PG_TRY();
	{
		run_transfers(src);
	}
	PG_CATCH();
	{
		abort_transfers(src);
		free_wait_set();
		PG_RE_THROW();
	}
	PG_END_TRY();
	abort_transfers(src);		/* nothing is left in flight; for symmetry */
	pfree(src->retry_queue);
	pfree(src->finished);
}

void
hfe_http_perform_each(HfeHttpRequest **reqs, int nreqs, int concurrency,
					  HfeHttpDoneCallback done, void *arg)
{
	TransferSource src;

	if (nreqs <= 0)
		return;
	for (int i = 0; i < nreqs; i++)
	{
		reqs[i]->engine_index = i;
		reqs[i]->state = REQ_QUEUED;
		reqs[i]->attempts = 0;
		reqs[i]->total_ms = 0;
		reqs[i]->not_before = 0;
	}
	memset(&src, 0, sizeof(src));
	src.reqs = reqs;
	src.nreqs = nreqs;
	perform(&src, concurrency, done, arg);
}

void
hfe_http_perform_stream(int concurrency, HfeHttpNextCallback next, HfeHttpDoneCallback done,
						HfeHttpTickCallback tick, void *arg)
{
	TransferSource src;

	memset(&src, 0, sizeof(src));
	src.next = next;
	src.tick = tick;
	src.arg = arg;
	perform(&src, concurrency, done, arg);
}

void
hfe_http_perform_many(HfeHttpRequest **reqs, int nreqs, int concurrency)
{
	hfe_http_perform_each(reqs, nreqs, concurrency, NULL, NULL);
}

void
hfe_http_perform(HfeHttpRequest *req)
{
	hfe_http_perform_many(&req, 1, 1);
}

/* ---- sessions ---- */

struct HfeHttpSession
{
	TransferSource src;
	HfeHttpRequest **queue;		/* added, not yet started: a ring */
	int			queue_cap;
	int			queue_head;
	int			queue_len;
	bool		ended;
};

/*
 * Registered on the memory context of each request added: when that
 * memory goes (the row it belongs to is done with, or an error frees the
 * query's memory, whatever the order), the request first leaves the
 * session, aborted if in flight, so that nothing refers to it afterwards.
 */
typedef struct SessionRequest
{
	MemoryContextCallback callback;
	HfeHttpSession *session;
	HfeHttpRequest *req;
} SessionRequest;

/* Remove req from the first n entries of list, if there; true if it was. */
static bool
remove_from(HfeHttpRequest **list, int *n, HfeHttpRequest *req)
{
	for (int i = 0; i < *n; i++)
	{
		if (list[i] == req)
		{
			memmove(list + i, list + i + 1, sizeof(HfeHttpRequest *) * (--*n - i));
			return true;
		}
	}
	return false;
}

static void
session_forget(HfeHttpSession *session, HfeHttpRequest *req)
{
	if (session->ended || req->state == REQ_DONE)
	{
		(void) remove_from(session->src.finished, &session->src.nfinished, req);
		return;
	}
	for (int i = 0; i < HFE_MAX_CONCURRENCY; i++)
	{
		if (slots[i].req == req)
		{
			int64		sent;
			int64		received;

			transfer_sizes(slots[i].easy, &sent, &received);
			if (hfe_http_attempt_hook)
				hfe_http_attempt_hook(req, sent, received, true, true);
			release_slot(&slots[i]);
			session->src.active--;
			req->state = REQ_DONE;
			return;
		}
	}
	if (!remove_from(session->src.retry_queue, &session->src.nretry, req))
	{
		/* still queued: take it out of the ring */
		for (int k = 0; k < session->queue_len; k++)
		{
			int			at = (session->queue_head + k) % session->queue_cap;

			if (session->queue[at] != req)
				continue;
			for (; k < session->queue_len - 1; k++)
			{
				int			from = (session->queue_head + k + 1) % session->queue_cap;

				session->queue[(session->queue_head + k) % session->queue_cap] = session->queue[from];
			}
			session->queue_len--;
			break;
		}
	}
	req->state = REQ_DONE;
}

static void
request_memory_gone(void *arg)
{
	SessionRequest *sr = (SessionRequest *) arg;

	session_forget(sr->session, sr->req);
}

/* The session's own memory goes: abort what is left (nothing, normally). */
static void
session_memory_gone(void *arg)
{
	hfe_http_session_end((HfeHttpSession *) arg);
}

/* next() of a session: the oldest request added and not yet started */
static HfeHttpRequest *
session_next(void *arg)
{
	HfeHttpSession *session = (HfeHttpSession *) arg;
	HfeHttpRequest *req;

	if (session->queue_len == 0)
		return NULL;
	req = session->queue[session->queue_head];
	session->queue_head = (session->queue_head + 1) % session->queue_cap;
	session->queue_len--;
	return req;
}

HfeHttpSession *
hfe_http_session_begin(int concurrency, HfeHttpDoneCallback done, void *arg)
{
	HfeHttpSession *session = palloc0(sizeof(HfeHttpSession));

	ensure_multi();
	session->src.next = session_next;
	session->src.arg = session;
	session->src.on_done = done;
	session->src.done_arg = arg;
	source_queues(&session->src, concurrency, Min(concurrency, HFE_MAX_CONCURRENCY));
	session->queue_cap = 64;
	session->queue = palloc(sizeof(HfeHttpRequest *) * session->queue_cap);
	{
		MemoryContextCallback *cb = palloc(sizeof(MemoryContextCallback));

		cb->func = session_memory_gone;
		cb->arg = session;
		MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);
	}
	return session;
}

void
hfe_http_session_add(HfeHttpSession *session, HfeHttpRequest *req)
{
	Assert(!session->ended);
	if (session->queue_len == session->queue_cap)
	{
		HfeHttpRequest **bigger = repalloc(session->queue, sizeof(HfeHttpRequest *) *
										   session->queue_cap * 2);

		/* unwrap the ring into the new array */
		for (int i = 0; i < session->queue_head; i++)
			bigger[session->queue_cap + i] = bigger[i];
		memmove(bigger, bigger + session->queue_head,
				sizeof(HfeHttpRequest *) * session->queue_len);
		session->queue = bigger;
		session->queue_head = 0;
		session->queue_cap *= 2;
	}
	{
		MemoryContext cxt = GetMemoryChunkContext(req);
		SessionRequest *sr = MemoryContextAlloc(cxt, sizeof(SessionRequest));

		sr->session = session;
		sr->req = req;
		sr->callback.func = request_memory_gone;
		sr->callback.arg = sr;
		MemoryContextRegisterResetCallback(cxt, &sr->callback);
	}
	req->state = REQ_QUEUED;
	session->queue[(session->queue_head + session->queue_len) % session->queue_cap] = req;
	session->queue_len++;
	session->src.drained = false;
}

void
hfe_http_session_wait(HfeHttpSession *session, HfeHttpRequest *req)
{
	Assert(!session->ended);
	session->src.until = req;
	PG_TRY();
	{
		run_transfers(&session->src);
	}
	PG_CATCH();
	{
		session->src.until = NULL;
		hfe_http_session_end(session);
		free_wait_set();
		PG_RE_THROW();
	}
	PG_END_TRY();
	session->src.until = NULL;
}

void
hfe_http_session_end(HfeHttpSession *session)
{
	hfe_http_session_reset(session);
	session->ended = true;
}

void
hfe_http_session_reset(HfeHttpSession *session)
{
	if (session->ended)
		return;
	abort_transfers(&session->src);
	session->queue_len = 0;
	session->src.nretry = 0;
	session->src.nfinished = 0;
	session->src.active = 0;
}
