-- hfendpoints 0.2.0 -> 0.3.0
\echo Use "ALTER EXTENSION hfendpoints UPDATE TO '0.3.0'" to load this file. \quit

-- (0.3.0 is in development: each change to sql/parts after 0.2.0 is
-- repeated here, and test/sql/upgrade.sql checks that an updated install
-- matches a fresh one object for object.)

-- The extension creates no server any more.  The server 0.2.0 created
-- (huggingface, unless renamed since) was a member of the extension, so
-- pg_dump wrote neither its options nor its user mappings: detach it.  It
-- keeps its options, grants and mappings, and is dumped from now on.
DO $$
DECLARE
    member name;
BEGIN
    FOR member IN
        SELECT s.srvname
          FROM pg_catalog.pg_depend d
          JOIN pg_catalog.pg_foreign_server s ON s.oid = d.objid
         WHERE d.classid = 'pg_catalog.pg_foreign_server'::pg_catalog.regclass
           AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
           AND d.refobjid = (SELECT e.oid FROM pg_catalog.pg_extension e
                              WHERE e.extname = 'hfendpoints')
           AND d.deptype = 'e'
    LOOP
        EXECUTE pg_catalog.format('ALTER EXTENSION hfendpoints DROP SERVER %I', member);
    END LOOP;
END
$$;

-- The database's owner reads every failure row, so that a dump made by the
-- owner (pg_dump --enable-row-security) holds them all.
CREATE POLICY enrich_failures_database_owner ON @extschema@.enrich_failures FOR SELECT
    USING (pg_catalog.pg_has_role(
        (SELECT d.datdba FROM pg_catalog.pg_database d
          WHERE d.datname = pg_catalog.current_database()), 'USAGE'));
COMMENT ON POLICY enrich_failures_database_owner ON @extschema@.enrich_failures IS
    'the database owner reads every failure row, so that its dump holds them all';

-- create_endpoint and update_endpoint take secrets_from_mapping: names of
-- the caller's user mapping options "secret.<NAME>", whose values are sent
-- as model.secrets without ever being in the call's text.  A new argument
-- is a new signature: drop and create them again, with their grants.
DROP FUNCTION @extschema@.create_endpoint(text, text, text, text, text, text, text, text, text, text, text, text, integer, integer, integer, jsonb, text[], text[], jsonb, jsonb, text, text, boolean, text[], text, text, double precision);
DROP FUNCTION @extschema@.update_endpoint(text, text, text, text, text, integer, integer, integer, text, double precision, text, text, text, text, jsonb, text[], text[], jsonb, jsonb, text, text, boolean, text[]);

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

REVOKE ALL ON FUNCTION @extschema@.create_endpoint(text, text, text, text, text, text, text, text, text, text, text, text, integer, integer, integer, jsonb, text[], text[], jsonb, jsonb, text, text, boolean, text[], text, text, double precision, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.update_endpoint(text, text, text, text, text, integer, integer, integer, text, double precision, text, text, text, text, jsonb, text[], text[], jsonb, jsonb, text, text, boolean, text[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.create_endpoint(text, text, text, text, text, text, text, text, text, text, text, text, integer, integer, integer, jsonb, text[], text[], jsonb, jsonb, text, text, boolean, text[], text, text, double precision, text[]) TO hfendpoints_user;
GRANT EXECUTE ON FUNCTION @extschema@.update_endpoint(text, text, text, text, text, integer, integer, integer, text, double precision, text, text, text, text, jsonb, text[], text[], jsonb, jsonb, text, text, boolean, text[], text[]) TO hfendpoints_user;
