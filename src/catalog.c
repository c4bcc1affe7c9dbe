/*-------------------------------------------------------------------------
 *
 * catalog.c
 *		The model catalog (doc/protocol.md §2.6): the models it lists, and
 *		an endpoint deployed from one of them with the catalog's defaults,
 *		as huggingface_hub's list_inference_catalog() and
 *		create_inference_endpoint_from_catalog() do.
 *
 * The catalog lives at the server's catalog_url, outside api_url.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "api.h"
#include "endpoint.h"
#include "errors.h"
#include "json.h"
#include "wire.h"

PG_FUNCTION_INFO_V1(hfendpoints_list_catalog);
PG_FUNCTION_INFO_V1(hfendpoints_create_endpoint_from_catalog);

/* list_catalog(): one row per model of the catalog, in its order. */
Datum
hfendpoints_list_catalog(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	HfeServer  *server = hfe_server_get(false);
	const char *action = "list the model catalog";
	cJSON	   *json;
	const cJSON *models;
	const cJSON *model;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	json = hfe_api_result(hfe_api_send_url(server, "GET",
										   psprintf("%s/repo-list", server->catalog_url), NULL),
						  action);
	models = cJSON_GetObjectItemCaseSensitive(json, "models");
	if (!cJSON_IsArray(models))
		hfe_raise_bad_response(action, "the response has no \"models\" array");
	cJSON_ArrayForEach(model, models)
	{
		Datum		value;
		bool		isnull = false;

		if (!cJSON_IsString(model))
			hfe_raise_bad_response(action, "a model of the catalog is not a string");
		value = CStringGetTextDatum(model->valuestring);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
	}
	return (Datum) 0;
}

/*
 * create_endpoint_from_catalog(repository, name, namespace, accelerator):
 * {"namespace", "repoId", "endpointName"?, "accelerator"?} to the
 * catalog's deploy route; the endpoint it made, read from the answer's
 * "endpoint" (with the namespace it was made in, not huggingface_hub's
 * mistaken one).
 */
Datum
hfendpoints_create_endpoint_from_catalog(PG_FUNCTION_ARGS)
{
	HfeServer  *server = hfe_server_get(true);
	char	   *repository;
	char	   *namespace;
	char	   *action;
	cJSON	   *body = hfe_wire_object();
	cJSON	   *json;
	cJSON	   *endpoint;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("repository must not be NULL"),
				 errhint("SELECT * FROM hfendpoints.list_catalog() lists the catalog's models.")));
	repository = text_to_cstring(PG_GETARG_TEXT_PP(0));
	namespace = hfe_resolve_namespace(server, PG_ARGISNULL(2) ? NULL :
									  text_to_cstring(PG_GETARG_TEXT_PP(2)));
	hfe_wire_set(body, "namespace", hfe_wire_string(namespace));
	hfe_wire_set(body, "repoId", hfe_wire_string(repository));
	if (!PG_ARGISNULL(1))
	{
		char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(1));

		hfe_check_endpoint_name(name);
		hfe_wire_set(body, "endpointName", hfe_wire_string(name));
	}
	if (!PG_ARGISNULL(3))
	{
		char	   *accelerator = text_to_cstring(PG_GETARG_TEXT_PP(3));

		if (strcmp(accelerator, "cpu") != 0 && strcmp(accelerator, "gpu") != 0 &&
			strcmp(accelerator, "neuron") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid accelerator \"%s\"", accelerator),
					 errhint("Use 'cpu', 'gpu' or 'neuron'.")));
		hfe_wire_set(body, "accelerator", hfe_wire_string(accelerator));
	}
	action = psprintf("deploy \"%s\" from the catalog", repository);
	json = hfe_api_result(hfe_api_send_url(server, "POST",
										   psprintf("%s/deploy", server->catalog_url),
										   hfe_json_print(body)),
						  action);
	endpoint = cJSON_GetObjectItemCaseSensitive(json, "endpoint");
	if (!cJSON_IsObject(endpoint))
		hfe_raise_bad_response(action, "the response has no \"endpoint\" object");
	PG_RETURN_DATUM(hfe_endpoint_datum(fcinfo, hfe_endpoint_from_json(endpoint, namespace,
																	  action)));
}
