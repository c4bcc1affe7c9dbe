/*-------------------------------------------------------------------------
 *
 * target.h
 *		Where an inference request goes: an endpoint argument ('name',
 *		'namespace/name' or an http(s) URL) resolved to an allowlisted URL
 *		and a token, with the endpoint's state and cold starts handled, and
 *		the requests and failures of that target.
 *
 * A caller typically does:
 *
 *		target = hfe_target_resolve(endpoint_arg);
 *		req = hfe_target_request(target, HFE_ROUTE_ROOT, NULL, body);
 *		hfe_target_send(target, req, HFE_ROUTE_ROOT, NULL, "generate text");
 *
 * or, for many requests, sends them itself and, if some failed with
 * hfe_target_suspect() and hfe_target_refresh() says so, retargets them
 * with hfe_target_retarget() and sends them again.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_TARGET_H
#define HFENDPOINTS_TARGET_H

#include "compat.h"
#include "credentials.h"
#include "errors.h"
#include "http.h"

/*
 * Where inference requests for one endpoint argument go.  The endpoint
 * argument is 'name', 'namespace/name', or an http(s) URL.
 */
typedef struct HfeTarget
{
	HfeServer  *server;
	char	   *namespace;		/* NULL for a URL */
	char	   *name;			/* NULL for a URL */
	char	   *url;			/* base URL, checked against the allowlist */
	const char *token;			/* sent to the data plane, NULL for none */
	char	   *label;			/* "endpoint \"ns/name\"" or "the endpoint at
								 * host \"h\"", for messages */
	char	   *stats_label;	/* "ns/name" or the host: its row in
								 * hfendpoints.stats and hfendpoints.jobs */
	HfeEngine	engine;			/* the server's option "engine", else what the
								 * endpoint's image says; UNKNOWN for a URL
								 * or a custom image (detect.c then probes) */
	bool		engine_guessed;	/* nothing told the engine (detect.c): each
								 * task speaks its native protocol */
	bool		namespace_given;	/* the argument was 'namespace/name' */
	bool		cold;			/* may be starting: send X-Scale-Up-Timeout,
								 * retry 503s until cold_start_timeout */
	bool		from_cache;		/* URL came from the cache and may be stale */
	bool		refreshed;		/* hfe_target_refresh() already ran */
} HfeTarget;

/* Which URL of the endpoint a request goes to. */
typedef enum HfeRoute
{
	HFE_ROUTE_ROOT,				/* the endpoint URL as is (TGI "/", TEI) */
	HFE_ROUTE_CHAT,				/* OpenAI chat completions (the rule of
								 * doc/protocol.md §6.3) */
	HFE_ROUTE_COMPLETIONS,		/* OpenAI completions, by the same rule */
	HFE_ROUTE_EMBEDDINGS,		/* OpenAI embeddings, by the same rule */
	HFE_ROUTE_PATH				/* the endpoint URL + a caller's path */
} HfeRoute;

/*
 * Resolve an endpoint argument.  Names go through the control plane (or
 * the per-backend cache): a paused, failed, deleted or URL-less endpoint
 * raises; a pending/initializing one is waited for (interruptibly, up to
 * hfendpoints.cold_start_timeout); a scaled-to-zero one comes back cold.
 * Every URL, given or resolved, must pass the server's allowlist.
 */
extern HfeTarget *hfe_target_resolve(const char *endpoint);

/*
 * A route argument (infer, infer_batch): raises 22023 unless it is a URL
 * path of printable ASCII without a fragment.
 */
extern void hfe_check_route(const char *route);

/*
 * The URL a request of this route goes to; path only for HFE_ROUTE_PATH,
 * where the URL is checked against the server's rules.
 */
extern char *hfe_target_url(const HfeTarget *target, HfeRoute route, const char *path);

/*
 * A POST of body (JSON text) to the target, with its token and, when the
 * target is cold, X-Scale-Up-Timeout, 503 retries until the cold-start
 * deadline and a request timeout long enough to cover it.
 */
extern HfeHttpRequest *hfe_target_request(const HfeTarget *target, HfeRoute route,
										  const char *path, const char *body);

/* The same with a body of len bytes of type (NULL: JSON), such as media. */
extern HfeHttpRequest *hfe_target_request_body(const HfeTarget *target, HfeRoute route,
											   const char *path, const char *data,
											   size_t len, const char *type);

/*
 * A GET of path on the target (an engine probe: "/info"), with its token
 * and, when the target is cold, the same cold-start handling as a POST.
 */
extern HfeHttpRequest *hfe_target_get(const HfeTarget *target, const char *path);

/*
 * Does this failure look like the cached URL went stale (connection
 * refused, 404, 400, 502, 503)?  Only for a cached name not yet refreshed.
 */
extern bool hfe_target_suspect(const HfeTarget *target, const HfeHttpRequest *req);

/*
 * Drop the target's cache entry and resolve it again through the control
 * plane (raising as hfe_target_resolve does).  Returns true when sending
 * again may help: the URL changed or the endpoint is starting.  Runs at
 * most once per target.
 */
extern bool hfe_target_refresh(HfeTarget *target);

/*
 * Why the target's endpoint cannot serve any more ("... is paused", "...
 * failed to deploy", "... does not exist"), asked of the control plane
 * without raising; NULL when it may (hfe_target_refresh() then says
 * whether to send again).  For a caller that holds answers it must not
 * lose: a batch in on_error => 'null' mode.  A URL target: NULL.
 */
extern char *hfe_target_unavailable(const HfeTarget *target);

/* Point a request made by hfe_target_request at the refreshed target. */
extern void hfe_target_retarget(const HfeTarget *target, HfeHttpRequest *req,
								HfeRoute route, const char *path);

/*
 * Single-request convenience: perform, re-resolve once if the cached URL
 * looks stale, and raise the right error if it still failed.  action
 * completes "could not ...", as in "generate text".
 */
extern void hfe_target_send(HfeTarget *target, HfeHttpRequest *req, HfeRoute route,
							const char *path, const char *action);

/*
 * hfe_target_send() for a request already performed (with others): done
 * if it succeeded, else re-resolved and sent once more if the cached URL
 * looks stale, and the right error raised if it still failed.
 */
extern void hfe_target_finish(HfeTarget *target, HfeHttpRequest *req, HfeRoute route,
							  const char *path, const char *action);

/*
 * The failure of a request to the target (HTTP status, error_type,
 * transport), with the target's own hints.
 */
extern HfeFailure *hfe_inference_failure(const HfeTarget *target,
										 const HfeHttpRequest *req);

/* Raise a failure of action ("generate text") on the target. */
pg_noreturn extern void hfe_raise_inference_failure(const HfeTarget *target,
													const char *action,
													const HfeFailure *f,
													const HfeHttpRequest *req);

#endif							/* HFENDPOINTS_TARGET_H */
