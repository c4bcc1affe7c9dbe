/*-------------------------------------------------------------------------
 *
 * endpoint.c
 *		The SQL lifecycle functions (README "Lifecycle functions"): whoami,
 *		create, get, list, pause, resume, scale to zero, update, delete,
 *		wait and the hardware list, and the hfendpoints.endpoint row they
 *		return.
 *
 * Each SQL function checks its arguments before it sends anything
 * (SQLSTATE 22023, or 22004 for a missing one), then finds the server, the
 * role's token and the namespace (credentials.c, api.c).  api.c builds the
 * request bodies and reads the endpoint JSON; errors.c turns a failed
 * request into an error.  Everything is palloc'd in the function's memory
 * context, cJSON trees included, and dies with it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "api.h"
#include "args.h"
#include "endpoint.h"
#include "poll.h"
#include "errors.h"
#include "guc.h"
#include "observer.h"
#include "url.h"

/* columns of hfendpoints.endpoint (sql/parts/20_lifecycle.sql) */
#define ENDPOINT_NATTS 22
/* columns of list_hardware() */
#define HARDWARE_NATTS 18
#define HARDWARE_NATTS_0_2 10	/* list_hardware() of 0.1.0 and 0.2.0 */

/* ----------------------------------------------------------------
 * Arguments
 * ----------------------------------------------------------------
 */

static void
raise_null_argument(const char *argname)
{
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("%s must not be null", argname)));
}

/* A text argument, NULL when SQL NULL; an empty string is refused. */
static char *
text_arg(FunctionCallInfo fcinfo, int argno, const char *argname)
{
	char	   *s;

	if (PG_ARGISNULL(argno))
		return NULL;
	s = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	if (s[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be empty", argname)));
	return s;
}

static char *
required_text_arg(FunctionCallInfo fcinfo, int argno, const char *argname)
{
	if (PG_ARGISNULL(argno))
		raise_null_argument(argname);
	return text_arg(fcinfo, argno, argname);
}

/* A text argument passed on as it is (route domain and path). */
static char *
raw_text_arg(FunctionCallInfo fcinfo, int argno)
{
	return PG_ARGISNULL(argno) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

/* An integer argument that must not be negative; false when NULL. */
static bool
count_arg(FunctionCallInfo fcinfo, int argno, const char *argname, int *value)
{
	if (PG_ARGISNULL(argno))
		return false;
	*value = PG_GETARG_INT32(argno);
	if (*value < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be negative", argname)));
	return true;
}

/*
 * A jsonb argument that must be an object, as a cJSON tree; NULL when SQL
 * NULL.  With string_values, every member must be a string (env, secrets).
 * Error messages name keys, never values: the values may be secrets.
 */
static cJSON *
object_arg(FunctionCallInfo fcinfo, int argno, const char *argname,
		   bool string_values)
{
	Jsonb	   *jb;
	cJSON	   *obj;
	cJSON	   *item;

	if (PG_ARGISNULL(argno))
		return NULL;
	jb = PG_GETARG_JSONB_P(argno);
	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a JSON object", argname)));
	obj = hfe_json_from_text(JsonbToCString(NULL, &jb->root, VARSIZE(jb)), argname);
	if (string_values)
	{
		cJSON_ArrayForEach(item, obj)
		{
			if (!cJSON_IsString(item))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s must map names to strings", argname),
						 errdetail("The value of \"%s\" is not a string.", item->string)));
		}
	}
	return obj;
}

/* A text[] argument; NULL when SQL NULL.  Null elements are refused. */
static HfeStringList *
string_list_arg(FunctionCallInfo fcinfo, int argno, const char *argname)
{
	HfeStringList *list;

	if (PG_ARGISNULL(argno))
		return NULL;
	list = palloc0(sizeof(HfeStringList));
	list->items = hfe_text_array_elements(PG_GETARG_ARRAYTYPE_P(argno), argname, false,
										  &list->n);
	return list;
}

/* Raise the failure of req with a hint of the operation's own. */
static void
raise_with_hint(const HfeHttpRequest *req, const char *operation, const char *hint)
{
	HfeFailure *f = hfe_request_failure(req);

	f->hint = hint;
	hfe_raise_failure(f, operation, req);
}

/*
 * Hardware and framework names (accelerator, instance type, region...) are
 * short words the service defines.  New values must keep working
 * (doc/protocol.md §7.5), so only their shape is checked here;
 * list_hardware() shows the valid combinations and the service refuses the
 * others.
 */
static void
check_word(const char *argname, const char *value)
{
	if (value == NULL)
		return;
	for (const char *p = value; *p; p++)
	{
		if (!(isalnum((unsigned char) *p) || *p == '-' || *p == '_' || *p == '.') ||
			p - value >= 64)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid %s \"%s\"", argname, value),
					 errdetail("A %s is at most 64 letters, digits, \"-\", \"_\" or \".\".", argname),
					 errhint("hfendpoints.list_hardware() shows the vendors, regions, accelerators and instance types the service offers.")));
	}
}

static void
check_choice(const char *what, const char *value, const char *const *choices,
			 const char *hint)
{
	if (value == NULL)
		return;
	for (int i = 0; choices[i]; i++)
		if (strcmp(value, choices[i]) == 0)
			return;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid %s \"%s\"", what, value),
			 errhint("%s", hint)));
}

static const char *const endpoint_types[] = {
	"public", "protected", "authenticated", "private", NULL
};
static const char *const scaling_metrics[] = {
	"pendingRequests", "hardwareUsage", NULL
};

/*
 * custom_image is either a flat container description with a "url", or
 * one image variant keyed by name ({"tgi": {"url": ...}}); variant names
 * are not checked, so that new ones work.
 */
static void
check_custom_image(const cJSON *image)
{
	const cJSON *variant;

	if (image == NULL || cJSON_GetObjectItemCaseSensitive(image, "url") != NULL)
		return;
	variant = image->child;
	if (variant == NULL || variant->next != NULL || !cJSON_IsObject(variant))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid custom_image"),
				 errdetail("A custom image is either a container description with a \"url\", or one image variant such as {\"tgi\": {\"url\": \"...\"}}.")));
}

/* Argument positions of the fields create and update share. */
typedef struct FieldArgs
{
	int			accelerator;
	int			instance_size;
	int			instance_type;
	int			min_replica;
	int			max_replica;
	int			scale_to_zero_timeout;
	int			scaling_metric;
	int			scaling_threshold;
	int			repository;
	int			framework;
	int			revision;
	int			task;
	int			custom_image;
	int			container_command;
	int			container_args;
	int			env;
	int			secrets;
	int			domain;
	int			path;
	int			cache_http_responses;
	int			tags;
	int			secrets_from_mapping;
} FieldArgs;

/*
 * secrets_from_mapping: names of the caller's user mapping options
 * "secret.<NAME>", whose values are sent in model.secrets with those of
 * secrets.  A name may be given once, here or in secrets: which value would
 * win is not obvious.  The values are read later, with the server.
 */
static HfeStringList *
mapping_secret_names_arg(FunctionCallInfo fcinfo, int argno, const cJSON *secrets)
{
	HfeStringList *names;

	if (argno >= PG_NARGS())	/* SQL objects older than the library */
		return NULL;
	names = string_list_arg(fcinfo, argno, "secrets_from_mapping");

	for (int i = 0; names != NULL && i < names->n; i++)
	{
		bool		twice = cJSON_GetObjectItemCaseSensitive(secrets, names->items[i]) != NULL;

		if (!hfe_valid_secret_name(names->items[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid secret name \"%s\" in secrets_from_mapping", names->items[i]),
					 errdetail("Secret names may contain only letters, digits and underscores.")));
		for (int j = 0; j < i && !twice; j++)
			twice = strcmp(names->items[i], names->items[j]) == 0;
		if (twice)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("secret \"%s\" is given more than once", names->items[i]),
					 errdetail("A secret may be named once, in secrets or in secrets_from_mapping.")));
	}
	return names;
}

/*
 * Read and check the shared fields.  Required-ness is the caller's
 * business: here NULL only means "not given".  *from_mapping gets
 * secrets_from_mapping, for add_mapping_secrets once the server is known.
 */
static void
read_fields(FunctionCallInfo fcinfo, const FieldArgs *a, HfeEndpointFields *f,
			HfeStringList **from_mapping)
{
	f->accelerator = text_arg(fcinfo, a->accelerator, "accelerator");
	f->instance_size = text_arg(fcinfo, a->instance_size, "instance_size");
	f->instance_type = text_arg(fcinfo, a->instance_type, "instance_type");
	f->has_min_replica = count_arg(fcinfo, a->min_replica, "min_replica", &f->min_replica);
	f->has_max_replica = count_arg(fcinfo, a->max_replica, "max_replica", &f->max_replica);
	f->has_scale_to_zero_timeout = count_arg(fcinfo, a->scale_to_zero_timeout,
											 "scale_to_zero_timeout",
											 &f->scale_to_zero_timeout);
	f->scaling_metric = text_arg(fcinfo, a->scaling_metric, "scaling_metric");
	f->has_scaling_threshold = !PG_ARGISNULL(a->scaling_threshold);
	if (f->has_scaling_threshold)
		f->scaling_threshold = PG_GETARG_FLOAT8(a->scaling_threshold);
	f->repository = text_arg(fcinfo, a->repository, "repository");
	f->framework = text_arg(fcinfo, a->framework, "framework");
	f->revision = text_arg(fcinfo, a->revision, "revision");
	f->task = text_arg(fcinfo, a->task, "task");
	f->custom_image = object_arg(fcinfo, a->custom_image, "custom_image", false);
	f->container_command = string_list_arg(fcinfo, a->container_command, "container_command");
	f->container_args = string_list_arg(fcinfo, a->container_args, "container_args");
	f->env = object_arg(fcinfo, a->env, "env", true);
	f->secrets = object_arg(fcinfo, a->secrets, "secrets", true);
	*from_mapping = mapping_secret_names_arg(fcinfo, a->secrets_from_mapping, f->secrets);
	f->domain = raw_text_arg(fcinfo, a->domain);
	f->path = raw_text_arg(fcinfo, a->path);
	f->has_cache_http_responses = !PG_ARGISNULL(a->cache_http_responses);
	if (f->has_cache_http_responses)
		f->cache_http_responses = PG_GETARG_BOOL(a->cache_http_responses);
	f->tags = string_list_arg(fcinfo, a->tags, "tags");

	check_word("accelerator", f->accelerator);
	check_word("instance_size", f->instance_size);
	check_word("instance_type", f->instance_type);
	check_word("framework", f->framework);
	check_word("task", f->task);
	if (f->has_min_replica && f->has_max_replica && f->min_replica > f->max_replica)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_replica (%d) must not be greater than max_replica (%d)",
						f->min_replica, f->max_replica)));
	check_choice("scaling metric", f->scaling_metric, scaling_metrics,
				 "Valid scaling metrics are \"pendingRequests\" and \"hardwareUsage\".");
	if (f->has_scaling_threshold && f->scaling_metric == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("scaling_threshold needs a scaling_metric"),
				 errhint("Pass scaling_metric => 'pendingRequests' or 'hardwareUsage' with it.")));
	if (f->has_scaling_threshold && !isfinite(f->scaling_threshold))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("scaling_threshold must be a finite number")));
	check_custom_image(f->custom_image);
}

/* Add the values of secrets_from_mapping to f->secrets, read now. */
static void
add_mapping_secrets(HfeEndpointFields *f, const HfeServer *server,
					const HfeStringList *names)
{
	if (names != NULL)
		hfe_api_add_secrets(f, names->n, names->items,
							hfe_mapping_secrets(server, names->n, names->items));
}

/*
 * An interval argument in milliseconds, rounded away from zero so that a
 * positive interval stays positive; false when NULL.  Months count as 30
 * days, and anything beyond some 30,000 years as that much.
 */
static bool
interval_ms_arg(FunctionCallInfo fcinfo, int argno, int64 *ms)
{
	Interval   *iv;
	double		usecs;

	if (PG_ARGISNULL(argno))
		return false;
	iv = PG_GETARG_INTERVAL_P(argno);
	usecs = (double) iv->time + (double) iv->day * USECS_PER_DAY +
		(double) iv->month * DAYS_PER_MONTH * USECS_PER_DAY;
	usecs = Min(usecs, 1e18);
	*ms = (int64) (usecs < 0 ? floor(usecs / 1000.0) : ceil(usecs / 1000.0));
	return true;
}

/* ----------------------------------------------------------------
 * Results: the endpoint row and materialized sets
 * ----------------------------------------------------------------
 */

static Datum
text_datum(const char *s, bool *isnull)
{
	*isnull = (s == NULL);
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

/* The API sends 0, 3 or 9 fractional digits; timestamptz_in takes all. */
static Datum
timestamptz_datum(const char *s, bool *isnull)
{
	*isnull = (s == NULL);
	if (s == NULL)
		return (Datum) 0;
	return DirectFunctionCall3(timestamptz_in, CStringGetDatum(s),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

static void
endpoint_values(const HfeEndpoint *ep, Datum *values, bool *nulls)
{
	int			i = 0;

	values[i] = text_datum(ep->name, &nulls[i]), i++;
	values[i] = text_datum(ep->namespace, &nulls[i]), i++;
	values[i] = text_datum(ep->repository, &nulls[i]), i++;
	values[i] = text_datum(ep->revision, &nulls[i]), i++;
	values[i] = text_datum(ep->task, &nulls[i]), i++;
	values[i] = text_datum(ep->framework, &nulls[i]), i++;
	values[i] = text_datum(ep->status, &nulls[i]), i++;
	values[i] = text_datum(ep->url, &nulls[i]), i++;
	values[i] = text_datum(ep->type, &nulls[i]), i++;
	values[i] = text_datum(ep->accelerator, &nulls[i]), i++;
	values[i] = text_datum(ep->vendor, &nulls[i]), i++;
	values[i] = text_datum(ep->region, &nulls[i]), i++;
	values[i] = text_datum(ep->instance_type, &nulls[i]), i++;
	values[i] = text_datum(ep->instance_size, &nulls[i]), i++;
	nulls[i] = !ep->has_min_replica;
	values[i++] = Int32GetDatum(ep->min_replica);
	nulls[i] = !ep->has_max_replica;
	values[i++] = Int32GetDatum(ep->max_replica);
	nulls[i] = !ep->has_scale_to_zero_timeout;
	values[i++] = Int32GetDatum(ep->scale_to_zero_timeout);
	values[i] = text_datum(ep->health_route, &nulls[i]), i++;
	values[i] = text_datum(ep->message, &nulls[i]), i++;
	values[i] = timestamptz_datum(ep->created_at, &nulls[i]), i++;
	values[i] = timestamptz_datum(ep->updated_at, &nulls[i]), i++;
	nulls[i] = false;
	values[i++] = DirectFunctionCall1(jsonb_in, CStringGetDatum(hfe_json_print(ep->raw)));
	Assert(i == ENDPOINT_NATTS);
}

static void
check_natts(TupleDesc tupdesc, int natts)
{
	if (tupdesc->natts != natts)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("the result type of this hfendpoints function has %d columns, expected %d",
						tupdesc->natts, natts),
				 errhint("The installed SQL objects do not match the library; run ALTER EXTENSION hfendpoints UPDATE.")));
}

/* The endpoint as the function's composite result. */
Datum
hfe_endpoint_datum(FunctionCallInfo fcinfo, const HfeEndpoint *ep)
{
	TupleDesc	tupdesc;
	Datum		values[ENDPOINT_NATTS];
	bool		nulls[ENDPOINT_NATTS];

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	check_natts(tupdesc, ENDPOINT_NATTS);
	tupdesc = BlessTupleDesc(tupdesc);
	endpoint_values(ep, values, nulls);
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

/* A set-returning function's result, filled all at once. */
typedef struct MaterializedSet
{
	Tuplestorestate *store;
	TupleDesc	tupdesc;
} MaterializedSet;

static MaterializedSet
begin_materialized_set(FunctionCallInfo fcinfo, int natts)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MaterializedSet set;
	MemoryContext oldcxt;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("materialize mode required, but it is not allowed in this context")));

	oldcxt = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	if (get_call_result_type(fcinfo, NULL, &set.tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	check_natts(set.tupdesc, natts);
	set.tupdesc = CreateTupleDescCopy(set.tupdesc);
	set.store = tuplestore_begin_heap(rsinfo->allowedModes & SFRM_Materialize_Random,
									  false, work_mem);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = set.store;
	rsinfo->setDesc = set.tupdesc;
	MemoryContextSwitchTo(oldcxt);
	return set;
}

/* ----------------------------------------------------------------
 * Operations
 * ----------------------------------------------------------------
 */

static char *
endpoint_path(const char *namespace, const char *name, const char *suffix)
{
	return psprintf("/endpoint/%s/%s%s", namespace, name, suffix);
}

/* POST an action with an empty body (pause, resume, scale-to-zero). */
static HfeHttpRequest *
post_action(const HfeServer *server, const char *namespace, const char *name,
			const char *verb)
{
	return hfe_api_send(server, "POST",
						endpoint_path(namespace, name, psprintf("/%s", verb)), NULL);
}

static HfeEndpoint *
pause_endpoint(const HfeServer *server, const char *namespace, const char *name)
{
	char	   *action = psprintf("pause endpoint \"%s\"", name);
	HfeHttpRequest *req = post_action(server, namespace, name, "pause");

	return hfe_endpoint_from_json(hfe_api_result(req, action), namespace, action);
}

static HfeEndpoint *
scale_endpoint_to_zero(const HfeServer *server, const char *namespace,
					   const char *name)
{
	char	   *action = psprintf("scale endpoint \"%s\" to zero", name);
	HfeHttpRequest *req = post_action(server, namespace, name, "scale-to-zero");

	return hfe_endpoint_from_json(hfe_api_result(req, action), namespace, action);
}

/*
 * Resume.  The service answers 400 "... already running" for a running
 * endpoint; with running_ok that is success, and the endpoint is read
 * back, as huggingface_hub does (doc/protocol.md §2.4).
 */
static HfeEndpoint *
resume_endpoint(const HfeServer *server, const char *namespace,
				const char *name, bool running_ok)
{
	char	   *action = psprintf("resume endpoint \"%s\"", name);
	HfeHttpRequest *req = post_action(server, namespace, name, "resume");

	if (req->curl_code == CURLE_OK && req->status == 400 &&
		strstr(req->response, "already running") != NULL)
	{
		if (running_ok)
			return hfe_api_get_endpoint(server, namespace, name, false);
		raise_with_hint(req, action, "Pass running_ok => true to accept an endpoint that is already running.");
	}
	return hfe_endpoint_from_json(hfe_api_result(req, action), namespace, action);
}

/*
 * GET {url}/{healthRoute} with the token, once, as huggingface_hub's
 * wait() does; only HTTP 200 means ready.  A failure is not an error here:
 * the endpoint is simply not ready yet.  The probe never outlives the
 * wait's deadline by much.
 */
static bool
endpoint_is_healthy(const HfeServer *server, const HfeEndpoint *ep,
					TimestampTz deadline)
{
	char	   *url = hfe_url_with_path(ep->url, ep->health_route ? ep->health_route : "");
	HfeHttpRequest *req;

	/*
	 * The probe carries the token: the URL the control plane gave must pass
	 * the server's rules, as an inference URL does.
	 */
	hfe_check_inference_url(server, url);
	req = hfe_http_request("GET", url, server->token);
	hfe_tag_request(req, server->serverid, psprintf("%s/%s", ep->namespace, ep->name));
	req->no_retry = true;
	if (deadline != 0)
		req->timeout_ms = (int) Min((int64) hfe_request_timeout_ms,
									Max((deadline - GetCurrentTimestamp()) / 1000, 1000));
	hfe_http_perform(req);
	if (req->curl_code == CURLE_OK && req->status == 200)
		return true;
	elog(DEBUG1, "hfendpoints: endpoint \"%s\" is running but not healthy yet: %s",
		 hfe_sanitize_remote_text(ep->name, strlen(ep->name), 100, server->token),
		 hfe_failure_line(hfe_request_failure(req)));
	return false;
}

typedef struct WaitCheck
{
	const HfeServer *server;
	const char *name;
} WaitCheck;

/*
 * One look of wait_endpoint: failed states raise, running and healthy is
 * ready, anything else is looked at again until the timeout.
 */
static bool
wait_check(const HfeEndpoint *ep, const HfePollLook *look, void *arg)
{
	WaitCheck  *w = (WaitCheck *) arg;
	const char *token = w->server->token;
	bool		running = strcmp(ep->status, "running") == 0 && ep->url != NULL;
	/* the service's words, cleaned, the token masked should it echo it */
	char	   *status = hfe_sanitize_remote_text(ep->status, strlen(ep->status), 40, token);
	char	   *message = ep->message == NULL ? NULL :
		hfe_sanitize_remote_text(ep->message, strlen(ep->message), 500, token);
	const char *hint = NULL;

	if (strcmp(ep->status, "failed") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("endpoint \"%s\" failed to deploy", w->name),
				 message ? errdetail("The service said: %s", message) : 0,
				 errhint("Read its logs with SELECT hfendpoints.endpoint_logs(%s); then fix it with hfendpoints.update_endpoint(), or delete it and create it again.",
						 quote_literal_cstr(w->name))));
	if (strcmp(ep->status, "updateFailed") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("endpoint \"%s\" failed to update", w->name),
				 message ? errdetail("The service said: %s", message) : 0,
				 errhint("Read its logs with SELECT hfendpoints.endpoint_logs(%s); then update it again with hfendpoints.update_endpoint().",
						 quote_literal_cstr(w->name))));
	if (running && endpoint_is_healthy(w->server, ep, look->deadline))
		return true;
	if (!look->last)
		return false;

	if (strcmp(ep->status, "paused") == 0)
		hint = "A paused endpoint does not start on its own: resume it with hfendpoints.resume_endpoint().";
	else if (strcmp(ep->status, "scaledToZero") == 0)
		hint = "An endpoint scaled to zero starts again when it receives a request or is resumed.";
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("timed out waiting for endpoint \"%s\" to be ready", w->name),
			 running ?
			 errdetail("The endpoint is running, but its health route does not answer with HTTP 200.") :
			 errdetail("The endpoint's status is \"%s\".", status),
			 hint ? errhint("%s", hint) : 0));
	return false;				/* keep compiler quiet */
}

/*
 * Wait until the endpoint is running and its health route answers 200, as
 * huggingface_hub's InferenceEndpoint.wait() (doc/protocol.md §3.5),
 * looking every refresh_ms; timeout_ms < 0 waits for ever.
 */
static HfeEndpoint *
wait_for_endpoint(const HfeServer *server, const char *namespace,
				  const char *name, int64 timeout_ms, int64 refresh_ms)
{
	WaitCheck	w = {server, name};

	return hfe_poll_endpoint(server, namespace, name, false, timeout_ms,
							 refresh_ms, refresh_ms, wait_check, &w);
}

/* Append the endpoints of one namespace to set; see list_endpoints. */
static void
list_namespace(MaterializedSet *set, const HfeServer *server,
			   const char *namespace, bool skip_http_errors)
{
	char	   *action = psprintf("list endpoints in namespace \"%s\"", namespace);
	HfeHttpRequest *req;
	cJSON	   *json;
	const cJSON *items;
	cJSON	   *item;

	hfe_check_namespace(namespace);
	req = hfe_api_send(server, "GET", psprintf("/endpoint/%s", namespace), NULL);
	if (skip_http_errors && req->curl_code == CURLE_OK && !req->response_too_large &&
		!hfe_http_ok(req))
	{
		elog(DEBUG1, "hfendpoints: skipping namespace \"%s\": %s",
			 namespace, hfe_failure_line(hfe_request_failure(req)));
		return;
	}
	json = hfe_api_result(req, action);
	items = cJSON_GetObjectItemCaseSensitive(json, "items");
	if (!cJSON_IsArray(items))
		hfe_raise_bad_response(action, "the response has no \"items\" array");
	cJSON_ArrayForEach(item, items)
	{
		HfeEndpoint *ep = hfe_endpoint_from_json(item, namespace, action);
		Datum		values[ENDPOINT_NATTS];
		bool		nulls[ENDPOINT_NATTS];

		endpoint_values(ep, values, nulls);
		tuplestore_putvalues(set->store, set->tupdesc, values, nulls);
	}
}

/* ----------------------------------------------------------------
 * SQL functions
 * ----------------------------------------------------------------
 */

/* The namespace argument, resolved (argument, user mapping, whoami). */
static char *
namespace_arg(FunctionCallInfo fcinfo, int argno, const HfeServer *server)
{
	return hfe_resolve_namespace(server, raw_text_arg(fcinfo, argno));
}

static char *
name_arg(FunctionCallInfo fcinfo, int argno)
{
	char	   *name;

	if (PG_ARGISNULL(argno))
		raise_null_argument("name");
	name = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	hfe_check_endpoint_name(name);
	return name;
}

PG_FUNCTION_INFO_V1(hfendpoints_whoami);
Datum
hfendpoints_whoami(PG_FUNCTION_ARGS)
{
	HfeServer  *server = hfe_server_get(true);
	cJSON	   *me = hfe_whoami(server);

	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(hfe_json_print(me))));
}

/*
 * create_endpoint(name, repository, framework, accelerator, instance_size,
 * instance_type, region, vendor, namespace, task, revision, type,
 * min_replica, max_replica, scale_to_zero_timeout, custom_image,
 * container_command, container_args, env, secrets, domain, path,
 * cache_http_responses, tags, account_id, scaling_metric, scaling_threshold,
 * secrets_from_mapping)
 */
static const FieldArgs create_args = {
	.repository = 1, .framework = 2, .accelerator = 3, .instance_size = 4,
	.instance_type = 5, .task = 9, .revision = 10, .min_replica = 12,
	.max_replica = 13, .scale_to_zero_timeout = 14, .custom_image = 15,
	.container_command = 16, .container_args = 17, .env = 18, .secrets = 19,
	.domain = 20, .path = 21, .cache_http_responses = 22, .tags = 23,
	.scaling_metric = 25, .scaling_threshold = 26, .secrets_from_mapping = 27
};

PG_FUNCTION_INFO_V1(hfendpoints_create_endpoint);
Datum
hfendpoints_create_endpoint(PG_FUNCTION_ARGS)
{
	HfeEndpointFields f = {0};
	HfeStringList *from_mapping;
	HfeServer  *server;
	char	   *namespace;
	char	   *action;
	char	   *body;
	HfeHttpRequest *req;

	f.name = name_arg(fcinfo, 0);
	read_fields(fcinfo, &create_args, &f, &from_mapping);
	f.region = required_text_arg(fcinfo, 6, "region");
	f.vendor = required_text_arg(fcinfo, 7, "vendor");
	f.type = PG_ARGISNULL(11) ? "authenticated" : text_arg(fcinfo, 11, "type");
	f.account_id = text_arg(fcinfo, 24, "account_id");
	if (f.repository == NULL)
		raise_null_argument("repository");
	if (f.framework == NULL)
		raise_null_argument("framework");
	if (f.accelerator == NULL)
		raise_null_argument("accelerator");
	if (f.instance_size == NULL)
		raise_null_argument("instance_size");
	if (f.instance_type == NULL)
		raise_null_argument("instance_type");
	check_word("region", f.region);
	check_word("vendor", f.vendor);
	check_choice("endpoint type", f.type, endpoint_types,
				 "Valid types are \"public\", \"protected\", \"authenticated\" and \"private\".");
	/* huggingface_hub's defaults: one replica, no scaling to zero */
	if (!f.has_min_replica)
		f.min_replica = 1;
	if (!f.has_max_replica)
		f.max_replica = 1;
	if (f.min_replica > f.max_replica)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_replica (%d) must not be greater than max_replica (%d)",
						f.min_replica, f.max_replica)));

	server = hfe_server_get(true);
	namespace = namespace_arg(fcinfo, 8, server);
	add_mapping_secrets(&f, server, from_mapping);
	action = psprintf("create endpoint \"%s\"", f.name);
	body = hfe_api_create_body(&f);
	req = hfe_api_send(server, "POST", psprintf("/endpoint/%s", namespace), body);
	explicit_bzero(body, strlen(body));		/* it may hold secrets */
	if (req->curl_code == CURLE_OK && req->status == 409)
		raise_with_hint(req, action, "Choose another name, or delete the existing endpoint with hfendpoints.delete_endpoint().");
	PG_RETURN_DATUM(hfe_endpoint_datum(fcinfo,
								   hfe_endpoint_from_json(hfe_api_result(req, action),
														  namespace, action)));
}

/* A function of (name, namespace) that returns the endpoint after op. */
static Datum
endpoint_operation(FunctionCallInfo fcinfo,
				   HfeEndpoint *(*op) (const HfeServer *, const char *, const char *))
{
	char	   *name = name_arg(fcinfo, 0);
	HfeServer  *server = hfe_server_get(true);
	char	   *namespace = namespace_arg(fcinfo, 1, server);

	return hfe_endpoint_datum(fcinfo, op(server, namespace, name));
}

static HfeEndpoint *
get_existing_endpoint(const HfeServer *server, const char *namespace, const char *name)
{
	return hfe_api_get_endpoint(server, namespace, name, false);
}

PG_FUNCTION_INFO_V1(hfendpoints_get_endpoint);
Datum
hfendpoints_get_endpoint(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(endpoint_operation(fcinfo, get_existing_endpoint));
}

/*
 * list_endpoints(namespace).  '*' lists the user's own namespace, then
 * each organization whoami names, in that order; an organization that
 * answers with an HTTP error (no billing, no access) is skipped, as
 * huggingface_hub does.
 */
PG_FUNCTION_INFO_V1(hfendpoints_list_endpoints);
Datum
hfendpoints_list_endpoints(PG_FUNCTION_ARGS)
{
	char	   *arg = raw_text_arg(fcinfo, 0);
	HfeServer  *server = hfe_server_get(true);
	MaterializedSet set = begin_materialized_set(fcinfo, ENDPOINT_NATTS);

	if (arg != NULL && strcmp(arg, "*") == 0)
	{
		cJSON	   *me = hfe_whoami(server);
		const cJSON *org;

		list_namespace(&set, server, hfe_whoami_namespace(server), false);
		cJSON_ArrayForEach(org, cJSON_GetObjectItemCaseSensitive(me, "orgs"))
		{
			const char *orgname = hfe_json_string(org, "name");

			if (orgname == NULL)
				continue;
			hfe_check_remote_namespace(server, orgname, "look up the token's user (whoami)");
			list_namespace(&set, server, orgname, true);
		}
	}
	else
		list_namespace(&set, server, hfe_resolve_namespace(server, arg), false);

	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(hfendpoints_pause_endpoint);
Datum
hfendpoints_pause_endpoint(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(endpoint_operation(fcinfo, pause_endpoint));
}

PG_FUNCTION_INFO_V1(hfendpoints_resume_endpoint);
Datum
hfendpoints_resume_endpoint(PG_FUNCTION_ARGS)
{
	char	   *name = name_arg(fcinfo, 0);
	bool		running_ok = PG_ARGISNULL(2) ? true : PG_GETARG_BOOL(2);
	HfeServer  *server = hfe_server_get(true);
	char	   *namespace = namespace_arg(fcinfo, 1, server);

	PG_RETURN_DATUM(hfe_endpoint_datum(fcinfo,
								   resume_endpoint(server, namespace, name, running_ok)));
}

PG_FUNCTION_INFO_V1(hfendpoints_scale_to_zero_endpoint);
Datum
hfendpoints_scale_to_zero_endpoint(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(endpoint_operation(fcinfo, scale_endpoint_to_zero));
}

/*
 * update_endpoint(name, namespace, accelerator, instance_size,
 * instance_type, min_replica, max_replica, scale_to_zero_timeout,
 * scaling_metric, scaling_threshold, repository, framework, revision, task,
 * custom_image, container_command, container_args, env, secrets, domain,
 * path, cache_http_responses, tags, secrets_from_mapping)
 */
static const FieldArgs update_args = {
	.accelerator = 2, .instance_size = 3, .instance_type = 4,
	.min_replica = 5, .max_replica = 6, .scale_to_zero_timeout = 7,
	.scaling_metric = 8, .scaling_threshold = 9, .repository = 10,
	.framework = 11, .revision = 12, .task = 13, .custom_image = 14,
	.container_command = 15, .container_args = 16, .env = 17, .secrets = 18,
	.domain = 19, .path = 20, .cache_http_responses = 21, .tags = 22,
	.secrets_from_mapping = 23
};

PG_FUNCTION_INFO_V1(hfendpoints_update_endpoint);
Datum
hfendpoints_update_endpoint(PG_FUNCTION_ARGS)
{
	HfeEndpointFields f = {0};
	HfeStringList *from_mapping;
	char	   *name = name_arg(fcinfo, 0);
	HfeServer  *server;
	char	   *namespace;
	char	   *action;
	char	   *body;
	HfeHttpRequest *req;
	bool		any = false;

	read_fields(fcinfo, &update_args, &f, &from_mapping);
	for (int i = 2; i < PG_NARGS(); i++)
		any |= !PG_ARGISNULL(i);
	if (!any)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("update_endpoint needs at least one field to change"),
				 errhint("Pass the fields to change as named arguments, such as min_replica => 0.")));

	server = hfe_server_get(true);
	namespace = namespace_arg(fcinfo, 1, server);
	add_mapping_secrets(&f, server, from_mapping);
	action = psprintf("update endpoint \"%s\"", name);
	body = hfe_api_update_body(&f);
	req = hfe_api_send(server, "PUT", endpoint_path(namespace, name, ""), body);
	explicit_bzero(body, strlen(body));		/* it may hold secrets */
	PG_RETURN_DATUM(hfe_endpoint_datum(fcinfo,
								   hfe_endpoint_from_json(hfe_api_result(req, action),
														  namespace, action)));
}

PG_FUNCTION_INFO_V1(hfendpoints_delete_endpoint);
Datum
hfendpoints_delete_endpoint(PG_FUNCTION_ARGS)
{
	char	   *name = name_arg(fcinfo, 0);
	HfeServer  *server = hfe_server_get(true);
	char	   *namespace = namespace_arg(fcinfo, 1, server);
	HfeHttpRequest *req;

	req = hfe_api_send(server, "DELETE", endpoint_path(namespace, name, ""), NULL);
	/*
	 * any 2xx is success; the body ({} or nothing) is not read
	 * (doc/protocol.md §7.8)
	 */
	if (!hfe_http_ok(req))
		hfe_raise_request_failure(req, psprintf("delete endpoint \"%s\"", name));
	PG_RETURN_VOID();
}

/* wait_endpoint(name, namespace, timeout, refresh_every) */
PG_FUNCTION_INFO_V1(hfendpoints_wait_endpoint);
Datum
hfendpoints_wait_endpoint(PG_FUNCTION_ARGS)
{
	char	   *name = name_arg(fcinfo, 0);
	int64		timeout_ms = -1;
	int64		refresh_ms = 0;
	HfeServer  *server;
	char	   *namespace;

	if (interval_ms_arg(fcinfo, 2, &timeout_ms) && timeout_ms < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("timeout must not be negative"),
				 errhint("Leave timeout NULL to wait for as long as it takes.")));
	if (!interval_ms_arg(fcinfo, 3, &refresh_ms))
		raise_null_argument("refresh_every");
	if (refresh_ms <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("refresh_every must be positive")));

	server = hfe_server_get(true);
	namespace = namespace_arg(fcinfo, 1, server);
	PG_RETURN_DATUM(hfe_endpoint_datum(fcinfo,
								   wait_for_endpoint(server, namespace, name,
													 timeout_ms, refresh_ms)));
}

/* One member of a hardware entry as a datum; wrong types are the service's fault. */
static Datum
hardware_number(const cJSON *compute, const char *key, bool as_int,
				bool *isnull, const char *action)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(compute, key);

	*isnull = (item == NULL || cJSON_IsNull(item));
	if (*isnull)
		return (Datum) 0;
	if (!cJSON_IsNumber(item))
		hfe_raise_bad_response(action, psprintf("field \"%s\" of a compute is not a number", key));
	/* range first: casting an out-of-range double to int is undefined */
	if (as_int && !(item->valuedouble >= PG_INT32_MIN && item->valuedouble <= PG_INT32_MAX))
		hfe_raise_bad_response(action, psprintf("field \"%s\" of a compute is out of range for an integer",
												key));
	return as_int ? Int32GetDatum((int32) item->valuedouble) : Float8GetDatum(item->valuedouble);
}

static Datum
hardware_string(const cJSON *obj, const char *key, bool *isnull)
{
	return text_datum(hfe_json_string(obj, key), isnull);
}

/*
 * list_hardware(namespace): one row per compute of R9's vendor / region /
 * compute tree, in the service's order (doc/protocol.md §2.5).
 */
PG_FUNCTION_INFO_V1(hfendpoints_list_hardware);
Datum
hfendpoints_list_hardware(PG_FUNCTION_ARGS)
{
	HfeServer  *server = hfe_server_get(true);
	char	   *namespace = namespace_arg(fcinfo, 0, server);
	TupleDesc	declared;
	int			natts;
	MaterializedSet set;
	char	   *action = psprintf("list hardware for namespace \"%s\"", namespace);
	cJSON	   *json;
	const cJSON *vendors;
	const cJSON *vendor;

	/* a database still on 0.1.0 or 0.2.0 declares the first ten columns */
	if (get_call_result_type(fcinfo, NULL, &declared) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	natts = declared->natts == HARDWARE_NATTS_0_2 ? HARDWARE_NATTS_0_2 : HARDWARE_NATTS;
	set = begin_materialized_set(fcinfo, natts);

	json = hfe_api_result(hfe_api_send(server, "GET", psprintf("/provider/%s", namespace), NULL),
						  action);
	vendors = cJSON_GetObjectItemCaseSensitive(json, "vendors");
	if (!cJSON_IsArray(vendors))
		hfe_raise_bad_response(action, "the response has no \"vendors\" array");
	cJSON_ArrayForEach(vendor, vendors)
	{
		const cJSON *region;

		cJSON_ArrayForEach(region, cJSON_GetObjectItemCaseSensitive(vendor, "regions"))
		{
			const cJSON *compute;

			cJSON_ArrayForEach(compute, cJSON_GetObjectItemCaseSensitive(region, "computes"))
			{
				const cJSON *quota = cJSON_GetObjectItemCaseSensitive(compute, "quota");
				Datum		values[HARDWARE_NATTS];
				bool		nulls[HARDWARE_NATTS];
				int			i = 0;

				values[i] = hardware_string(vendor, "name", &nulls[i]), i++;
				values[i] = hardware_string(region, "name", &nulls[i]), i++;
				values[i] = hardware_string(compute, "accelerator", &nulls[i]), i++;
				values[i] = hardware_string(compute, "instanceType", &nulls[i]), i++;
				values[i] = hardware_string(compute, "instanceSize", &nulls[i]), i++;
				values[i] = hardware_number(compute, "numCpus", true, &nulls[i], action), i++;
				values[i] = hardware_number(compute, "memoryGb", false, &nulls[i], action), i++;
				values[i] = hardware_number(compute, "gpuMemoryGb", false, &nulls[i], action), i++;
				values[i] = hardware_number(compute, "pricePerHour", false, &nulls[i], action), i++;
				values[i] = hardware_string(compute, "status", &nulls[i]), i++;
				Assert(i == HARDWARE_NATTS_0_2);
				values[i] = hardware_string(compute, "id", &nulls[i]), i++;
				values[i] = hardware_number(compute, "numAccelerators", true, &nulls[i], action), i++;
				values[i] = hardware_string(compute, "architecture", &nulls[i]), i++;
				values[i] = hardware_number(quota, "maxAccelerators", true, &nulls[i], action), i++;
				values[i] = hardware_number(quota, "usedAccelerators", true, &nulls[i], action), i++;
				values[i] = hardware_string(vendor, "status", &nulls[i]), i++;
				values[i] = hardware_string(region, "label", &nulls[i]), i++;
				values[i] = hardware_string(region, "status", &nulls[i]), i++;
				Assert(i == HARDWARE_NATTS);
				tuplestore_putvalues(set.store, set.tupdesc, values, nulls);
			}
		}
	}
	return (Datum) 0;
}
