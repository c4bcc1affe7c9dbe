-- hfendpoints: Hugging Face Inference Endpoints from SQL (the current version).
-- Built from sql/parts/*.sql; edit those, not the assembled script.

\echo Use "CREATE EXTENSION hfendpoints" to load this file. \quit

-- One role to grant: it holds EXECUTE on every function that spends money
-- or changes remote state.  Those functions are revoked from PUBLIC.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'hfendpoints_user') THEN
        CREATE ROLE hfendpoints_user NOLOGIN;
    END IF;
END
$$;
COMMENT ON ROLE hfendpoints_user IS 'may call hfendpoints functions that spend money or change remote state';

GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;
