/*-------------------------------------------------------------------------
 *
 * target.c
 *		Where an inference request goes: the endpoint argument ('name',
 *		'namespace/name' or a URL) resolved to an allowlisted URL and a
 *		token, the per-backend cache of resolved names, the endpoint states
 *		(paused, failed, starting, scaled to zero) and cold starts, and the
 *		errors of a failed inference request.
 *
 * Cache: one entry per (server, api_url, user mapping OID and credentials
 * generation, default namespace, the argument's namespace if any, name),
 * kept in its own memory context under TopMemoryContext for
 * hfendpoints.endpoint_cache_ttl; only endpoints found running are kept,
 * so that a cold one is looked at on every call until it is awake (each
 * wake-up is a cold start counted).  Keys hold no token; a change to a
 * user mapping or server makes every entry a miss.  An entry whose URL stops
 * answering is dropped and the name resolved again, once per call.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "api.h"
#include "errors.h"
#include "guc.h"
#include "inference.h"
#include "observer.h"
#include "stats.h"
#include "url.h"

#define CACHE_MAX_ENTRIES 64
#define STATE_POLL_FIRST_MS 100
#define STATE_POLL_MAX_MS 2000

typedef struct CacheEntry
{
	struct CacheEntry *next;
	char	   *key;			/* see cache_key */
	char	   *namespace;		/* the namespace the name resolved in */
	char	   *url;
	char	   *checked_hosts;	/* allowed_hosts the URL was checked against */
	bool		checked_http;	/* ... and allow_http */
	bool		public;			/* type "public": no token on the data plane */
	TimestampTz expires;
} CacheEntry;

static MemoryContext cache_cxt = NULL;
static CacheEntry *cache_head = NULL;

/* ---- cache ---- */

/*
 * The key is the endpoint argument as given (namespace or none, name) with
 * everything that decides what it resolves to: the server, its API URL, the
 * user mapping (whose token and default namespace cannot have changed
 * under the same credentials generation) and the mapping's default
 * namespace.  A cache hit so needs no whoami to find the default namespace.
 */
static char *
cache_key(const HfeTarget *t)
{
	return psprintf("%s\n%s\n%u\n" UINT64_FORMAT "\n%s\n%s\n%s", t->server->servername,
					t->server->api_url, t->server->umid, hfe_credentials_generation,
					t->server->namespace ? t->server->namespace : "",
					t->namespace_given ? t->namespace : "", t->name);
}

static void
cache_free(CacheEntry *e)
{
	pfree(e->key);
	pfree(e->namespace);
	pfree(e->url);
	pfree(e->checked_hosts);
	pfree(e);
}

/* Unlink and free the entry for key, if any. */
static void
cache_drop(const char *key)
{
	CacheEntry **prev = &cache_head;

	for (CacheEntry *e = cache_head; e != NULL; prev = &e->next, e = e->next)
	{
		if (strcmp(e->key, key) == 0)
		{
			*prev = e->next;
			cache_free(e);
			return;
		}
	}
}

/* A live entry for key, or NULL; expired entries are dropped on the way. */
static CacheEntry *
cache_lookup(const char *key)
{
	TimestampTz now = GetCurrentTimestamp();
	CacheEntry **prev = &cache_head;
	CacheEntry *e = cache_head;

	while (e != NULL)
	{
		if (e->expires <= now)
		{
			CacheEntry *next = e->next;

			*prev = next;
			cache_free(e);
			e = next;
			continue;
		}
		if (strcmp(e->key, key) == 0)
			return e;
		prev = &e->next;
		e = e->next;
	}
	return NULL;
}

static void
cache_store(const HfeTarget *t, bool public)
{
	char	   *key;
	CacheEntry *e;
	int			n = 0;

	/*
	 * A cold endpoint (asleep or starting) is not cached: the next call
	 * looks at it again, so that each wake-up is seen and counted, even
	 * when the endpoint went back to sleep between two calls.
	 */
	if (hfe_endpoint_cache_ttl_s <= 0 || t->cold)
		return;
	key = cache_key(t);
	cache_drop(key);
	if (cache_cxt == NULL)
		cache_cxt = AllocSetContextCreate(TopMemoryContext, "hfendpoints endpoint cache",
										  ALLOCSET_SMALL_SIZES);

	/* newest first; beyond the limit, the oldest goes */
	for (CacheEntry **p = &cache_head; *p != NULL; p = &(*p)->next)
	{
		if (++n >= CACHE_MAX_ENTRIES)
		{
			CacheEntry *rest = *p;

			*p = NULL;
			while (rest != NULL)
			{
				CacheEntry *next = rest->next;

				cache_free(rest);
				rest = next;
			}
			break;
		}
	}

	e = MemoryContextAllocZero(cache_cxt, sizeof(CacheEntry));
	e->key = MemoryContextStrdup(cache_cxt, key);
	e->namespace = MemoryContextStrdup(cache_cxt, t->namespace);
	e->url = MemoryContextStrdup(cache_cxt, t->url);
	e->checked_hosts = MemoryContextStrdup(cache_cxt, t->server->allowed_hosts);
	e->checked_http = t->server->allow_http;
	e->public = public;
	e->expires = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
											 (int64) hfe_endpoint_cache_ttl_s * 1000);
	e->next = cache_head;
	cache_head = e;
	pfree(key);
}

/* ---- endpoint states ---- */

static bool
state_is(const HfeEndpoint *ep, const char *state)
{
	return strcmp(ep->status, state) == 0;
}

/* "SELECT hfendpoints.resume_endpoint('x');", naming the namespace if given */
static char *
resume_command(const HfeTarget *t, bool namespace_given)
{
	if (namespace_given)
		return psprintf("SELECT hfendpoints.resume_endpoint(%s, %s);",
						quote_literal_cstr(t->name), quote_literal_cstr(t->namespace));
	return psprintf("SELECT hfendpoints.resume_endpoint(%s);", quote_literal_cstr(t->name));
}

static char *
wait_command(const HfeTarget *t, bool namespace_given)
{
	if (namespace_given)
		return psprintf("SELECT hfendpoints.wait_endpoint(%s, %s);",
						quote_literal_cstr(t->name), quote_literal_cstr(t->namespace));
	return psprintf("SELECT hfendpoints.wait_endpoint(%s);", quote_literal_cstr(t->name));
}

/* The endpoint's status message, the token masked should it be echoed. */
static char *
status_detail(const HfeEndpoint *ep, const char *token)
{
	if (ep->message != NULL && ep->message[0] != '\0')
		return psprintf("The service said: %s",
						hfe_sanitize_remote_text(ep->message, strlen(ep->message),
												 500, token));
	return NULL;
}

/* The endpoint's state for a message: remote text, cleaned and masked. */
static char *
state_text(const HfeTarget *t, const HfeEndpoint *ep)
{
	return hfe_sanitize_remote_text(ep->status, strlen(ep->status), 40, t->server->token);
}

/* Sleep ms milliseconds, waking at once for a cancel or terminate. */
static void
interruptible_sleep(long ms)
{
	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					 ms, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
}

/*
 * Get the endpoint from the control plane until it is usable, and point
 * the target at it.  A running endpoint with a URL is ready.  One that may
 * still be starting but already has a URL (scaledToZero, or initializing
 * or updating with a URL) is cold: its proxy holds or 503s requests until
 * a replica answers.  One without a URL yet (pending, initializing) is
 * polled until hfendpoints.cold_start_timeout.  Paused, failed and deleted
 * endpoints raise at once.
 */
static void
resolve_name(HfeTarget *t)
{
	bool		namespace_given = t->namespace_given;
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
													   (int64) hfe_cold_start_timeout_s * 1000);
	long		delay = STATE_POLL_FIRST_MS;
	bool		waited = false;
	HfeEndpoint *ep;

	for (;;)
	{
		TimestampTz now;
		long		left_ms;

		ep = hfe_api_get_endpoint(t->server, t->namespace, t->name, true);
		if (ep == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("%s does not exist", t->label),
					 errhint("List the endpoints with: SELECT name, status FROM hfendpoints.list_endpoints();")));

		if (state_is(ep, "paused"))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("%s is paused", t->label),
					 errhint("Resume it with: %s", resume_command(t, namespace_given))));
		if (state_is(ep, "failed") || (state_is(ep, "updateFailed") && ep->url == NULL))
		{
			char	   *detail = status_detail(ep, t->server->token);

			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("%s failed to %s", t->label,
							state_is(ep, "failed") ? "deploy" : "update"),
					 detail ? errdetail_internal("%s", detail) : 0,
					 errhint("Fix it with hfendpoints.update_endpoint, or delete it and create it again.")));
		}

		if (ep->url != NULL)
		{
			/* updateFailed with a URL still serves the previous version */
			if (state_is(ep, "running") || state_is(ep, "updateFailed"))
				t->cold = false;
			else
				t->cold = true; /* scaledToZero, initializing, updating, ... */
			break;
		}
		if (!state_is(ep, "pending") && !state_is(ep, "initializing") &&
			!state_is(ep, "updating"))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("%s has no URL", t->label),
					 errdetail("Its state is \"%s\".", state_text(t, ep))));

		/* still deploying: wait for a URL, as long as cold starts may take */
		now = GetCurrentTimestamp();
		left_ms = (long) ((deadline - now) / 1000);
		if (left_ms <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("%s is not ready", t->label),
					 errdetail("It was still \"%s\" when hfendpoints.cold_start_timeout (%d s) ran out.",
							   state_text(t, ep), hfe_cold_start_timeout_s),
					 errhint("Raise hfendpoints.cold_start_timeout, or wait for it with: %s",
							 wait_command(t, namespace_given))));
		elog(DEBUG1, "hfendpoints: %s is %s, checking again in %ld ms",
			 t->label, state_text(t, ep), Min(delay, left_ms));
		interruptible_sleep(Min(delay, left_ms));
		waited = true;
		delay = Min(delay * 2, STATE_POLL_MAX_MS);
	}
	if (t->cold || waited)
		hfe_stats_count_cold_start(t->server->serverid, t->stats_label);

	/* a control plane that hands out a URL outside the allowlist is refused */
	hfe_check_inference_url(t->server, ep->url);
	t->url = ep->url;
	t->token = (ep->type != NULL && strcmp(ep->type, "public") == 0) ? NULL : t->server->token;
	t->from_cache = false;
	cache_store(t, t->token == NULL);
}

HfeTarget *
hfe_target_resolve(const char *endpoint)
{
	HfeTarget  *t = palloc0(sizeof(HfeTarget));
	const char *slash;
	char	   *key;
	CacheEntry *e;

	if (endpoint == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("endpoint must not be NULL")));

	if (strstr(endpoint, "://") != NULL)
	{
		/* a URL: no control plane; the token only if the mapping has one */
		t->server = hfe_server_get(false);
		hfe_check_inference_url(t->server, endpoint);
		t->url = pstrdup(endpoint);
		t->token = t->server->token;
		t->stats_label = hfe_url_host(endpoint);
		t->label = psprintf("the endpoint at host \"%s\"", t->stats_label);
		return t;
	}

	t->server = hfe_server_get(true);
	slash = strchr(endpoint, '/');
	t->namespace_given = slash != NULL;
	if (slash != NULL)
	{
		if (strchr(slash + 1, '/') != NULL || slash == endpoint)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid endpoint \"%s\"", endpoint),
					 errhint("Give an endpoint name, \"namespace/name\", or an https:// URL.")));
		t->namespace = hfe_resolve_namespace(t->server, pnstrdup(endpoint, slash - endpoint));
		t->name = pstrdup(slash + 1);
	}
	else
		t->name = pstrdup(endpoint);
	hfe_check_endpoint_name(t->name);
	t->label = psprintf("endpoint \"%s\"", endpoint);

	key = cache_key(t);
	e = hfe_endpoint_cache_ttl_s > 0 ? cache_lookup(key) : NULL;
	pfree(key);
	if (e != NULL)
	{
		/* the allowlist may have changed since the entry was made */
		if (e->checked_http != t->server->allow_http ||
			strcmp(e->checked_hosts, t->server->allowed_hosts) != 0)
			hfe_check_inference_url(t->server, e->url);
		t->namespace = pstrdup(e->namespace);
		t->stats_label = psprintf("%s/%s", t->namespace, t->name);
		t->url = pstrdup(e->url);
		t->token = e->public ? NULL : t->server->token;
		t->cold = false;		/* only warm endpoints are cached */
		t->from_cache = true;
		return t;
	}
	if (t->namespace == NULL)
		t->namespace = hfe_resolve_namespace(t->server, NULL);
	t->stats_label = psprintf("%s/%s", t->namespace, t->name);
	resolve_name(t);
	return t;
}

bool
hfe_target_suspect(const HfeTarget *target, const HfeHttpRequest *req)
{
	if (target->name == NULL || !target->from_cache || target->refreshed)
		return false;
	if (req->response_too_large)
		return false;
	if (req->curl_code == CURLE_COULDNT_CONNECT ||
		req->curl_code == CURLE_COULDNT_RESOLVE_HOST)
		return true;
	return req->curl_code == CURLE_OK &&
		(req->status == 400 || req->status == 404 ||
		 req->status == 502 || req->status == 503);
}

bool
hfe_target_refresh(HfeTarget *target)
{
	char	   *old_url = target->url;
	char	   *key;

	if (target->name == NULL || target->refreshed)
		return false;
	target->refreshed = true;
	key = cache_key(target);
	cache_drop(key);
	pfree(key);

	elog(DEBUG1, "hfendpoints: %s stopped answering, resolving it again", target->label);
	resolve_name(target);
	return target->cold || strcmp(old_url, target->url) != 0;
}

char *
hfe_target_unavailable(const HfeTarget *target)
{
	HfeEndpoint *ep;

	if (target->name == NULL || target->refreshed)
		return NULL;
	ep = hfe_api_get_endpoint(target->server, target->namespace, target->name, true);
	if (ep == NULL)
		return psprintf("%s does not exist", target->label);
	if (state_is(ep, "paused"))
		return psprintf("%s is paused", target->label);
	if (state_is(ep, "failed") || (state_is(ep, "updateFailed") && ep->url == NULL))
		return psprintf("%s failed to %s", target->label,
						state_is(ep, "failed") ? "deploy" : "update");
	return NULL;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t		n = strlen(s);
	size_t		m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/*
 * A caller's route (infer, infer_batch): a URL path, printable ASCII, no
 * fragment, not a URL.  Checked with the other arguments, before anything
 * is sent; the URL it makes is checked again by hfe_target_url.
 */
void
hfe_check_route(const char *route)
{
	for (const char *p = route; *p; p++)
	{
		if ((unsigned char) *p <= ' ' || (unsigned char) *p >= 0x7f || *p == '#' ||
			*p == '\\')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid route \"%s\"", route),
					 errhint("A route is a URL path such as '/generate', without spaces, \"#\" or \"\\\".")));
	}
	if (strstr(route, "://") != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid route \"%s\"", route),
				 errhint("A route is a path on the endpoint, such as '/generate', not a URL.")));
}

char *
hfe_target_url(const HfeTarget *target, HfeRoute route, const char *path)
{
	char	   *base;
	const char *query;
	const char *p;
	char	   *url;

	if (route == HFE_ROUTE_ROOT)
		return pstrdup(target->url);

	if (route == HFE_ROUTE_CHAT)
	{
		/* huggingface_hub's _build_chat_completion_url, doc/protocol.md §6.3 */
		hfe_url_split_query(target->url, &base, &query);
		p = hfe_url_path(base);
		if (ends_with(p, "/chat/completions"))
			return psprintf("%s%s", base, query);
		if (ends_with(p, "/v1"))
			return psprintf("%s/chat/completions%s", base, query);
		return psprintf("%s/v1/chat/completions%s", base, query);
	}

	/* a caller's path: the URL it makes must pass the server's rules too */
	url = hfe_url_with_path(target->url, path);
	hfe_check_inference_url(target->server, url);
	return url;
}

/* Request timeout: long enough for a held cold start when the target is cold. */
static void
set_cold_start_options(const HfeTarget *target, HfeHttpRequest *req)
{
	if (target->cold && hfe_cold_start_timeout_s > 0)
	{
		int64		ms = (int64) hfe_request_timeout_ms + (int64) hfe_cold_start_timeout_s * 1000;

		req->scale_up_timeout = hfe_cold_start_timeout_s;
		req->retry_503_until =
			TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
										(int64) hfe_cold_start_timeout_s * 1000);
		req->timeout_ms = (int) Min(ms, (int64) INT_MAX);
	}
	else
	{
		req->scale_up_timeout = 0;
		req->retry_503_until = 0;
		req->timeout_ms = 0;
	}
}

HfeHttpRequest *
hfe_target_request(const HfeTarget *target, HfeRoute route, const char *path,
				   const char *body)
{
	HfeHttpRequest *req;

	req = hfe_http_request("POST", hfe_target_url(target, route, path), target->token);
	hfe_tag_request(req, target->server->serverid, target->stats_label, false);
	hfe_http_set_json_body(req, body);
	set_cold_start_options(target, req);
	return req;
}

void
hfe_target_retarget(const HfeTarget *target, HfeHttpRequest *req, HfeRoute route,
					const char *path)
{
	req->url = hfe_target_url(target, route, path);
	req->token = target->token;
	set_cold_start_options(target, req);
}

HfeFailure *
hfe_inference_failure(const HfeTarget *target, const HfeHttpRequest *req)
{
	HfeFailure *f = hfe_request_failure(req);

	if (req->curl_code != CURLE_OK || req->response_too_large)
		return f;
	if (req->status == 401 && target->token == NULL)
		f->hint = psprintf("Store a token with: CREATE USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (token 'hf_...');",
						   quote_identifier(target->server->servername));
	else if (f->remote_type != NULL && strcmp(f->remote_type, "overloaded") == 0)
		f->hint = "The model is overloaded; try again later, raise hfendpoints.max_retries or hfendpoints.retry_base_delay, or send fewer requests at once.";
	else if (target->cold && (req->status == 502 || req->status == 503))
		f->hint = psprintf("The endpoint did not finish starting within hfendpoints.cold_start_timeout (%d s); raise it or try again later.",
						   hfe_cold_start_timeout_s);
	else if (req->status == 400 && target->name == NULL)
		f->hint = "If the endpoint is paused, resume it first.";
	return f;
}

void
hfe_raise_inference_failure(const HfeTarget *target, const char *action,
							const HfeFailure *f, const HfeHttpRequest *req)
{
	hfe_raise_failure(f, psprintf("%s with %s", action, target->label), req);
}

void
hfe_target_send(HfeTarget *target, HfeHttpRequest *req, HfeRoute route,
				const char *path, const char *action)
{
	hfe_http_perform(req);
	if (hfe_http_ok(req))
		return;
	if (hfe_target_suspect(target, req) && hfe_target_refresh(target))
	{
		hfe_target_retarget(target, req, route, path);
		hfe_http_perform(req);
		if (hfe_http_ok(req))
			return;
	}
	hfe_raise_inference_failure(target, action, hfe_inference_failure(target, req), req);
}
