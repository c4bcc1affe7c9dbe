-- What the service and an endpoint say about themselves, beside the
-- lifecycle (README "Diagnostics and the catalog", doc/protocol.md §2):
-- logs and metrics from the management API, the engine's /info, a health
-- check, and the model catalog.

CREATE FUNCTION @extschema@.endpoint_logs(name text, namespace text DEFAULT NULL,
    tail integer DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'hfendpoints_endpoint_logs'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.endpoint_logs(text, text, integer) IS
    'the endpoint''s logs (the last tail lines when given), its token masked';

CREATE FUNCTION @extschema@.endpoint_metrics(name text, metric text, namespace text DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'hfendpoints_endpoint_metrics'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.endpoint_metrics(text, text, text) IS
    'one metric of the endpoint (such as request-count or latency), as the management API returns it';

CREATE FUNCTION @extschema@.endpoint_open_metrics(name text, namespace text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'hfendpoints_endpoint_open_metrics'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.endpoint_open_metrics(text, text) IS
    'the endpoint''s metrics in the OpenMetrics text format';

CREATE FUNCTION @extschema@.endpoint_info(endpoint text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'hfendpoints_endpoint_info'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.endpoint_info(text) IS
    'what the endpoint''s engine says of itself (GET {url}/info: model, limits, version)';

CREATE FUNCTION @extschema@.health_check(endpoint text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'hfendpoints_health_check'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.health_check(text) IS
    'whether the endpoint answers its health route with 200 now, without waking it';

CREATE FUNCTION @extschema@.list_catalog(OUT repository text)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'hfendpoints_list_catalog'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION @extschema@.list_catalog() IS
    'the models of the Inference Endpoints catalog, which create_endpoint_from_catalog() deploys';

CREATE FUNCTION @extschema@.create_endpoint_from_catalog(repository text, name text DEFAULT NULL,
    namespace text DEFAULT NULL, accelerator text DEFAULT NULL)
RETURNS @extschema@.endpoint
AS 'MODULE_PATHNAME', 'hfendpoints_create_endpoint_from_catalog'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.create_endpoint_from_catalog(text, text, text, text) IS
    'deploys a catalog model with the catalog''s hardware and settings; returns the new endpoint';

REVOKE ALL ON FUNCTION
    @extschema@.endpoint_logs(text, text, integer),
    @extschema@.endpoint_metrics(text, text, text),
    @extschema@.endpoint_open_metrics(text, text),
    @extschema@.endpoint_info(text),
    @extschema@.health_check(text),
    @extschema@.list_catalog(),
    @extschema@.create_endpoint_from_catalog(text, text, text, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.endpoint_logs(text, text, integer),
    @extschema@.endpoint_metrics(text, text, text),
    @extschema@.endpoint_open_metrics(text, text),
    @extschema@.endpoint_info(text),
    @extschema@.health_check(text),
    @extschema@.list_catalog(),
    @extschema@.create_endpoint_from_catalog(text, text, text, text)
TO hfendpoints_user;
