/*-------------------------------------------------------------------------
 *
 * http.h
 *		HTTP requests to the service, one at a time or many at once.
 *
 * A caller fills in the "what to send" half of an HfeHttpRequest (palloc'd
 * in its own memory context) and hands one or many to hfe_http_perform*.
 * The engine sends them through one per-backend curl multi handle, retries
 * what may be retried, and fills in the "what came back" half.  The
 * response body is palloc'd in the request's memory context.  HTTP error
 * statuses and transport failures are reported in the request, never
 * raised; only a cancel or terminate raises, through CHECK_FOR_INTERRUPTS.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_HTTP_H
#define HFENDPOINTS_HTTP_H

#include <curl/curl.h>

#include "datatype/timestamp.h"

typedef struct HfeHttpRequest
{
	/* what to send */
	const char *method;			/* "GET", "POST", "PUT" or "DELETE" */
	char	   *url;
	const char *body;			/* NULL: none (a POST sends Content-Length: 0) */
	size_t		body_len;
	const char *body_type;		/* its Content-Type; NULL: application/json */
	const char *token;			/* bearer token, or NULL for none */
	int			scale_up_timeout;	/* seconds, sent as X-Scale-Up-Timeout; 0: not sent */
	int			timeout_ms;		/* 0: hfendpoints.request_timeout */
	TimestampTz	retry_503_until;	/* retry 503s until then (cold start); 0: off */
	bool		no_retry;		/* send once, whatever happens */
	void	   *caller_arg;		/* the caller's own, untouched by the engine */
	const void *observer_arg;	/* opaque here: handed to
								 * hfe_http_attempt_hook with the request */

	/* what came back */
	long		status;			/* HTTP status, 0 when no response arrived */
	CURLcode	curl_code;		/* CURLE_OK unless the transfer failed */
	char	   *response;		/* NUL-terminated body, never NULL after perform */
	size_t		response_len;
	bool		response_too_large;	/* hfendpoints.max_response_size tripped */
	char		content_type[96];
	char		server_header[32];	/* Server: (truncated), for engine probes */
	int			retry_after_ms;	/* Retry-After of the last response, -1 if none */
	int			generated_tokens;	/* x-generated-tokens, -1 if none */
	int			attempts;		/* requests sent, retries included */
	double		total_ms;		/* time spent over all attempts */

	/* engine-private */
	MemoryContext mcxt;			/* where the response body lives */
	size_t		response_alloc;
	TimestampTz not_before;		/* earliest next attempt */
	TimestampTz started_at;
	int			state;
	int			engine_index;	/* position in the batch */
} HfeHttpRequest;

extern HfeHttpRequest *hfe_http_request(const char *method, const char *url,
										const char *token);
extern void hfe_http_set_json_body(HfeHttpRequest *req, const char *json);

/* A body of len bytes of type (a media type the caller has checked). */
extern void hfe_http_set_body(HfeHttpRequest *req, const char *data, size_t len,
							  const char *type);
extern void hfe_http_perform(HfeHttpRequest *req);
extern void hfe_http_perform_many(HfeHttpRequest **reqs, int nreqs, int concurrency);

/*
 * Called by hfe_http_perform_each() as each request is done, retries over,
 * while the others are still in flight: it may read the response and then
 * shrink it with hfe_http_release_response(), so that a batch holds no
 * more than its window of raw bodies.  It runs outside any libcurl
 * callback and may raise (what is in flight is then aborted).
 */
typedef void (*HfeHttpDoneCallback) (HfeHttpRequest *req, void *arg);
extern void hfe_http_perform_each(HfeHttpRequest **reqs, int nreqs, int concurrency,
								  HfeHttpDoneCallback done, void *arg);
extern void hfe_http_release_response(HfeHttpRequest *req, size_t keep);

/*
 * A stream of requests, for a job that makes them as it goes: next() is
 * asked for a request whenever a slot is free (NULL: none for now; it is
 * asked again after the next one is done), done() is called as each is
 * done, and tick() once per wake-up of the engine, at least every second,
 * while others are in flight (it may write and commit what is done).  The
 * stream ends when nothing is in flight and next() has none.  All three
 * run outside any libcurl callback and may raise (what is in flight is
 * then aborted).
 */
typedef HfeHttpRequest *(*HfeHttpNextCallback) (void *arg);

/*
 * A session: requests added one by one that stay in flight between calls,
 * for a caller that must return to its own caller between answers (the
 * plan node of call_scan.c).  wait() drives every transfer until req is
 * done, calling done() as each of the session's requests is (a request
 * another loop saw finish is handed over at the next wait); at most
 * "concurrency" of them are in flight.  end() aborts what is left.  The
 * session follows memory, not transactions: a request whose memory
 * context goes leaves the session first (aborted if in flight), and the
 * session ends when the context it was begun in goes, so an error, a
 * rollback to a savepoint or a cursor closed in any order leaves nothing
 * that refers to freed memory.  Other requests may be performed
 * meanwhile: each loop delivers only its own.
 */
typedef struct HfeHttpSession HfeHttpSession;
extern HfeHttpSession *hfe_http_session_begin(int concurrency, HfeHttpDoneCallback done,
											  void *arg);
extern void hfe_http_session_add(HfeHttpSession *session, HfeHttpRequest *req);
extern void hfe_http_session_wait(HfeHttpSession *session, HfeHttpRequest *req);
extern void hfe_http_session_end(HfeHttpSession *session);

/* Abort what is in flight or queued; the session can be used again. */
extern void hfe_http_session_reset(HfeHttpSession *session);
typedef void (*HfeHttpTickCallback) (void *arg);
extern void hfe_http_perform_stream(int concurrency, HfeHttpNextCallback next,
									HfeHttpDoneCallback done, HfeHttpTickCallback tick,
									void *arg);

static inline bool
hfe_http_ok(const HfeHttpRequest *req)
{
	return req->curl_code == CURLE_OK && !req->response_too_large &&
		req->status >= 200 && req->status < 300;
}

/*
 * Called for every attempt the engine finishes (cancelled false) or
 * abandons in flight (cancelled true: a cancel, a statement timeout, an
 * error), with the body bytes libcurl sent and received for it; final
 * when no retry follows.  The engine knows nothing of what is counted:
 * whoever sets the hook (once, in _PG_init) reads req->observer_arg.  It
 * runs outside libcurl's callbacks and must not raise.
 */
typedef void (*HfeHttpAttemptHook) (const HfeHttpRequest *req, int64 bytes_sent,
									int64 bytes_received, bool cancelled, bool final);
extern HfeHttpAttemptHook hfe_http_attempt_hook;

/* http.c internals shared with http_multi.c */
extern void hfe_http_prepare_easy(CURL *easy, HfeHttpRequest *req,
								  struct curl_slist **headers);
extern void hfe_http_free_headers(struct curl_slist *list);
extern void hfe_http_reset_response(HfeHttpRequest *req);
extern int	hfe_http_retry_delay_ms(HfeHttpRequest *req, TimestampTz now);
extern void hfe_http_global_init(void);

#endif							/* HFENDPOINTS_HTTP_H */
