/*-------------------------------------------------------------------------
 *
 * http.c
 *		One HTTP request: how a curl easy handle is set up for it, the
 *		callbacks that collect its response, and whether and when a failed
 *		attempt is retried.  http_multi.c drives the transfers.
 *
 * The callbacks run inside libcurl, so they never throw, never call
 * libcurl, and allocate only with the non-throwing palloc_extended().  A
 * failure is recorded in the request; the caller raises after curl
 * returns (errors.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "common/pg_prng.h"
#include "utils/timestamp.h"

#include "guc.h"
#include "http.h"

/* HFE_VERSION comes from the Makefile: default_version in hfendpoints.control */
#ifndef HFE_VERSION
#error "HFE_VERSION is not defined: build with the Makefile"
#endif
#define USER_AGENT "hfendpoints/" HFE_VERSION " (PostgreSQL " PG_VERSION ")"
#define MAX_BACKOFF_MS 30000
#define MAX_COLD_START_POLL_MS 2000

#ifdef __GLIBC__
/*
 * libcurl's allocator: malloc's, but every block is zeroed before it is
 * freed, so that the request buffers libcurl builds (each holds the
 * Authorization header, so the token) leave no copy behind
 * (doc/architecture.md §3.5).  realloc moves the block itself, to zero
 * the old one.  Called by libcurl only, outside any PostgreSQL context.
 */
static void
curl_zfree(void *ptr)
{
	if (ptr != NULL)
	{
		explicit_bzero(ptr, malloc_usable_size(ptr));
		free(ptr);
	}
}

static void *
curl_zmalloc(size_t size)
{
	return malloc(size);
}

static void *
curl_zrealloc(void *ptr, size_t size)
{
	void	   *moved;

	if (ptr == NULL)
		return malloc(size);
	moved = malloc(size > 0 ? size : 1);
	if (moved == NULL)
		return NULL;
	memcpy(moved, ptr, Min(size, malloc_usable_size(ptr)));
	curl_zfree(ptr);
	return moved;
}

static char *
curl_zstrdup(const char *s)
{
	size_t		len = strlen(s) + 1;
	char	   *copy = malloc(len);

	if (copy != NULL)
		memcpy(copy, s, len);
	return copy;
}
#endif

void
hfe_http_global_init(void)
{
#ifdef __GLIBC__
	if (curl_global_init_mem(CURL_GLOBAL_DEFAULT, curl_zmalloc, curl_zfree,
							 curl_zrealloc, curl_zstrdup, calloc) != CURLE_OK)
#else
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
#endif
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not initialize libcurl")));
}

/*
 * A new request in CurrentMemoryContext; its response will be allocated
 * there too.  url and token are referenced, not copied.
 */
HfeHttpRequest *
hfe_http_request(const char *method, const char *url, const char *token)
{
	HfeHttpRequest *req = palloc0(sizeof(HfeHttpRequest));

	req->method = method;
	req->url = (char *) url;
	req->token = token;
	req->mcxt = CurrentMemoryContext;
	hfe_http_reset_response(req);
	return req;
}

void
hfe_http_set_json_body(HfeHttpRequest *req, const char *json)
{
	hfe_http_set_body(req, json, strlen(json), NULL);
}

void
hfe_http_set_body(HfeHttpRequest *req, const char *data, size_t len, const char *type)
{
	req->body = data;
	req->body_len = len;
	req->body_type = type;
}

/* Forget what a previous attempt received, keeping the buffer. */
void
hfe_http_reset_response(HfeHttpRequest *req)
{
	req->status = 0;
	req->curl_code = CURLE_OK;
	req->response_len = 0;
	if (req->response != NULL)
		req->response[0] = '\0';
	req->response_too_large = false;
	req->content_type[0] = '\0';
	req->server_header[0] = '\0';
	req->retry_after_ms = -1;
	req->generated_tokens = -1;
}

/*
 * Free the body of a finished request, keeping at most its first keep
 * bytes (0: none; the body becomes "").  The status and the rest of "what
 * came back" stay.
 */
void
hfe_http_release_response(HfeHttpRequest *req, size_t keep)
{
	char	   *kept;

	if (req->response == NULL || req->response_len <= keep)
		return;
	kept = MemoryContextAlloc(req->mcxt, keep + 1);
	memcpy(kept, req->response, keep);
	kept[keep] = '\0';
	pfree(req->response);
	req->response = kept;
	req->response_len = keep;
	req->response_alloc = keep + 1;
}

/* libcurl write callback: append to the body, within the size cap. */
static size_t
write_callback(char *data, size_t size, size_t nmemb, void *userdata)
{
	HfeHttpRequest *req = (HfeHttpRequest *) userdata;
	size_t		n = size * nmemb;
	size_t		needed = req->response_len + n + 1;

	if (req->response_len + n > (size_t) hfe_max_response_size)
	{
		req->response_too_large = true;
		return 0;				/* makes curl fail with CURLE_WRITE_ERROR */
	}
	if (needed > req->response_alloc)
	{
		size_t		newsize = Max(Max(req->response_alloc * 2, needed), 1024);
		char	   *newbuf;

		newbuf = MemoryContextAllocExtended(req->mcxt, newsize,
											MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
		if (newbuf == NULL)
			return 0;
		if (req->response != NULL)
		{
			memcpy(newbuf, req->response, req->response_len);
			pfree(req->response);
		}
		req->response = newbuf;
		req->response_alloc = newsize;
	}
	memcpy(req->response + req->response_len, data, n);
	req->response_len += n;
	req->response[req->response_len] = '\0';
	return n;
}

/* Copy a header's value, trimmed, into dst of dstsize bytes. */
static void
copy_header_value(const char *src, size_t len, char *dst, size_t dstsize)
{
	while (len > 0 && (*src == ' ' || *src == '\t'))
		src++, len--;
	while (len > 0 && (src[len - 1] == '\r' || src[len - 1] == '\n' ||
					   src[len - 1] == ' ' || src[len - 1] == '\t'))
		len--;
	if (len >= dstsize)
		len = dstsize - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static bool
header_is(const char *line, size_t len, const char *name, const char **value,
		  size_t *valuelen)
{
	size_t		nlen = strlen(name);

	if (len <= nlen || line[nlen] != ':' || pg_strncasecmp(line, name, nlen) != 0)
		return false;
	*value = line + nlen + 1;
	*valuelen = len - nlen - 1;
	return true;
}

/* libcurl header callback: keep the few headers hfendpoints reads. */
static size_t
header_callback(char *line, size_t size, size_t nitems, void *userdata)
{
	HfeHttpRequest *req = (HfeHttpRequest *) userdata;
	size_t		len = size * nitems;
	const char *value;
	size_t		vlen;
	char		buf[32];

	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0)
	{
		/* a new response starts (after a 100 Continue, say) */
		req->content_type[0] = '\0';
		req->server_header[0] = '\0';
		req->retry_after_ms = -1;
		req->generated_tokens = -1;
	}
	else if (header_is(line, len, "content-type", &value, &vlen))
		copy_header_value(value, vlen, req->content_type, sizeof(req->content_type));
	else if (header_is(line, len, "server", &value, &vlen))
		copy_header_value(value, vlen, req->server_header, sizeof(req->server_header));
	else if (header_is(line, len, "retry-after", &value, &vlen))
	{
		char	   *end;
		long		seconds;

		/* delta-seconds only; an HTTP-date falls back to our own backoff */
		copy_header_value(value, vlen, buf, sizeof(buf));
		seconds = strtol(buf, &end, 10);
		if (end != buf && *end == '\0' && seconds >= 0 && seconds <= 86400)
			req->retry_after_ms = (int) seconds * 1000;
	}
	else if (header_is(line, len, "x-generated-tokens", &value, &vlen))
	{
		copy_header_value(value, vlen, buf, sizeof(buf));
		req->generated_tokens = atoi(buf);
	}
	return len;
}

/*
 * Free a header list built by hfe_http_prepare_easy, zeroing each header
 * first: libcurl's copies of the Authorization header hold the token.
 */
void
hfe_http_free_headers(struct curl_slist *list)
{
	for (struct curl_slist *h = list; h != NULL; h = h->next)
		explicit_bzero(h->data, strlen(h->data));
	curl_slist_free_all(list);
}

static void
append_header(struct curl_slist **list, const char *header)
{
	struct curl_slist *newlist = curl_slist_append(*list, header);

	if (newlist == NULL)
	{
		hfe_http_free_headers(*list);
		*list = NULL;
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while preparing an HTTP request")));
	}
	*list = newlist;
}

/*
 * Set up easy for one attempt of req.  The header list is stored in
 * *headers as it is built, so whoever owns *headers frees it even if this
 * fails half-way.
 */
void
hfe_http_prepare_easy(CURL *easy, HfeHttpRequest *req, struct curl_slist **headers)
{
	char		buf[64];
	long		timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : hfe_request_timeout_ms;

	curl_easy_reset(easy);
	curl_easy_setopt(easy, CURLOPT_URL, req->url);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, (long) hfe_connect_timeout_ms);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, USER_AGENT);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_callback);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, req);
	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, header_callback);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, req);
	curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) hfe_max_response_size);

	if (strcmp(req->method, "GET") == 0)
		curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
	else
	{
		if (strcmp(req->method, "POST") != 0)
			curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, req->method);
		if (req->body != NULL || strcmp(req->method, "POST") == 0)
		{
			/* an empty POST says Content-Length: 0 (doc/protocol.md §7.7) */
			curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) req->body_len);
			curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		}
	}

	*headers = NULL;
	append_header(headers, "Expect:");
	if (req->body != NULL)
	{
		char	   *type = psprintf("Content-Type: %s",
									req->body_type ? req->body_type : "application/json");

		append_header(headers, type);
		pfree(type);
	}
	else if (strcmp(req->method, "POST") == 0)
		append_header(headers, "Content-Type:");	/* not curl's form default */
	if (req->token != NULL)
	{
		char	   *auth = psprintf("Authorization: Bearer %s", req->token);

		append_header(headers, auth);
		explicit_bzero(auth, strlen(auth));
		pfree(auth);
	}
	if (req->scale_up_timeout > 0)
	{
		snprintf(buf, sizeof(buf), "X-Scale-Up-Timeout: %d", req->scale_up_timeout);
		append_header(headers, buf);
	}
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, *headers);
}

static bool
transport_error_is_transient(CURLcode code)
{
	switch (code)
	{
		case CURLE_COULDNT_CONNECT:
		case CURLE_SEND_ERROR:
		case CURLE_RECV_ERROR:
		case CURLE_GOT_NOTHING:
		case CURLE_PARTIAL_FILE:
			return true;
		default:
			return false;
	}
}

/*
 * After a finished attempt: milliseconds to wait before the next one, or
 * -1 when the result is final.  429, 502, 503, 504 and dropped connections
 * are retried up to hfendpoints.max_retries times with exponential backoff
 * and jitter, or after the server's Retry-After.  A Retry-After longer
 * than hfendpoints.request_timeout ends the retries: the caller reports the
 * 429 at once rather than sleeping past any sensible deadline.  While
 * retry_503_until lies ahead (a cold start), 502 and 503 are retried
 * however many attempts it takes.
 */
int
hfe_http_retry_delay_ms(HfeHttpRequest *req, TimestampTz now)
{
	bool		transient_status;
	double		delay;

	if (req->no_retry || req->response_too_large)
		return -1;
	transient_status = req->curl_code == CURLE_OK &&
		(req->status == 429 || req->status == 502 ||
		 req->status == 503 || req->status == 504);
	if (!transient_status && !transport_error_is_transient(req->curl_code))
		return -1;

	if (req->retry_503_until != 0 && (req->status == 502 || req->status == 503))
	{
		long		left_ms = (long) ((req->retry_503_until - now) / 1000);

		if (left_ms > 0)
		{
			delay = req->retry_after_ms >= 0 ? req->retry_after_ms :
				Min(hfe_retry_base_delay_ms * (1 << Min(req->attempts - 1, 8)),
					MAX_COLD_START_POLL_MS);
			return (int) Min(Max(delay, 1), left_ms);
		}
		return -1;
	}

	if (req->attempts > hfe_max_retries)
		return -1;
	if (req->retry_after_ms >= 0)
	{
		if (req->retry_after_ms > hfe_request_timeout_ms)
			return -1;
		return req->retry_after_ms;
	}
	delay = (double) hfe_retry_base_delay_ms * (1 << Min(req->attempts - 1, 16));
	delay = Min(delay, MAX_BACKOFF_MS);
	/* equal jitter: half fixed, half random */
	delay = delay / 2 + pg_prng_double(&pg_global_prng_state) * delay / 2;
	return (int) delay;
}
