/*-------------------------------------------------------------------------
 *
 * api.c
 *		Client of the Inference Endpoints management API (spec §2-§3) and of
 *		the Hub's whoami (spec §1): sending requests, reading results,
 *		namespaces, and turning the endpoint JSON into an HfeEndpoint.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "api.h"
#include "errors.h"
#include "hfendpoints.h"

#define MAX_ENDPOINT_NAME 32
#define REDACTED "********"

HfeHttpRequest *
hfe_api_send(const HfeServer *server, const char *method, const char *path,
			 const char *body)
{
	HfeHttpRequest *req;

	req = hfe_http_request(method, psprintf("%s%s", server->api_url, path),
						   server->token);
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
		hfe_raise_http_error(req, action, NULL);
	json = hfe_json_parse(req->response, req->response_len);
	if (json == NULL)
		hfe_raise_bad_response(action, "The response body is not valid JSON.");
	return json;
}

/* whoami cache: the JSON text for one (hub_url, token), in TopMemoryContext */
static char *whoami_key = NULL;
static char *whoami_text = NULL;

cJSON *
hfe_whoami(const HfeServer *server)
{
	char	   *key = psprintf("%s\n%s", server->hub_url, server->token ? server->token : "");
	HfeHttpRequest *req;
	cJSON	   *json;

	if (whoami_key != NULL && strcmp(whoami_key, key) == 0)
		return hfe_json_parse(whoami_text, strlen(whoami_text));

	req = hfe_http_request("GET", psprintf("%s/api/whoami-v2", server->hub_url),
						   server->token);
	hfe_http_perform(req);
	json = hfe_api_result(req, "look up the token's user (whoami)");
	if (!cJSON_IsObject(json) || hfe_json_string(json, "name") == NULL)
		hfe_raise_bad_response("look up the token's user (whoami)",
							   "The response has no \"name\".");

	if (whoami_key != NULL)
	{
		explicit_bzero(whoami_key, strlen(whoami_key));
		pfree(whoami_key);
		pfree(whoami_text);
		whoami_key = whoami_text = NULL;
	}
	whoami_text = MemoryContextStrdup(TopMemoryContext, req->response);
	whoami_key = MemoryContextStrdup(TopMemoryContext, key);
	return json;
}

char *
hfe_resolve_namespace(const HfeServer *server, const char *namespace)
{
	cJSON	   *me;
	const char *type;

	if (namespace != NULL)
	{
		hfe_check_namespace(namespace);
		return pstrdup(namespace);
	}
	if (server->namespace != NULL)
		return pstrdup(server->namespace);

	/* as huggingface_hub's _get_namespace: the whoami user, if a user */
	me = hfe_whoami(server);
	type = hfe_json_string(me, "type");
	if (type != NULL && strcmp(type, "user") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot determine the default namespace: the token belongs to an %s, not a user", type),
				 errhint("Pass namespace => '...', or set one in the user mapping: ALTER USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (ADD namespace '...');",
						 server->servername)));
	return pstrdup(hfe_json_string(me, "name"));
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

void
hfe_check_namespace(const char *namespace)
{
	if (namespace[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("namespace must not be empty")));
	for (const char *p = namespace; *p; p++)
	{
		if (!(isalnum((unsigned char) *p) || *p == '-' || *p == '_' || *p == '.'))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid namespace \"%s\"", namespace),
					 errdetail("Namespaces may contain only letters, digits, \"-\", \"_\" and \".\".")));
	}
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
						   psprintf("Field \"%s\" of the endpoint is not %s.", path, expected));
}

static char *
read_string(FieldReader *r, const char *path, bool required)
{
	const cJSON *item = hfe_json_path(r->root, path);

	if (item == NULL || cJSON_IsNull(item))
	{
		if (required)
			hfe_raise_bad_response(r->action,
								   psprintf("The endpoint has no \"%s\".", path));
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
	if (!cJSON_IsNumber(item) || item->valuedouble != (double) (int) item->valuedouble)
		wrong_type(r, path, "an integer");
	*value = (int) item->valuedouble;
	return true;
}

/* Every intermediate object on the paths we read must be an object. */
static void
check_objects(FieldReader *r)
{
	static const char *const objects[] = {
		"provider", "compute", "compute.scaling", "model", "status", NULL
	};

	if (!cJSON_IsObject(r->root))
		hfe_raise_bad_response(r->action, "The endpoint is not a JSON object.");
	for (int i = 0; objects[i]; i++)
	{
		const cJSON *item = hfe_json_path(r->root, objects[i]);

		if (item != NULL && !cJSON_IsNull(item) && !cJSON_IsObject(item))
			wrong_type(r, objects[i], "an object");
	}
}

/* Replace every value of a string map by a mask, keeping the keys. */
static void
redact_map_values(cJSON *map)
{
	cJSON	   *item;

	if (!cJSON_IsObject(map))
		return;
	cJSON_ArrayForEach(item, map)
	{
		if (!cJSON_IsNull(item))
			cJSON_ReplaceItemViaPointer(map, item, cJSON_CreateString(REDACTED));
	}
}

/*
 * Secrets never leave the extension: model.secrets values, and registry
 * passwords inside model.image.<variant>.credentials.
 */
static void
redact_secrets(cJSON *root)
{
	cJSON	   *model = cJSON_GetObjectItemCaseSensitive(root, "model");
	cJSON	   *image;
	cJSON	   *variant;

	if (!cJSON_IsObject(model))
		return;
	redact_map_values(cJSON_GetObjectItemCaseSensitive(model, "secrets"));
	image = cJSON_GetObjectItemCaseSensitive(model, "image");
	if (!cJSON_IsObject(image))
		return;
	cJSON_ArrayForEach(variant, image)
	{
		cJSON	   *creds = cJSON_GetObjectItemCaseSensitive(variant, "credentials");
		cJSON	   *password;

		if (!cJSON_IsObject(creds))
			continue;
		password = cJSON_GetObjectItemCaseSensitive(creds, "password");
		if (cJSON_IsString(password) && password->valuestring[0] != '\0')
			cJSON_ReplaceItemViaPointer(creds, password, cJSON_CreateString(REDACTED));
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
	ep->created_at = read_string(&r, "status.createdAt", false);
	ep->updated_at = read_string(&r, "status.updatedAt", false);
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
