/*-------------------------------------------------------------------------
 *
 * api.h
 *		Client of the Inference Endpoints management API and the Hub's
 *		whoami: requests, namespaces, and the endpoint object.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HFENDPOINTS_API_H
#define HFENDPOINTS_API_H

#include "credentials.h"
#include "http.h"
#include "json.h"

/*
 * An endpoint as the API describes it (spec §3).  Strings are NULL when the
 * API sent null or left the field out; the has_* flags say the same for
 * numbers.  raw is the whole object with secret values redacted.
 */
typedef struct HfeEndpoint
{
	char	   *name;
	char	   *namespace;
	char	   *repository;
	char	   *revision;
	char	   *task;
	char	   *framework;
	char	   *status;
	char	   *url;
	char	   *type;
	char	   *accelerator;
	char	   *vendor;
	char	   *region;
	char	   *instance_type;
	char	   *instance_size;
	int			min_replica;
	int			max_replica;
	int			scale_to_zero_timeout;
	bool		has_min_replica;
	bool		has_max_replica;
	bool		has_scale_to_zero_timeout;
	char	   *health_route;
	char	   *message;
	char	   *created_at;
	char	   *updated_at;
	cJSON	   *raw;
} HfeEndpoint;

/* Send one management request; path is appended to api_url. Never raises
 * for HTTP statuses. body may be NULL. */
extern HfeHttpRequest *hfe_api_send(const HfeServer *server, const char *method,
									const char *path, const char *body);

/* The response's JSON, raising the right error for a failed request or a
 * body that is not JSON.  action completes "could not ...". */
extern cJSON *hfe_api_result(HfeHttpRequest *req, const char *action);

/* whoami-v2, cached per backend for each (hub_url, token). */
extern cJSON *hfe_whoami(const HfeServer *server);

/* The namespace a call uses: the argument, else the user mapping's
 * namespace, else the whoami user's name. */
extern char *hfe_resolve_namespace(const HfeServer *server, const char *namespace);

/* Reject a name or namespace that the API would refuse or that is unsafe
 * in a URL path (SQLSTATE 22023). */
extern void hfe_check_endpoint_name(const char *name);
extern void hfe_check_namespace(const char *namespace);

/* Parse an endpoint object; raises 08P01 if a required field is missing or
 * any field has the wrong JSON type. */
extern HfeEndpoint *hfe_endpoint_from_json(cJSON *obj, const char *namespace,
										   const char *action);

/* GET one endpoint.  With missing_ok, a 404 returns NULL. */
extern HfeEndpoint *hfe_api_get_endpoint(const HfeServer *server,
										 const char *namespace,
										 const char *name, bool missing_ok);

#endif							/* HFENDPOINTS_API_H */
