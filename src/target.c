/*-------------------------------------------------------------------------
 *
 * target.c
 *		Where an inference request goes: the endpoint argument ('name',
 *		'namespace/name' or a URL) resolved to an allowlisted URL and a
 *		token, the endpoint states (paused, failed, starting, scaled to
 *		zero) and cold starts, the URL of each route, and the failures of
 *		an inference request.
 *
 * Names are cached per backend (endpoint_cache.c); only endpoints found
 * running are stored, so that a cold one is looked at on every call until
 * it is awake (each wake-up is a cold start counted).  An entry whose URL
 * stops answering is dropped and the name resolved again, once per call.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "api.h"
#include "endpoint_cache.h"
#include "errors.h"
#include "guc.h"
#include "observer.h"
#include "poll.h"
#include "stats.h"
#include "target.h"
#include "url.h"

#define STATE_POLL_FIRST_MS 100
#define STATE_POLL_MAX_MS 2000

/* The cache key of the target's endpoint argument. */
static char *
cache_key(const HfeTarget *t)
{
	return hfe_endpoint_cache_key(t->server, t->namespace_given ? t->namespace : NULL,
								  t->name);
}

/* ---- endpoint states ---- */

static bool
state_is(const HfeEndpoint *ep, const char *state)
{
	return strcmp(ep->status, state) == 0;
}

/*
 * Why an endpoint cannot serve and will not on its own ("is paused",
 * "failed to deploy", ...), or NULL.
 */
static const char *
unusable_state(const HfeEndpoint *ep)
{
	if (state_is(ep, "paused"))
		return "is paused";
	if (state_is(ep, "failed"))
		return "failed to deploy";
	if (state_is(ep, "updateFailed") && ep->url == NULL)
		return "failed to update";
	return NULL;
}

/* "SELECT hfendpoints.<function>('x');", naming the namespace if given */
static char *
endpoint_command(const HfeTarget *t, const char *function)
{
	if (t->namespace_given)
		return psprintf("SELECT hfendpoints.%s(%s, %s);", function,
						quote_literal_cstr(t->name), quote_literal_cstr(t->namespace));
	return psprintf("SELECT hfendpoints.%s(%s);", function, quote_literal_cstr(t->name));
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

typedef struct ResolveCheck
{
	HfeTarget  *target;
	bool		waited;			/* the endpoint had no URL at first */
} ResolveCheck;

/*
 * One look while resolving a name.  A running endpoint with a URL is
 * ready.  One that may still be starting but already has a URL
 * (scaledToZero, or initializing or updating with a URL) is ready but
 * cold: its proxy holds or 503s requests until a replica answers.  One
 * without a URL yet (pending, initializing) is looked at again until
 * hfendpoints.cold_start_timeout.  Paused, failed and deleted endpoints
 * raise at once.
 */
static bool
resolve_check(const HfeEndpoint *ep, const HfePollLook *look, void *arg)
{
	ResolveCheck *rc = (ResolveCheck *) arg;
	HfeTarget  *t = rc->target;
	const char *unusable;

	if (ep == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("%s does not exist", t->label),
				 errhint("List the endpoints with: SELECT name, status FROM hfendpoints.list_endpoints();")));
	if ((unusable = unusable_state(ep)) != NULL)
	{
		char	   *detail = status_detail(ep, t->server->token);

		if (state_is(ep, "paused"))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("%s %s", t->label, unusable),
					 errhint("Resume it with: %s", endpoint_command(t, "resume_endpoint"))));
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s %s", t->label, unusable),
				 detail ? errdetail_internal("%s", detail) : 0,
				 errhint("Fix it with hfendpoints.update_endpoint, or delete it and create it again.")));
	}

	if (ep->url != NULL)
	{
		/* updateFailed with a URL still serves the previous version */
		t->cold = !(state_is(ep, "running") || state_is(ep, "updateFailed"));
		return true;
	}
	if (!state_is(ep, "pending") && !state_is(ep, "initializing") &&
		!state_is(ep, "updating"))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s has no URL", t->label),
				 errdetail("Its state is \"%s\".", state_text(t, ep))));
	if (look->last)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s is not ready", t->label),
				 errdetail("It was still \"%s\" when hfendpoints.cold_start_timeout (%d s) ran out.",
						   state_text(t, ep), hfe_cold_start_timeout_s),
				 errhint("Raise hfendpoints.cold_start_timeout, or wait for it with: %s",
						 endpoint_command(t, "wait_endpoint"))));
	rc->waited = true;			/* still deploying: wait for a URL */
	return false;
}

/*
 * Get the endpoint from the control plane until it is usable, and point
 * the target at it (see resolve_check).
 */
static void
resolve_name(HfeTarget *t)
{
	ResolveCheck rc = {t, false};
	HfeEndpoint *ep;

	ep = hfe_poll_endpoint(t->server, t->namespace, t->name, true,
						   (int64) hfe_cold_start_timeout_s * 1000,
						   STATE_POLL_FIRST_MS, STATE_POLL_MAX_MS, resolve_check, &rc);
	if (t->cold || rc.waited)
		hfe_stats_count_cold_start(t->server->serverid, t->stats_label);

	/* a control plane that hands out a URL outside the allowlist is refused */
	hfe_check_inference_url(t->server, ep->url);
	t->url = ep->url;
	t->token = (ep->type != NULL && strcmp(ep->type, "public") == 0) ? NULL : t->server->token;
	t->from_cache = false;
	if (t->server->engine == HFE_ENGINE_UNKNOWN)
		t->engine = hfe_engine_of_image(ep->image);

	/*
	 * A cold endpoint (asleep or starting) is not cached: the next call
	 * looks at it again, so that each wake-up is seen and counted, even
	 * when the endpoint went back to sleep between two calls.
	 */
	if (!t->cold)
	{
		HfeCachedEndpoint entry = {t->namespace, t->url, t->token == NULL, ep->image};

		hfe_endpoint_cache_store(cache_key(t), t->server, &entry);
	}
}

HfeTarget *
hfe_target_resolve(const char *endpoint)
{
	HfeTarget  *t = palloc0(sizeof(HfeTarget));
	const char *slash;
	HfeCachedEndpoint cached;

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
		t->engine = t->server->engine;
		t->stats_label = hfe_url_host(endpoint);
		t->label = psprintf("the endpoint at host \"%s\"", t->stats_label);
		return t;
	}

	t->server = hfe_server_get(true);
	t->engine = t->server->engine;
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

	if (hfe_endpoint_cache_lookup(cache_key(t), t->server, &cached))
	{
		t->namespace = cached.namespace;
		t->stats_label = psprintf("%s/%s", t->namespace, t->name);
		t->url = cached.url;
		t->token = cached.public ? NULL : t->server->token;
		t->cold = false;		/* only warm endpoints are cached */
		if (t->server->engine == HFE_ENGINE_UNKNOWN)
			t->engine = hfe_engine_of_image(cached.image);
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

	if (target->name == NULL || target->refreshed)
		return false;
	target->refreshed = true;
	hfe_endpoint_cache_drop(cache_key(target));

	elog(DEBUG1, "hfendpoints: %s stopped answering, resolving it again", target->label);
	resolve_name(target);
	return target->cold || strcmp(old_url, target->url) != 0;
}

char *
hfe_target_unavailable(const HfeTarget *target)
{
	HfeEndpoint *ep;
	const char *unusable;

	if (target->name == NULL || target->refreshed)
		return NULL;
	ep = hfe_api_get_endpoint(target->server, target->namespace, target->name, true);
	if (ep == NULL)
		return psprintf("%s does not exist", target->label);
	if ((unusable = unusable_state(ep)) != NULL)
		return psprintf("%s %s", target->label, unusable);
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

	if (route == HFE_ROUTE_CHAT || route == HFE_ROUTE_COMPLETIONS ||
		route == HFE_ROUTE_EMBEDDINGS)
	{
		/*
		 * huggingface_hub's _build_chat_completion_url (doc/protocol.md
		 * §6.3), for each OpenAI route: a URL that already names the route
		 * is kept, one that ends in /v1 gets the route's name, any other
		 * /v1 and the name.
		 */
		const char *name = route == HFE_ROUTE_CHAT ? "/chat/completions" :
			route == HFE_ROUTE_COMPLETIONS ? "/completions" : "/embeddings";

		hfe_url_split_query(target->url, &base, &query);
		p = hfe_url_path(base);
		if (ends_with(p, name) && !(route == HFE_ROUTE_COMPLETIONS &&
									ends_with(p, "/chat/completions")))
			return psprintf("%s%s", base, query);
		if (ends_with(p, "/v1"))
			return psprintf("%s%s%s", base, name, query);
		return psprintf("%s/v1%s%s", base, name, query);
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
	return hfe_target_request_body(target, route, path, body, strlen(body), NULL);
}

HfeHttpRequest *
hfe_target_request_body(const HfeTarget *target, HfeRoute route, const char *path,
						const char *data, size_t len, const char *type)
{
	HfeHttpRequest *req;

	req = hfe_http_request("POST", hfe_target_url(target, route, path), target->token);
	hfe_tag_request(req, target->server->serverid, target->stats_label);
	hfe_http_set_body(req, data, len, type);
	set_cold_start_options(target, req);
	return req;
}

HfeHttpRequest *
hfe_target_get(const HfeTarget *target, const char *path)
{
	HfeHttpRequest *req;

	req = hfe_http_request("GET", hfe_target_url(target, HFE_ROUTE_PATH, path), target->token);
	hfe_tag_request(req, target->server->serverid, target->stats_label);
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
	else if (f->remote_type != NULL && pg_strcasecmp(f->remote_type, "overloaded") == 0)
		f->hint = "The model is overloaded; try again later, raise hfendpoints.max_retries or hfendpoints.retry_base_delay, or send fewer requests at once.";
	else if (target->cold && (req->status == 502 || req->status == 503))
		f->hint = psprintf("The endpoint did not finish starting within hfendpoints.cold_start_timeout (%d s); raise it or try again later.",
						   hfe_cold_start_timeout_s);
	else if (req->status == 400 && target->name == NULL)
		f->hint = "If the endpoint is paused, resume it first.";
	else if (req->status == 404 && target->engine_guessed)
		f->hint = "hfendpoints could not tell which engine serves this endpoint and used the task's native route; name the engine with engine => 'vllm' (or 'tgi', 'tei', 'sglang', 'llamacpp', 'toolkit'), or with the server option \"engine\".";
	else if ((req->status == 404 || req->status == 501) && target->engine != HFE_ENGINE_UNKNOWN)
		f->hint = psprintf("The endpoint may not serve this task%s; if it runs another engine than %s, name it with engine => '...' or the server option \"engine\".",
						   req->status == 501 ? " (llama.cpp serves one of generation, embeddings or reranking, as it was started)" : "",
						   hfe_engine_label(target->engine));
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
	hfe_target_finish(target, req, route, path, action);
}

void
hfe_target_finish(HfeTarget *target, HfeHttpRequest *req, HfeRoute route,
				  const char *path, const char *action)
{
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
