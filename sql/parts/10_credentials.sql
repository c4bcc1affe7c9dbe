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

CREATE SERVER huggingface FOREIGN DATA WRAPPER hfendpoints OPTIONS (
    api_url 'https://api.endpoints.huggingface.cloud/v2',
    hub_url 'https://huggingface.co',
    allowed_hosts '*.endpoints.huggingface.cloud',
    allow_http 'false'
);
COMMENT ON SERVER huggingface IS 'the Hugging Face Inference Endpoints service';
GRANT USAGE ON FOREIGN SERVER huggingface TO hfendpoints_user;
