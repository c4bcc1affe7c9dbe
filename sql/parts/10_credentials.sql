-- Credentials: a foreign-data wrapper whose servers hold the service URLs
-- and whose user mappings hold each role's token, as in postgres_fdw.

CREATE FUNCTION @extschema@.fdw_validator(options text[], catalog oid)
RETURNS void
AS 'MODULE_PATHNAME', 'hfendpoints_fdw_validator'
LANGUAGE C STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.fdw_validator(text[], oid) IS
    'validates options of hfendpoints servers and user mappings';

CREATE FOREIGN DATA WRAPPER hfendpoints VALIDATOR @extschema@.fdw_validator;
COMMENT ON FOREIGN DATA WRAPPER hfendpoints IS
    'Hugging Face Inference Endpoints: servers hold URLs, user mappings hold tokens';

-- No server: the user creates it (CREATE SERVER huggingface FOREIGN DATA
-- WRAPPER hfendpoints), so that pg_dump writes it with its options and
-- user mappings.  A server created here would be a member of the
-- extension, which pg_dump leaves out.  The options' defaults live in C.
