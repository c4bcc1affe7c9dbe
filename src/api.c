/*-------------------------------------------------------------------------
 *
 * api.c
 *		Client of the Inference Endpoints management API (doc/protocol.md
 *		§2-§3) and of the Hub's whoami (§1): sending requests, reading
 *		results, namespaces, and turning the endpoint JSON into an
 *		HfeEndpoint.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "utils/memutils.h"

#include "api.h"
#include "errors.h"
#include "guc.h"
#include "observer.h"

#define MAX_ENDPOINT_NAME 32
#define REDACTED "********"

HfeHttpRequest *
hfe_api_send(const HfeServer *server, const char *method, const char *path,
			 const char *body)
{
	return hfe_api_send_url(server, method, psprintf("%s%s", server->api_url, path), body);
}

HfeHttpRequest *
hfe_api_send_url(const HfeServer *server, const char *method, const char *url,
				 const char *body)
{
	HfeHttpRequest *req;

	req = hfe_http_request(method, url, server->token);
	hfe_tag_request(req, server->serverid, HFE_LABEL_MANAGEMENT_API);
	if (body != NULL)
		hfe_http_set_json_body(req, body);
	hfe_http_perform(req);
	return req;
}

cJSON *
hfe_api_result(HfeHttpRequest *req, const char *action)
{
	cJSON	   *json;

	if (!hfe_http_ok(req))
		hfe_raise_request_failure(req, action);

	/*
	 * The body's strings become text and jsonb values: it must be valid
	 * UTF-8, and is used from here on in the database encoding.
	 */
	if (!pg_verify_mbstr(PG_UTF8, req->response, req->response_len, true))
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("could not %s: the response is not valid UTF-8", action)));
	req->response = pg_any_to_server(req->response, req->response_len, PG_UTF8);
	req->response_len = strlen(req->response);

	json = hfe_json_parse(req->response, req->response_len);
	if (json == NULL)
		hfe_raise_bad_response(action, "the body is not valid JSON");
	/* whatever is read or returned from here on never holds the token */
	hfe_mask_secret_json(json, req->token);
	return json;
}

/*
 * whoami cache: the JSON text for one user mapping, in TopMemoryContext.
 * It is keyed by the mapping's OID, not by strings that hold the token, and
 * holds only what was learnt since the last change to a mapping or server
 * (hfe_credentials_generation): a new token or hub_url asks again.
 */
static Oid	whoami_umid = InvalidOid;
static uint64 whoami_generation;
static char *whoami_text = NULL;

cJSON *
hfe_whoami(const HfeServer *server)
{
	HfeHttpRequest *req;
	cJSON	   *json;

	if (whoami_text != NULL && OidIsValid(server->umid) &&
		whoami_umid == server->umid &&
		whoami_generation == hfe_credentials_generation)
		return hfe_json_parse(whoami_text, strlen(whoami_text));

	req = hfe_http_request("GET", psprintf("%s/api/whoami-v2", server->hub_url),
						   server->token);
	hfe_tag_request(req, server->serverid, HFE_LABEL_HUB);
	hfe_http_perform(req);
	json = hfe_api_result(req, "look up the token's user (whoami)");
	if (!cJSON_IsObject(json) || hfe_json_string(json, "name") == NULL)
		hfe_raise_bad_response("look up the token's user (whoami)",
							   "the response has no \"name\"");

	if (whoami_text != NULL)
	{
		pfree(whoami_text);
		whoami_text = NULL;
	}
	/* the answer as parsed, so with the token masked should it be echoed */
	whoami_text = MemoryContextStrdup(TopMemoryContext, hfe_json_print(json));
	whoami_umid = server->umid;
	whoami_generation = hfe_credentials_generation;
	return json;
}

char *
hfe_resolve_namespace(const HfeServer *server, const char *namespace)
{
	if (namespace != NULL)
	{
		hfe_check_namespace(namespace);
		return pstrdup(namespace);
	}
	if (server->namespace != NULL)
		return pstrdup(server->namespace);
	return hfe_whoami_namespace(server);
}

/*
 * As huggingface_hub's _get_namespace: the whoami user, if a user.  The
 * name goes in URL paths, so it is checked as a namespace given by the
 * caller would be.
 */
char *
hfe_whoami_namespace(const HfeServer *server)
{
	cJSON	   *me;
	const char *type;
	const char *name;

	me = hfe_whoami(server);
	type = hfe_json_string(me, "type");
	if (type != NULL && strcmp(type, "user") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot determine the default namespace: the token does not belong to a user"),
				 errdetail("The service says the token belongs to an account of type \"%s\".",
						   hfe_sanitize_remote_text(type, strlen(type), 40, server->token)),
				 errhint("Pass namespace => '...', or set one in the user mapping: ALTER USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (ADD namespace '...');",
						 server->servername)));
	name = hfe_json_string(me, "name");
	hfe_check_remote_namespace(server, name, "look up the token's user (whoami)");
	return pstrdup(name);
}

void
hfe_check_endpoint_name(const char *name)
{
	if (name == NULL || name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("endpoint name must not be empty")));
	if (strlen(name) > MAX_ENDPOINT_NAME)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("endpoint name \"%s\" is longer than %d characters",
						name, MAX_ENDPOINT_NAME)));
	for (const char *p = name; *p; p++)
	{
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid endpoint name \"%s\"", name),
					 errdetail("Endpoint names may contain only lowercase letters, digits and hyphens.")));
	}
}

typedef enum NamespaceCheck
{
	NAMESPACE_OK,
	NAMESPACE_EMPTY,
	NAMESPACE_DOTS,				/* "." and ".." would be path segments */
	NAMESPACE_BAD_CHARACTER
} NamespaceCheck;

/* The one rule for namespaces, whoever gave them. */
static NamespaceCheck
check_namespace(const char *namespace)
{
	if (namespace[0] == '\0')
		return NAMESPACE_EMPTY;
	if (strspn(namespace, ".") == strlen(namespace))
		return NAMESPACE_DOTS;
	for (const char *p = namespace; *p; p++)
	{
		if (!(isalnum((unsigned char) *p) || *p == '-' || *p == '_' || *p == '.'))
			return NAMESPACE_BAD_CHARACTER;
	}
	return NAMESPACE_OK;
}

void
hfe_check_namespace(const char *namespace)
{
	switch (check_namespace(namespace))
	{
		case NAMESPACE_OK:
			return;
		case NAMESPACE_EMPTY:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("namespace must not be empty")));
			break;
		case NAMESPACE_DOTS:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid namespace \"%s\"", namespace)));
			break;
		case NAMESPACE_BAD_CHARACTER:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid namespace \"%s\"", namespace),
					 errdetail("Namespaces may contain only letters, digits, \"-\", \"_\" and \".\".")));
			break;
	}
}

/*
 * A namespace the service named (whoami's user or organizations), before
 * it goes in a URL path: a bad one is the service's fault (08P01), and is
 * shown cleaned, as any remote text.
 */
void
hfe_check_remote_namespace(const HfeServer *server, const char *namespace,
						   const char *action)
{
	if (check_namespace(namespace) == NAMESPACE_OK)
		return;
	hfe_raise_bad_response(action,
						   psprintf("\"%s\" is not a valid namespace",
									hfe_sanitize_remote_text(namespace, strlen(namespace),
															 100, server->token)));
}

/*
 * Field readers for the endpoint object.  A field that is absent or null
 * reads as NULL; a field of the wrong JSON type is a protocol violation.
 */
typedef struct FieldReader
{
	cJSON	   *root;
	const char *action;
} FieldReader;

static void
wrong_type(FieldReader *r, const char *path, const char *expected)
{
	hfe_raise_bad_response(r->action,
						   psprintf("field \"%s\" of the endpoint is not %s", path, expected));
}

static char *
read_string(FieldReader *r, const char *path, bool required)
{
	const cJSON *item = hfe_json_path(r->root, path);

	if (item == NULL || cJSON_IsNull(item))
	{
		if (required)
			hfe_raise_bad_response(r->action,
								   psprintf("the endpoint has no \"%s\"", path));
		return NULL;
	}
	if (!cJSON_IsString(item))
		wrong_type(r, path, "a string");
	return pstrdup(item->valuestring);
}

static bool
read_int(FieldReader *r, const char *path, int *value)
{
	const cJSON *item = hfe_json_path(r->root, path);

	if (item == NULL || cJSON_IsNull(item))
		return false;
	/* range first: casting an out-of-range double to int is undefined */
	if (!cJSON_IsNumber(item) ||
		!(item->valuedouble >= PG_INT32_MIN && item->valuedouble <= PG_INT32_MAX) ||
		item->valuedouble != (double) (int) item->valuedouble)
		wrong_type(r, path, "an integer");
	*value = (int) item->valuedouble;
	return true;
}

/* The key of model.image, a one-key union (doc/protocol.md §3.2), or NULL. */
static char *
read_image_key(FieldReader *r)
{
	const cJSON *image = hfe_json_path(r->root, "model.image");

	if (!cJSON_IsObject(image) || image->child == NULL || image->child->string == NULL)
		return NULL;
	return pstrdup(image->child->string);
}

/*
 * An RFC 3339 timestamp (doc/protocol.md §7.1: 0 to 9 fractional digits).
 * Its shape is checked here, so that timestamptz input never sees anything
 * else, PostgreSQL's special values ("now", "infinity") included.
 */
static char *
read_timestamp(FieldReader *r, const char *path)
{
	char	   *s = read_string(r, path, false);
	const char *p = s;

	if (s == NULL)
		return NULL;
	/* the loop stops at a NUL: '\0' is neither a digit nor a separator */
	for (const char *f = "dddd-dd-ddTdd:dd:dd"; *f; f++, p++)
	{
		if (*f == 'd' ? !isdigit((unsigned char) *p) : *p != *f)
			wrong_type(r, path, "an RFC 3339 timestamp");
	}
	if (*p == '.' && isdigit((unsigned char) p[1]))
	{
		for (p++; isdigit((unsigned char) *p); p++)
			;
	}
	if (*p == 'Z')
		p++;
	else if ((*p == '+' || *p == '-') && isdigit((unsigned char) p[1]) &&
			 isdigit((unsigned char) p[2]) && p[3] == ':' &&
			 isdigit((unsigned char) p[4]) && isdigit((unsigned char) p[5]))
		p += 6;
	else
		wrong_type(r, path, "an RFC 3339 timestamp");	/* no time zone */
	if (*p != '\0')
		wrong_type(r, path, "an RFC 3339 timestamp");
	return s;
}

/* Every intermediate object on the paths we read must be an object. */
static void
check_objects(FieldReader *r)
{
	static const char *const objects[] = {
		"provider", "compute", "compute.scaling", "model", "status", NULL
	};

	if (!cJSON_IsObject(r->root))
		hfe_raise_bad_response(r->action, "the endpoint is not a JSON object");
	for (int i = 0; objects[i]; i++)
	{
		const cJSON *item = hfe_json_path(r->root, objects[i]);

		if (item != NULL && !cJSON_IsNull(item) && !cJSON_IsObject(item))
			wrong_type(r, objects[i], "an object");
	}
}

/*
 * Put a mask in place of item, a member of parent, under the same key.
 * cJSON_ReplaceItemViaPointer neither keeps the key nor survives a NULL
 * replacement, so the key is moved over here and a failed allocation is an
 * error: a secret must never stay in place.  item is freed.
 */
static void
redact_item(cJSON *parent, cJSON *item)
{
	cJSON	   *mask = cJSON_CreateString(REDACTED);

	if (mask == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while redacting an endpoint's secrets")));
	mask->string = item->string;
	mask->type |= item->type & cJSON_StringIsConst;
	item->string = NULL;
	cJSON_ReplaceItemViaPointer(parent, item, mask);
}

/* Replace every value of a string map by a mask, keeping the keys. */
static void
redact_map_values(cJSON *map)
{
	cJSON	   *item;
	cJSON	   *next;

	if (!cJSON_IsObject(map))
		return;
	for (item = map->child; item != NULL; item = next)
	{
		next = item->next;		/* item is freed when replaced */
		if (!cJSON_IsNull(item))
			redact_item(map, item);
	}
}

/* Is item the member called key?  Objects may repeat a key. */
static bool
member_is(const cJSON *item, const char *key)
{
	return item->string != NULL && strcmp(item->string, key) == 0;
}

/* Mask every non-empty password of every variant's credentials. */
static void
redact_image_passwords(cJSON *image)
{
	cJSON	   *variant;
	cJSON	   *creds;

	cJSON_ArrayForEach(variant, image)
	{
		if (!cJSON_IsObject(variant))
			continue;
		cJSON_ArrayForEach(creds, variant)
		{
			cJSON	   *pw;
			cJSON	   *next;

			if (!member_is(creds, "credentials") || !cJSON_IsObject(creds))
				continue;
			for (pw = creds->child; pw != NULL; pw = next)
			{
				next = pw->next;	/* pw is freed when replaced */
				if (member_is(pw, "password") && !cJSON_IsNull(pw) &&
					!(cJSON_IsString(pw) && pw->valuestring[0] == '\0'))
					redact_item(creds, pw);
			}
		}
	}
}

/*
 * Secrets never leave the extension: model.secrets values, and registry
 * passwords inside model.image.<variant>.credentials.  Every member with
 * one of these names is redacted, duplicates included, since jsonb keeps
 * the last of equal keys; a secrets member that is not an object is masked
 * whole, and so is a non-empty password of any type.
 */
static void
redact_secrets(cJSON *root)
{
	cJSON	   *model;

	cJSON_ArrayForEach(model, root)
	{
		cJSON	   *field;
		cJSON	   *next;

		if (!member_is(model, "model") || !cJSON_IsObject(model))
			continue;
		for (field = model->child; field != NULL; field = next)
		{
			next = field->next; /* field is freed when replaced */
			if (member_is(field, "secrets"))
			{
				if (cJSON_IsObject(field))
					redact_map_values(field);
				else if (!cJSON_IsNull(field))
					redact_item(model, field);
			}
			else if (member_is(field, "image") && cJSON_IsObject(field))
				redact_image_passwords(field);
		}
	}
}

HfeEndpoint *
hfe_endpoint_from_json(cJSON *obj, const char *namespace, const char *action)
{
	HfeEndpoint *ep = palloc0(sizeof(HfeEndpoint));
	FieldReader r = {obj, action};

	check_objects(&r);
	ep->name = read_string(&r, "name", true);
	ep->namespace = namespace ? pstrdup(namespace) : NULL;
	ep->repository = read_string(&r, "model.repository", true);
	ep->revision = read_string(&r, "model.revision", false);
	ep->task = read_string(&r, "model.task", false);
	ep->framework = read_string(&r, "model.framework", false);
	ep->image = read_image_key(&r);
	ep->status = read_string(&r, "status.state", true);
	ep->url = read_string(&r, "status.url", false);
	ep->type = read_string(&r, "type", false);
	ep->accelerator = read_string(&r, "compute.accelerator", false);
	ep->vendor = read_string(&r, "provider.vendor", false);
	ep->region = read_string(&r, "provider.region", false);
	ep->instance_type = read_string(&r, "compute.instanceType", false);
	ep->instance_size = read_string(&r, "compute.instanceSize", false);
	ep->has_min_replica = read_int(&r, "compute.scaling.minReplica", &ep->min_replica);
	ep->has_max_replica = read_int(&r, "compute.scaling.maxReplica", &ep->max_replica);
	ep->has_scale_to_zero_timeout = read_int(&r, "compute.scaling.scaleToZeroTimeout",
											 &ep->scale_to_zero_timeout);
	ep->health_route = read_string(&r, "healthRoute", false);
	ep->message = read_string(&r, "status.message", false);
	ep->created_at = read_timestamp(&r, "status.createdAt");
	ep->updated_at = read_timestamp(&r, "status.updatedAt");
	redact_secrets(obj);
	ep->raw = obj;
	return ep;
}

HfeEndpoint *
hfe_api_get_endpoint(const HfeServer *server, const char *namespace,
					 const char *name, bool missing_ok)
{
	char	   *action = psprintf("get endpoint \"%s\"", name);
	HfeHttpRequest *req;

	hfe_check_endpoint_name(name);
	req = hfe_api_send(server, "GET",
					   psprintf("/endpoint/%s/%s", namespace, name), NULL);
	if (missing_ok && req->curl_code == CURLE_OK && req->status == 404)
		return NULL;
	return hfe_endpoint_from_json(hfe_api_result(req, action), namespace, action);
}

/*
 * Request bodies of create (doc/protocol.md §2.1) and update (§2.2), key
 * for key as huggingface_hub builds them.  Every node is checked as it is
 * made: our cJSON allocator returns NULL rather than throwing when memory
 * runs out.
 */
static cJSON *
json_checked(cJSON *item)
{
	if (item == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while building a JSON document")));
	return item;
}

static cJSON *
json_add(cJSON *obj, const char *key, cJSON *item)
{
	json_checked(item);
	if (!cJSON_AddItemToObject(obj, key, item))
		json_checked(NULL);
	return item;
}

/* The member "key" of parent, created empty on first use. */
static cJSON *
json_child(cJSON *parent, const char *key)
{
	cJSON	   *child = cJSON_GetObjectItemCaseSensitive(parent, key);

	return child ? child : json_add(parent, key, cJSON_CreateObject());
}

static cJSON *
json_string_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

/* Integers go out as their decimal text, never through a double. */
static cJSON *
json_int(int64 value)
{
	char		buf[32];

	snprintf(buf, sizeof(buf), INT64_FORMAT, value);
	return cJSON_CreateRaw(buf);
}

static cJSON *
json_string_list(const HfeStringList *list)
{
	cJSON	   *array = json_checked(cJSON_CreateArray());

	for (int i = 0; i < list->n; i++)
	{
		if (!cJSON_AddItemToArray(array, json_checked(cJSON_CreateString(list->items[i]))))
			json_checked(NULL);
	}
	return array;
}

/*
 * model.image from the user's custom_image: a flat container description
 * (it has a top-level "url") is wrapped as {"custom": ...}; anything else
 * is already keyed by variant and goes as it is, so that variants the API
 * adds later work unchanged (huggingface_hub _build_endpoint_image_payload).
 */
static cJSON *
image_payload(cJSON *custom_image)
{
	cJSON	   *wrapped;

	if (cJSON_GetObjectItemCaseSensitive(custom_image, "url") == NULL)
		return custom_image;
	wrapped = json_checked(cJSON_CreateObject());
	json_add(wrapped, "custom", custom_image);
	return wrapped;
}

/* compute.scaling.measure = {<metric>: <threshold or null>} */
static void
add_measure(cJSON *scaling, const HfeEndpointFields *f)
{
	cJSON	   *measure = json_add(scaling, "measure", cJSON_CreateObject());

	json_add(measure, f->scaling_metric,
			 f->has_scaling_threshold ? cJSON_CreateNumber(f->scaling_threshold) :
			 cJSON_CreateNull());
}

/* route, cacheHttpResponses and tags: the same rule in create and update */
static void
add_route_cache_tags(cJSON *body, const HfeEndpointFields *f)
{
	if (f->domain != NULL)
		json_add(json_child(body, "route"), "domain", cJSON_CreateString(f->domain));
	if (f->path != NULL)
		json_add(json_child(body, "route"), "path", cJSON_CreateString(f->path));
	if (f->has_cache_http_responses)
		json_add(body, "cacheHttpResponses", cJSON_CreateBool(f->cache_http_responses));
	if (f->tags != NULL)
		json_add(body, "tags", json_string_list(f->tags));
}

/* model.command and model.args, sent whenever given, even empty */
static void
add_command_args(cJSON *model, const HfeEndpointFields *f)
{
	if (f->container_command != NULL)
		json_add(model, "command", json_string_list(f->container_command));
	if (f->container_args != NULL)
		json_add(model, "args", json_string_list(f->container_args));
}

void
hfe_api_add_secrets(HfeEndpointFields *f, int n, char *const *names,
					char *const *values)
{
	if (f->secrets == NULL)
		f->secrets = json_checked(cJSON_CreateObject());
	for (int i = 0; i < n; i++)
		json_add(f->secrets, names[i], cJSON_CreateString(values[i]));
}

/*
 * Create: accountId, model.revision and compute.scaling.scaleToZeroTimeout
 * are always sent, null when not given; task only when given (the API
 * rejects a null task); env and secrets only when not empty; measure only
 * with a scaling metric; the image defaults to {"huggingface": {}}.
 */
char *
hfe_api_create_body(HfeEndpointFields *f)
{
	cJSON	   *body = json_checked(cJSON_CreateObject());
	cJSON	   *compute;
	cJSON	   *scaling;
	cJSON	   *model;
	cJSON	   *provider;
	cJSON	   *image;

	json_add(body, "accountId", json_string_or_null(f->account_id));
	compute = json_add(body, "compute", cJSON_CreateObject());
	json_add(compute, "accelerator", cJSON_CreateString(f->accelerator));
	json_add(compute, "instanceSize", cJSON_CreateString(f->instance_size));
	json_add(compute, "instanceType", cJSON_CreateString(f->instance_type));
	scaling = json_add(compute, "scaling", cJSON_CreateObject());
	json_add(scaling, "maxReplica", json_int(f->max_replica));
	json_add(scaling, "minReplica", json_int(f->min_replica));
	json_add(scaling, "scaleToZeroTimeout",
			 f->has_scale_to_zero_timeout ? json_int(f->scale_to_zero_timeout) :
			 cJSON_CreateNull());
	if (f->scaling_metric != NULL)
		add_measure(scaling, f);

	model = json_add(body, "model", cJSON_CreateObject());
	json_add(model, "framework", cJSON_CreateString(f->framework));
	json_add(model, "repository", cJSON_CreateString(f->repository));
	json_add(model, "revision", json_string_or_null(f->revision));
	if (f->custom_image != NULL)
		image = image_payload(f->custom_image);
	else
	{
		image = json_checked(cJSON_CreateObject());
		json_add(image, "huggingface", cJSON_CreateObject());
	}
	json_add(model, "image", image);
	if (f->task != NULL)
		json_add(model, "task", cJSON_CreateString(f->task));
	add_command_args(model, f);
	if (f->env != NULL && cJSON_GetArraySize(f->env) > 0)
		json_add(model, "env", f->env);
	if (f->secrets != NULL && cJSON_GetArraySize(f->secrets) > 0)
		json_add(model, "secrets", f->secrets);

	json_add(body, "name", cJSON_CreateString(f->name));
	provider = json_add(body, "provider", cJSON_CreateObject());
	json_add(provider, "region", cJSON_CreateString(f->region));
	json_add(provider, "vendor", cJSON_CreateString(f->vendor));
	json_add(body, "type", cJSON_CreateString(f->type));
	add_route_cache_tags(body, f);

	return hfe_json_print(body);
}

/*
 * Update: a sparse body holding only the fields given, nested objects made
 * on first use (huggingface_hub update_inference_endpoint).  An empty env
 * or secrets map is sent, as it replaces the current one.
 */
char *
hfe_api_update_body(HfeEndpointFields *f)
{
	cJSON	   *body = json_checked(cJSON_CreateObject());

	if (f->accelerator != NULL)
		json_add(json_child(body, "compute"), "accelerator", cJSON_CreateString(f->accelerator));
	if (f->instance_size != NULL)
		json_add(json_child(body, "compute"), "instanceSize", cJSON_CreateString(f->instance_size));
	if (f->instance_type != NULL)
		json_add(json_child(body, "compute"), "instanceType", cJSON_CreateString(f->instance_type));
	if (f->has_max_replica)
		json_add(json_child(json_child(body, "compute"), "scaling"), "maxReplica",
				 json_int(f->max_replica));
	if (f->has_min_replica)
		json_add(json_child(json_child(body, "compute"), "scaling"), "minReplica",
				 json_int(f->min_replica));
	if (f->has_scale_to_zero_timeout)
		json_add(json_child(json_child(body, "compute"), "scaling"), "scaleToZeroTimeout",
				 json_int(f->scale_to_zero_timeout));
	if (f->scaling_metric != NULL)
		add_measure(json_child(json_child(body, "compute"), "scaling"), f);

	if (f->repository != NULL)
		json_add(json_child(body, "model"), "repository", cJSON_CreateString(f->repository));
	if (f->framework != NULL)
		json_add(json_child(body, "model"), "framework", cJSON_CreateString(f->framework));
	if (f->revision != NULL)
		json_add(json_child(body, "model"), "revision", cJSON_CreateString(f->revision));
	if (f->task != NULL)
		json_add(json_child(body, "model"), "task", cJSON_CreateString(f->task));
	if (f->custom_image != NULL)
		json_add(json_child(body, "model"), "image", image_payload(f->custom_image));
	if (f->container_command != NULL || f->container_args != NULL)
		add_command_args(json_child(body, "model"), f);
	if (f->env != NULL)
		json_add(json_child(body, "model"), "env", f->env);
	if (f->secrets != NULL)
		json_add(json_child(body, "model"), "secrets", f->secrets);

	add_route_cache_tags(body, f);

	return hfe_json_print(body);
}
