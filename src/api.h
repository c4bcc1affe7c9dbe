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
 * An endpoint as the API describes it (doc/protocol.md §3).  Strings are
 * NULL when the API sent null or left the field out; the has_* flags say
 * the same for numbers.  raw is the whole object with secret values
 * redacted.
 */
typedef struct HfeEndpoint
{
	char	   *name;
	char	   *namespace;
	char	   *repository;
	char	   *revision;
	char	   *task;
	char	   *framework;
	char	   *image;			/* the key of model.image ("tgi", "vLLM"...) */
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

/* The same to a URL of the service outside api_url (the catalog). */
extern HfeHttpRequest *hfe_api_send_url(const HfeServer *server, const char *method,
										const char *url, const char *body);

/* The response's JSON, raising the right error for a failed request or a
 * body that is not JSON.  action completes "could not ...". */
extern cJSON *hfe_api_result(HfeHttpRequest *req, const char *action);

/* whoami-v2, cached per backend for the user mapping (its OID), until a
 * mapping or server changes. */
extern cJSON *hfe_whoami(const HfeServer *server);

/* The whoami user's own namespace; an error for org or app tokens. */
extern char *hfe_whoami_namespace(const HfeServer *server);

/* The namespace a call uses: the argument, else the user mapping's
 * namespace, else the whoami user's name. */
extern char *hfe_resolve_namespace(const HfeServer *server, const char *namespace);

/* Reject a name or namespace that the API would refuse or that is unsafe
 * in a URL path (SQLSTATE 22023). */
extern void hfe_check_endpoint_name(const char *name);
extern void hfe_check_namespace(const char *namespace);
extern void hfe_check_remote_namespace(const HfeServer *server, const char *namespace,
									   const char *action);

/* Parse an endpoint object; raises 08P01 if a required field is missing or
 * any field has the wrong JSON type. */
extern HfeEndpoint *hfe_endpoint_from_json(cJSON *obj, const char *namespace,
										   const char *action);

/* GET one endpoint.  With missing_ok, a 404 returns NULL. */
extern HfeEndpoint *hfe_api_get_endpoint(const HfeServer *server,
										 const char *namespace,
										 const char *name, bool missing_ok);

/* A list of strings given by the caller (container command, tags...). */
typedef struct HfeStringList
{
	int			n;
	char	  **items;
} HfeStringList;

/*
 * What create and update send (doc/protocol.md §2.1, §2.2).  A NULL
 * pointer or a false has_* flag means "not given".  custom_image, env and
 * secrets are JSON objects the caller has checked; custom_image is the
 * user's form, flat or keyed by variant.
 */
typedef struct HfeEndpointFields
{
	/* create only */
	const char *name;
	const char *vendor;
	const char *region;
	const char *type;
	const char *account_id;

	/* create and update */
	const char *repository;
	const char *framework;
	const char *accelerator;
	const char *instance_size;
	const char *instance_type;
	const char *task;
	const char *revision;
	bool		has_min_replica;
	int			min_replica;
	bool		has_max_replica;
	int			max_replica;
	bool		has_scale_to_zero_timeout;
	int			scale_to_zero_timeout;
	const char *scaling_metric;
	bool		has_scaling_threshold;
	double		scaling_threshold;
	cJSON	   *custom_image;
	HfeStringList *container_command;
	HfeStringList *container_args;
	cJSON	   *env;
	cJSON	   *secrets;
	const char *domain;
	const char *path;
	bool		has_cache_http_responses;
	bool		cache_http_responses;
	HfeStringList *tags;
} HfeEndpointFields;

/* Add names[i] = values[i] to f->secrets, made when NULL; the caller has
 * checked that no name is already there. */
extern void hfe_api_add_secrets(HfeEndpointFields *f, int n, char *const *names,
								char *const *values);

/* The JSON bodies of create (every key huggingface_hub sends) and of a
 * sparse update (only what is given).  The fields' cJSON trees are moved
 * into the body, so each HfeEndpointFields builds one body. */
extern char *hfe_api_create_body(HfeEndpointFields *f);
extern char *hfe_api_update_body(HfeEndpointFields *f);

#endif							/* HFENDPOINTS_API_H */
