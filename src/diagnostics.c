/*-------------------------------------------------------------------------
 *
 * diagnostics.c
 *		What the service and an endpoint say about themselves, beside the
 *		lifecycle: an endpoint's logs and metrics (management API, R10 to
 *		R12 of doc/protocol.md §2), its engine's /info, and a health check.
 *
 * Everything a server sends back is hostile: logs and metrics come back as
 * text with the token masked and control characters replaced, and JSON as
 * jsonb, its strings checked as UTF-8.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

#include "api.h"
#include "errors.h"
#include "guc.h"
#include "observer.h"
#include "target.h"
#include "url.h"

PG_FUNCTION_INFO_V1(hfendpoints_endpoint_logs);
PG_FUNCTION_INFO_V1(hfendpoints_endpoint_metrics);
PG_FUNCTION_INFO_V1(hfendpoints_endpoint_open_metrics);
PG_FUNCTION_INFO_V1(hfendpoints_endpoint_info);
PG_FUNCTION_INFO_V1(hfendpoints_health_check);

static char *
required_text(FunctionCallInfo fcinfo, int argno, const char *argname)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", argname)));
	return text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

/* (name, namespace) arguments: the name checked, the namespace resolved. */
static void
endpoint_args(FunctionCallInfo fcinfo, int name_arg, int namespace_arg,
			  HfeServer *server, char **name, char **namespace)
{
	*name = required_text(fcinfo, name_arg, "name");
	hfe_check_endpoint_name(*name);
	*namespace = hfe_resolve_namespace(server, PG_ARGISNULL(namespace_arg) ? NULL :
									   text_to_cstring(PG_GETARG_TEXT_PP(namespace_arg)));
}

/* A successful text response as a text value, cleaned (see the header). */
static Datum
remote_text_datum(HfeHttpRequest *req, const char *action, const char *token)
{
	char	   *text;

	if (!hfe_http_ok(req))
		hfe_raise_request_failure(req, action);
	if (memchr(req->response, '\0', req->response_len) != NULL ||
		!pg_verify_mbstr(PG_UTF8, req->response, req->response_len, true))
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("could not %s: the response is not valid UTF-8 text", action)));
	text = pg_any_to_server(req->response, req->response_len, PG_UTF8);
	return CStringGetTextDatum(hfe_sanitize_remote_lines(text, strlen(text), token));
}

/* A successful JSON response as jsonb, the token masked in its strings. */
static Datum
remote_json_datum(HfeHttpRequest *req, const char *action)
{
	cJSON	   *json = hfe_api_result(req, action);

	return DirectFunctionCall1(jsonb_in, CStringGetDatum(hfe_json_print(json)));
}

/*
 * endpoint_logs(name, namespace, tail): the endpoint's logs (R10), the
 * last tail lines when given.
 */
Datum
hfendpoints_endpoint_logs(PG_FUNCTION_ARGS)
{
	HfeServer  *server = hfe_server_get(true);
	char	   *name;
	char	   *namespace;
	char	   *path;
	char	   *action;

	endpoint_args(fcinfo, 0, 1, server, &name, &namespace);
	path = psprintf("/endpoint/%s/%s/logs", namespace, name);
	if (!PG_ARGISNULL(2))
	{
		if (PG_GETARG_INT32(2) <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("tail must be positive")));
		path = psprintf("%s?tail=%d", path, PG_GETARG_INT32(2));
	}
	action = psprintf("read the logs of endpoint \"%s\"", name);
	PG_RETURN_DATUM(remote_text_datum(hfe_api_send(server, "GET", path, NULL), action,
									  server->token));
}

/* A metric's name: letters, digits, '-' and '_', as the API names them. */
static void
check_metric(const char *metric)
{
	if (metric[0] == '\0' || strspn(metric, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != strlen(metric))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid metric \"%s\"", metric),
				 errhint("A metric is a name such as 'request-count' or 'latency': letters, digits, \"-\" and \"_\".")));
}

/* endpoint_metrics(name, metric, namespace): one metric's series (R11). */
Datum
hfendpoints_endpoint_metrics(PG_FUNCTION_ARGS)
{
	HfeServer  *server = hfe_server_get(true);
	char	   *name;
	char	   *namespace;
	char	   *metric = required_text(fcinfo, 1, "metric");
	char	   *action;

	check_metric(metric);
	endpoint_args(fcinfo, 0, 2, server, &name, &namespace);
	action = psprintf("read metric \"%s\" of endpoint \"%s\"", metric, name);
	PG_RETURN_DATUM(remote_json_datum(hfe_api_send(server, "POST",
												   psprintf("/endpoint/%s/%s/metrics/%s",
															namespace, name, metric),
												   NULL),
									  action));
}

/* endpoint_open_metrics(name, namespace): the OpenMetrics text (R12). */
Datum
hfendpoints_endpoint_open_metrics(PG_FUNCTION_ARGS)
{
	HfeServer  *server = hfe_server_get(true);
	char	   *name;
	char	   *namespace;

	endpoint_args(fcinfo, 0, 1, server, &name, &namespace);
	PG_RETURN_DATUM(remote_text_datum(hfe_api_send(server, "GET",
												   psprintf("/endpoint/%s/%s/open-metrics",
															namespace, name),
												   NULL),
									  psprintf("read the metrics of endpoint \"%s\"", name),
									  server->token));
}

/*
 * endpoint_info(endpoint): what the engine says of itself, GET {url}/info
 * (TGI: model, limits, version; TEI: model type, batch limits).  A
 * scaled-to-zero endpoint is woken as for inference.
 */
Datum
hfendpoints_endpoint_info(PG_FUNCTION_ARGS)
{
	HfeTarget  *target = hfe_target_resolve(required_text(fcinfo, 0, "endpoint"));
	HfeHttpRequest *req = hfe_target_get(target, "/info");
	char	   *action = psprintf("read the information of %s", target->label);

	hfe_http_perform(req);
	if (req->curl_code == CURLE_OK && req->status == 404)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("could not %s", action),
				 errdetail("It answered GET /info with 404: its engine has no such route."),
				 errhint("TGI and TEI serve /info; vLLM, SGLang and llama.cpp describe their model at /v1/models, which hfendpoints.infer cannot GET.")));
	PG_RETURN_DATUM(remote_json_datum(req, action));
}

/*
 * health_check(endpoint): does the endpoint answer its health route with
 * 200, now?  A name uses its healthRoute; an endpoint without a URL
 * (paused, deploying) is not healthy.  Nothing is woken or retried, and a
 * failure is an answer (false), not an error.
 */
Datum
hfendpoints_health_check(PG_FUNCTION_ARGS)
{
	char	   *endpoint = required_text(fcinfo, 0, "endpoint");
	HfeServer  *server;
	char	   *url;
	const char *token;
	const char *label;
	HfeHttpRequest *req;

	if (strstr(endpoint, "://") != NULL)
	{
		server = hfe_server_get(false);
		url = hfe_url_with_path(endpoint, "/health");
		token = server->token;
		label = hfe_url_host(endpoint);
	}
	else
	{
		char	   *slash = strchr(endpoint, '/');
		char	   *name = slash ? slash + 1 : endpoint;
		char	   *namespace = slash ? pnstrdup(endpoint, slash - endpoint) : NULL;
		HfeEndpoint *ep;

		server = hfe_server_get(true);
		hfe_check_endpoint_name(name);
		namespace = hfe_resolve_namespace(server, namespace);
		ep = hfe_api_get_endpoint(server, namespace, name, false);
		if (ep->url == NULL)
			PG_RETURN_BOOL(false);
		url = hfe_url_with_path(ep->url, ep->health_route ? ep->health_route : "/health");
		token = (ep->type != NULL && strcmp(ep->type, "public") == 0) ? NULL : server->token;
		label = psprintf("%s/%s", namespace, name);
	}
	hfe_check_inference_url(server, url);
	req = hfe_http_request("GET", url, token);
	hfe_tag_request(req, server->serverid, label);
	req->no_retry = true;
	hfe_http_perform(req);
	PG_RETURN_BOOL(req->curl_code == CURLE_OK && req->status == 200);
}
