-- Lifecycle (control plane): the endpoint row and the functions that
-- create, read, list, pause, resume, scale to zero, update, delete and wait
-- for endpoints.  Names, arguments and defaults follow huggingface_hub's
-- create_inference_endpoint() and friends.  Functions that change remote
-- state are PARALLEL UNSAFE; those that only read it are PARALLEL
-- RESTRICTED (they use the session's HTTP connections and whoami cache).

CREATE TYPE @extschema@.endpoint AS (
    name text,
    namespace text,
    repository text,
    revision text,
    task text,
    framework text,
    status text,
    url text,
    type text,
    accelerator text,
    vendor text,
    region text,
    instance_type text,
    instance_size text,
    min_replica integer,
    max_replica integer,
    scale_to_zero_timeout integer,
    health_route text,
    message text,
    created_at timestamptz,
    updated_at timestamptz,
    raw jsonb
);
COMMENT ON TYPE @extschema@.endpoint IS
    'an Inference Endpoint as the service describes it; raw is its JSON with secret values redacted';

CREATE FUNCTION @extschema@.whoami()
RETURNS jsonb
AS 'MODULE_PATHNAME', 'hfendpoints_whoami'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.whoami() IS
    'the Hugging Face user (or organization) the current role''s token belongs to, cached per session';

CREATE FUNCTION @extschema@.create_endpoint(
    name text,
    repository text,
    framework text,
    accelerator text,
    instance_size text,
    instance_type text,
    region text,
    vendor text,
    namespace text DEFAULT NULL,
    task text DEFAULT NULL,
    revision text DEFAULT NULL,
    type text DEFAULT 'authenticated',
    min_replica integer DEFAULT 1,
    max_replica integer DEFAULT 1,
    scale_to_zero_timeout integer DEFAULT NULL,
    custom_image jsonb DEFAULT NULL,
    container_command text[] DEFAULT NULL,
    container_args text[] DEFAULT NULL,
    env jsonb DEFAULT NULL,
    secrets jsonb DEFAULT NULL,
    domain text DEFAULT NULL,
    path text DEFAULT NULL,
    cache_http_responses boolean DEFAULT NULL,
    tags text[] DEFAULT NULL,
    account_id text DEFAULT NULL,
    scaling_metric text DEFAULT NULL,
    scaling_threshold double precision DEFAULT NULL,
    secrets_from_mapping text[] DEFAULT NULL)
RETURNS @extschema@.endpoint
AS 'MODULE_PATHNAME', 'hfendpoints_create_endpoint'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.create_endpoint(text, text, text, text, text, text, text, text, text, text, text, text, integer, integer, integer, jsonb, text[], text[], jsonb, jsonb, text, text, boolean, text[], text, text, double precision, text[]) IS
    'creates an Inference Endpoint (billable); returns it, usually still pending; secrets_from_mapping names user mapping options "secret.<NAME>" sent as secrets';

CREATE FUNCTION @extschema@.get_endpoint(name text, namespace text DEFAULT NULL)
RETURNS @extschema@.endpoint
AS 'MODULE_PATHNAME', 'hfendpoints_get_endpoint'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.get_endpoint(text, text) IS
    'an Inference Endpoint, read from the service';

CREATE FUNCTION @extschema@.list_endpoints(namespace text DEFAULT NULL)
RETURNS SETOF @extschema@.endpoint
AS 'MODULE_PATHNAME', 'hfendpoints_list_endpoints'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 10;
COMMENT ON FUNCTION @extschema@.list_endpoints(text) IS
    'the Inference Endpoints of a namespace; ''*'' lists your own namespace, then each of your organizations';

CREATE FUNCTION @extschema@.pause_endpoint(name text, namespace text DEFAULT NULL)
RETURNS @extschema@.endpoint
AS 'MODULE_PATHNAME', 'hfendpoints_pause_endpoint'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.pause_endpoint(text, text) IS
    'pauses an Inference Endpoint: no charges, no traffic until resume_endpoint()';

CREATE FUNCTION @extschema@.resume_endpoint(name text, namespace text DEFAULT NULL,
    running_ok boolean DEFAULT true)
RETURNS @extschema@.endpoint
AS 'MODULE_PATHNAME', 'hfendpoints_resume_endpoint'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.resume_endpoint(text, text, boolean) IS
    'resumes a paused or scaled-to-zero Inference Endpoint (billable); with running_ok, a running one is not an error';

CREATE FUNCTION @extschema@.scale_to_zero_endpoint(name text, namespace text DEFAULT NULL)
RETURNS @extschema@.endpoint
AS 'MODULE_PATHNAME', 'hfendpoints_scale_to_zero_endpoint'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.scale_to_zero_endpoint(text, text) IS
    'scales an Inference Endpoint to zero replicas; the next request starts it again';

CREATE FUNCTION @extschema@.update_endpoint(
    name text,
    namespace text DEFAULT NULL,
    accelerator text DEFAULT NULL,
    instance_size text DEFAULT NULL,
    instance_type text DEFAULT NULL,
    min_replica integer DEFAULT NULL,
    max_replica integer DEFAULT NULL,
    scale_to_zero_timeout integer DEFAULT NULL,
    scaling_metric text DEFAULT NULL,
    scaling_threshold double precision DEFAULT NULL,
    repository text DEFAULT NULL,
    framework text DEFAULT NULL,
    revision text DEFAULT NULL,
    task text DEFAULT NULL,
    custom_image jsonb DEFAULT NULL,
    container_command text[] DEFAULT NULL,
    container_args text[] DEFAULT NULL,
    env jsonb DEFAULT NULL,
    secrets jsonb DEFAULT NULL,
    domain text DEFAULT NULL,
    path text DEFAULT NULL,
    cache_http_responses boolean DEFAULT NULL,
    tags text[] DEFAULT NULL,
    secrets_from_mapping text[] DEFAULT NULL)
RETURNS @extschema@.endpoint
AS 'MODULE_PATHNAME', 'hfendpoints_update_endpoint'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.update_endpoint(text, text, text, text, text, integer, integer, integer, text, double precision, text, text, text, text, jsonb, text[], text[], jsonb, jsonb, text, text, boolean, text[], text[]) IS
    'changes an Inference Endpoint; only the arguments given (not NULL) are sent; secrets_from_mapping names user mapping options "secret.<NAME>" sent as secrets';

CREATE FUNCTION @extschema@.delete_endpoint(name text, namespace text DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'hfendpoints_delete_endpoint'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.delete_endpoint(text, text) IS
    'deletes an Inference Endpoint for good';

CREATE FUNCTION @extschema@.wait_endpoint(name text, namespace text DEFAULT NULL,
    timeout interval DEFAULT NULL, refresh_every interval DEFAULT '5 s')
RETURNS @extschema@.endpoint
AS 'MODULE_PATHNAME', 'hfendpoints_wait_endpoint'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.wait_endpoint(text, text, interval, interval) IS
    'waits until an Inference Endpoint runs and its health route answers; fails if it failed to deploy or update, or after timeout';

CREATE FUNCTION @extschema@.list_hardware(namespace text DEFAULT NULL,
    OUT vendor text, OUT region text, OUT accelerator text,
    OUT instance_type text, OUT instance_size text, OUT num_cpus integer,
    OUT memory_gb double precision, OUT gpu_memory_gb double precision,
    OUT price_per_hour double precision, OUT status text,
    OUT id text, OUT num_accelerators integer, OUT architecture text,
    OUT max_accelerators integer, OUT used_accelerators integer,
    OUT vendor_status text, OUT region_label text, OUT region_status text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'hfendpoints_list_hardware'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 50;
COMMENT ON FUNCTION @extschema@.list_hardware(text) IS
    'the vendor, region, accelerator and instance combinations create_endpoint() accepts, with prices, quotas and availability';

-- Everything here is for hfendpoints_user, not PUBLIC.
REVOKE ALL ON FUNCTION @extschema@.whoami() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.create_endpoint(text, text, text, text, text, text, text, text, text, text, text, text, integer, integer, integer, jsonb, text[], text[], jsonb, jsonb, text, text, boolean, text[], text, text, double precision, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.get_endpoint(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.list_endpoints(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.pause_endpoint(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.resume_endpoint(text, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.scale_to_zero_endpoint(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.update_endpoint(text, text, text, text, text, integer, integer, integer, text, double precision, text, text, text, text, jsonb, text[], text[], jsonb, jsonb, text, text, boolean, text[], text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.delete_endpoint(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.wait_endpoint(text, text, interval, interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.list_hardware(text) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION @extschema@.whoami() TO hfendpoints_user;
GRANT EXECUTE ON FUNCTION @extschema@.create_endpoint(text, text, text, text, text, text, text, text, text, text, text, text, integer, integer, integer, jsonb, text[], text[], jsonb, jsonb, text, text, boolean, text[], text, text, double precision, text[]) TO hfendpoints_user;
GRANT EXECUTE ON FUNCTION @extschema@.get_endpoint(text, text) TO hfendpoints_user;
GRANT EXECUTE ON FUNCTION @extschema@.list_endpoints(text) TO hfendpoints_user;
GRANT EXECUTE ON FUNCTION @extschema@.pause_endpoint(text, text) TO hfendpoints_user;
GRANT EXECUTE ON FUNCTION @extschema@.resume_endpoint(text, text, boolean) TO hfendpoints_user;
GRANT EXECUTE ON FUNCTION @extschema@.scale_to_zero_endpoint(text, text) TO hfendpoints_user;
GRANT EXECUTE ON FUNCTION @extschema@.update_endpoint(text, text, text, text, text, integer, integer, integer, text, double precision, text, text, text, text, jsonb, text[], text[], jsonb, jsonb, text, text, boolean, text[], text[]) TO hfendpoints_user;
GRANT EXECUTE ON FUNCTION @extschema@.delete_endpoint(text, text) TO hfendpoints_user;
GRANT EXECUTE ON FUNCTION @extschema@.wait_endpoint(text, text, interval, interval) TO hfendpoints_user;
GRANT EXECUTE ON FUNCTION @extschema@.list_hardware(text) TO hfendpoints_user;
