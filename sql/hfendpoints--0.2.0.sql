-- hfendpoints 0.2.0: Hugging Face Inference Endpoints from SQL.  Released: never edit this file;
-- changes ship as upgrade scripts (sql/hfendpoints--0.2.0--<next>.sql).

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
    scaling_threshold double precision DEFAULT NULL)
RETURNS @extschema@.endpoint
AS 'MODULE_PATHNAME', 'hfendpoints_create_endpoint'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.create_endpoint(text, text, text, text, text, text, text, text, text, text, text, text, integer, integer, integer, jsonb, text[], text[], jsonb, jsonb, text, text, boolean, text[], text, text, double precision) IS
    'creates an Inference Endpoint (billable); returns it, usually still pending';

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
    tags text[] DEFAULT NULL)
RETURNS @extschema@.endpoint
AS 'MODULE_PATHNAME', 'hfendpoints_update_endpoint'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.update_endpoint(text, text, text, text, text, integer, integer, integer, text, double precision, text, text, text, text, jsonb, text[], text[], jsonb, jsonb, text, text, boolean, text[]) IS
    'changes an Inference Endpoint; only the arguments given (not NULL) are sent';

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
    OUT price_per_hour double precision, OUT status text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'hfendpoints_list_hardware'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 50;
COMMENT ON FUNCTION @extschema@.list_hardware(text) IS
    'the vendor, region, accelerator and instance combinations create_endpoint() accepts, with prices';

-- Everything here is for hfendpoints_user, not PUBLIC.
REVOKE ALL ON FUNCTION @extschema@.whoami() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.create_endpoint(text, text, text, text, text, text, text, text, text, text, text, text, integer, integer, integer, jsonb, text[], text[], jsonb, jsonb, text, text, boolean, text[], text, text, double precision) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.get_endpoint(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.list_endpoints(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.pause_endpoint(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.resume_endpoint(text, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.scale_to_zero_endpoint(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.update_endpoint(text, text, text, text, text, integer, integer, integer, text, double precision, text, text, text, text, jsonb, text[], text[], jsonb, jsonb, text, text, boolean, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.delete_endpoint(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.wait_endpoint(text, text, interval, interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.list_hardware(text) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION @extschema@.whoami() TO hfendpoints_user;
GRANT EXECUTE ON FUNCTION @extschema@.create_endpoint(text, text, text, text, text, text, text, text, text, text, text, text, integer, integer, integer, jsonb, text[], text[], jsonb, jsonb, text, text, boolean, text[], text, text, double precision) TO hfendpoints_user;
GRANT EXECUTE ON FUNCTION @extschema@.get_endpoint(text, text) TO hfendpoints_user;
GRANT EXECUTE ON FUNCTION @extschema@.list_endpoints(text) TO hfendpoints_user;
GRANT EXECUTE ON FUNCTION @extschema@.pause_endpoint(text, text) TO hfendpoints_user;
GRANT EXECUTE ON FUNCTION @extschema@.resume_endpoint(text, text, boolean) TO hfendpoints_user;
GRANT EXECUTE ON FUNCTION @extschema@.scale_to_zero_endpoint(text, text) TO hfendpoints_user;
GRANT EXECUTE ON FUNCTION @extschema@.update_endpoint(text, text, text, text, text, integer, integer, integer, text, double precision, text, text, text, text, jsonb, text[], text[], jsonb, jsonb, text, text, boolean, text[]) TO hfendpoints_user;
GRANT EXECUTE ON FUNCTION @extschema@.delete_endpoint(text, text) TO hfendpoints_user;
GRANT EXECUTE ON FUNCTION @extschema@.wait_endpoint(text, text, interval, interval) TO hfendpoints_user;
GRANT EXECUTE ON FUNCTION @extschema@.list_hardware(text) TO hfendpoints_user;
-- Inference on an endpoint's data plane (DESIGN.md §3.3, spec §6).
--
-- "endpoint" is 'name' (the default namespace), 'namespace/name', or an
-- http(s) URL that the server's allowed_hosts and allow_http accept.
-- A NULL input (prompt, messages, input, payload) gives NULL without a
-- request, so these functions are not STRICT: every other argument may be
-- NULL, meaning "not sent".
--
-- PARALLEL RESTRICTED: each call is a billable remote request made on the
-- backend's kept-alive connection and endpoint cache; run many requests at
-- once with the *_batch functions instead of parallel workers.

CREATE FUNCTION @extschema@.text_generation(
    endpoint text,
    prompt text,
    max_new_tokens integer DEFAULT NULL,
    temperature double precision DEFAULT NULL,
    top_k integer DEFAULT NULL,
    top_p double precision DEFAULT NULL,
    typical_p double precision DEFAULT NULL,
    repetition_penalty double precision DEFAULT NULL,
    frequency_penalty double precision DEFAULT NULL,
    do_sample boolean DEFAULT NULL,
    seed bigint DEFAULT NULL,
    stop text[] DEFAULT NULL,
    return_full_text boolean DEFAULT NULL,
    truncate integer DEFAULT NULL,
    watermark boolean DEFAULT NULL,
    grammar jsonb DEFAULT NULL,
    adapter_id text DEFAULT NULL,
    extra_parameters jsonb DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'hfendpoints_text_generation'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.text_generation(text, text, integer, double precision, integer,
    double precision, double precision, double precision, double precision, boolean, bigint,
    text[], boolean, integer, boolean, jsonb, text, jsonb) IS
    'generates text from a prompt on a text-generation-inference endpoint (POST {url}, {"inputs", "parameters"})';

CREATE FUNCTION @extschema@.chat_completion(
    endpoint text,
    messages jsonb,
    max_tokens integer DEFAULT NULL,
    temperature double precision DEFAULT NULL,
    top_p double precision DEFAULT NULL,
    seed bigint DEFAULT NULL,
    stop text[] DEFAULT NULL,
    frequency_penalty double precision DEFAULT NULL,
    presence_penalty double precision DEFAULT NULL,
    response_format jsonb DEFAULT NULL,
    tools jsonb DEFAULT NULL,
    tool_choice jsonb DEFAULT NULL,
    extra jsonb DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'hfendpoints_chat_completion'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.chat_completion(text, jsonb, integer, double precision,
    double precision, bigint, text[], double precision, double precision, jsonb, jsonb, jsonb, jsonb) IS
    'sends an OpenAI-style chat completion request (POST {url}/v1/chat/completions) and returns the whole response';

CREATE FUNCTION @extschema@.chat(
    endpoint text,
    prompt text,
    system text DEFAULT NULL,
    max_tokens integer DEFAULT NULL,
    temperature double precision DEFAULT NULL,
    top_p double precision DEFAULT NULL,
    seed bigint DEFAULT NULL,
    stop text[] DEFAULT NULL,
    frequency_penalty double precision DEFAULT NULL,
    presence_penalty double precision DEFAULT NULL,
    response_format jsonb DEFAULT NULL,
    extra jsonb DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'hfendpoints_chat'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.chat(text, text, text, integer, double precision,
    double precision, bigint, text[], double precision, double precision, jsonb, jsonb) IS
    'sends a prompt (and an optional system message) as a chat completion and returns the first choice''s text';

CREATE FUNCTION @extschema@.feature_extraction(
    endpoint text,
    input text,
    normalized boolean DEFAULT NULL,
    truncate boolean DEFAULT NULL,
    prompt_name text DEFAULT NULL,
    truncation_direction text DEFAULT NULL,
    dimensions integer DEFAULT NULL)
RETURNS real[]
AS 'MODULE_PATHNAME', 'hfendpoints_feature_extraction'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.feature_extraction(text, text, boolean, boolean, text, text, integer) IS
    'computes the embedding of a text on a text-embeddings-inference endpoint';

CREATE FUNCTION @extschema@.infer(
    endpoint text,
    payload jsonb,
    route text DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'hfendpoints_infer'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.infer(text, jsonb, text) IS
    'posts a JSON payload to an endpoint (optionally to a route under its URL) and returns the JSON response, for any task';

REVOKE ALL ON FUNCTION
    @extschema@.text_generation(text, text, integer, double precision, integer,
        double precision, double precision, double precision, double precision, boolean, bigint,
        text[], boolean, integer, boolean, jsonb, text, jsonb),
    @extschema@.chat_completion(text, jsonb, integer, double precision,
        double precision, bigint, text[], double precision, double precision, jsonb, jsonb, jsonb, jsonb),
    @extschema@.chat(text, text, text, integer, double precision,
        double precision, bigint, text[], double precision, double precision, jsonb, jsonb),
    @extschema@.feature_extraction(text, text, boolean, boolean, text, text, integer),
    @extschema@.infer(text, jsonb, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.text_generation(text, text, integer, double precision, integer,
        double precision, double precision, double precision, double precision, boolean, bigint,
        text[], boolean, integer, boolean, jsonb, text, jsonb),
    @extschema@.chat_completion(text, jsonb, integer, double precision,
        double precision, bigint, text[], double precision, double precision, jsonb, jsonb, jsonb, jsonb),
    @extschema@.chat(text, text, text, integer, double precision,
        double precision, bigint, text[], double precision, double precision, jsonb, jsonb),
    @extschema@.feature_extraction(text, text, boolean, boolean, text, text, integer),
    @extschema@.infer(text, jsonb, text)
TO hfendpoints_user;
-- Batch inference: many inputs in one call, sent concurrently (up to
-- hfendpoints.max_concurrency in flight), one row per input in input order.
-- on_error => 'raise' stops at the first failed input; 'null' reports each
-- failure in the error column and goes on.  A NULL input gives a NULL
-- output without a request.

CREATE FUNCTION @extschema@.text_generation_batch(
    endpoint text,
    prompts text[],
    max_new_tokens integer DEFAULT NULL,
    temperature double precision DEFAULT NULL,
    top_k integer DEFAULT NULL,
    top_p double precision DEFAULT NULL,
    typical_p double precision DEFAULT NULL,
    repetition_penalty double precision DEFAULT NULL,
    frequency_penalty double precision DEFAULT NULL,
    do_sample boolean DEFAULT NULL,
    seed bigint DEFAULT NULL,
    stop text[] DEFAULT NULL,
    return_full_text boolean DEFAULT NULL,
    truncate integer DEFAULT NULL,
    watermark boolean DEFAULT NULL,
    grammar jsonb DEFAULT NULL,
    adapter_id text DEFAULT NULL,
    extra_parameters jsonb DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, output text, error text)
AS 'MODULE_PATHNAME', 'hfendpoints_text_generation_batch'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION @extschema@.text_generation_batch(text, text[], integer, double precision, integer,
    double precision, double precision, double precision, double precision, boolean, bigint,
    text[], boolean, integer, boolean, jsonb, text, jsonb, text) IS
    'generates text for many prompts at once, concurrently; one row per prompt in input order';

CREATE FUNCTION @extschema@.chat_batch(
    endpoint text,
    prompts text[],
    system text DEFAULT NULL,
    max_tokens integer DEFAULT NULL,
    temperature double precision DEFAULT NULL,
    top_p double precision DEFAULT NULL,
    seed bigint DEFAULT NULL,
    stop text[] DEFAULT NULL,
    frequency_penalty double precision DEFAULT NULL,
    presence_penalty double precision DEFAULT NULL,
    response_format jsonb DEFAULT NULL,
    extra jsonb DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, output text, error text)
AS 'MODULE_PATHNAME', 'hfendpoints_chat_batch'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION @extschema@.chat_batch(text, text[], text, integer, double precision,
    double precision, bigint, text[], double precision, double precision, jsonb, jsonb, text) IS
    'chats with many prompts at once, concurrently; one row per prompt with the first choice''s text';

CREATE FUNCTION @extschema@.feature_extraction_batch(
    endpoint text,
    inputs text[],
    normalized boolean DEFAULT NULL,
    truncate boolean DEFAULT NULL,
    prompt_name text DEFAULT NULL,
    truncation_direction text DEFAULT NULL,
    dimensions integer DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, output real[], error text)
AS 'MODULE_PATHNAME', 'hfendpoints_feature_extraction_batch'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION @extschema@.feature_extraction_batch(text, text[], boolean, boolean, text, text, integer, text) IS
    'computes embeddings for many texts at once, concurrently; one row per text in input order';

CREATE FUNCTION @extschema@.infer_batch(
    endpoint text,
    payloads jsonb[],
    route text DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, output jsonb, error text)
AS 'MODULE_PATHNAME', 'hfendpoints_infer_batch'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION @extschema@.infer_batch(text, jsonb[], text, text) IS
    'posts many JSON payloads at once, concurrently; one row per payload with the JSON response';

REVOKE ALL ON FUNCTION
    @extschema@.text_generation_batch(text, text[], integer, double precision, integer,
        double precision, double precision, double precision, double precision, boolean, bigint,
        text[], boolean, integer, boolean, jsonb, text, jsonb, text),
    @extschema@.chat_batch(text, text[], text, integer, double precision,
        double precision, bigint, text[], double precision, double precision, jsonb, jsonb, text),
    @extschema@.feature_extraction_batch(text, text[], boolean, boolean, text, text, integer, text),
    @extschema@.infer_batch(text, jsonb[], text, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.text_generation_batch(text, text[], integer, double precision, integer,
        double precision, double precision, double precision, double precision, boolean, bigint,
        text[], boolean, integer, boolean, jsonb, text, jsonb, text),
    @extschema@.chat_batch(text, text[], text, integer, double precision,
        double precision, bigint, text[], double precision, double precision, jsonb, jsonb, text),
    @extschema@.feature_extraction_batch(text, text[], boolean, boolean, text, text, integer, text),
    @extschema@.infer_batch(text, jsonb[], text, text)
TO hfendpoints_user;
-- Table enrichment: CALL hfendpoints.enrich(...) fills a column from a model,
-- batch by batch, committing after each batch, so that a crash or a cancel
-- loses at most the batch in flight and a re-run continues where it stopped.

CREATE TABLE @extschema@.enrich_failures (
    source        regclass    NOT NULL,
    output_column name        NOT NULL,
    row_ctid      tid         NOT NULL,
    input         text,
    error         text        NOT NULL,
    failed_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    role          name        NOT NULL DEFAULT CURRENT_USER
);
COMMENT ON TABLE @extschema@.enrich_failures IS
    'rows that enrich could not fill in its last run, with the error; they are retried on the next run';
CREATE INDEX enrich_failures_source_idx
    ON @extschema@.enrich_failures (source, output_column);
ALTER TABLE @extschema@.enrich_failures ENABLE ROW LEVEL SECURITY;
CREATE POLICY enrich_failures_own_rows ON @extschema@.enrich_failures
    USING (role = CURRENT_USER) WITH CHECK (role = CURRENT_USER);
GRANT SELECT, INSERT, DELETE ON @extschema@.enrich_failures TO hfendpoints_user;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.enrich_failures', '');

CREATE FUNCTION @extschema@._prevent_in_transaction_block(command text)
RETURNS void
AS 'MODULE_PATHNAME', 'hfendpoints_prevent_in_transaction_block'
LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@._prevent_in_transaction_block(text) IS
    'internal: raises an error when called inside a transaction block';

CREATE FUNCTION @extschema@._enrich_batch(endpoint text, task text, inputs text[],
                                          parameters jsonb)
RETURNS TABLE (ord int, output text, embedding real[], error text)
AS 'MODULE_PATHNAME', 'hfendpoints_enrich_batch'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
REVOKE ALL ON FUNCTION @extschema@._enrich_batch(text, text, text[], jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._enrich_batch(text, text, text[], jsonb) TO hfendpoints_user;
COMMENT ON FUNCTION @extschema@._enrich_batch(text, text, text[], jsonb) IS
    'internal: runs one enrich batch concurrently; failed rows come back with an error';

CREATE FUNCTION @extschema@._enrich_apply(
    source regclass, input_column text, output_column text, task text,
    endpoint text, parameters jsonb, ids tid[], inputs text[],
    OUT filled bigint, OUT failed bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $apply$
BEGIN
    -- One statement: run the batch, write the results, record the failures.
    -- "t.col IS NULL" keeps a row that someone filled meanwhile untouched.
    EXECUTE pg_catalog.format($q$
        WITH r AS MATERIALIZED (
            SELECT i.id, i.input, b.output, b.embedding, b.error
              FROM @extschema@._enrich_batch($1, $2, $3, $4) b
              JOIN ROWS FROM (pg_catalog.unnest($5::tid[]), pg_catalog.unnest($3::text[]))
                   WITH ORDINALITY AS i(id, input, ord)
                ON i.ord = b.ord),
        u AS (UPDATE %s t SET %I = %s FROM r
               WHERE t.ctid = r.id AND r.error IS NULL AND t.%I IS NULL
              RETURNING 1),
        f AS (INSERT INTO @extschema@.enrich_failures (source, output_column, row_ctid, input, error)
              SELECT $6, $7, r.id, r.input, r.error FROM r WHERE r.error IS NOT NULL
              RETURNING 1)
        SELECT (SELECT pg_catalog.count(*) FROM u), (SELECT pg_catalog.count(*) FROM f)$q$,
        source, output_column,
        CASE task WHEN 'feature-extraction' THEN 'r.embedding' ELSE 'r.output' END,
        output_column)
    USING endpoint, task, inputs, parameters, ids, source, output_column
    INTO filled, failed;
END
$apply$;
COMMENT ON FUNCTION @extschema@._enrich_apply(regclass, text, text, text, text, jsonb, tid[], text[]) IS
    'internal: one enrich batch, from request to written rows';

CREATE PROCEDURE @extschema@.enrich(
    source          regclass,
    input_column    text,
    output_column   text,
    endpoint        text,
    task            text    DEFAULT 'text-generation',
    parameters      jsonb   DEFAULT NULL,
    batch_size      integer DEFAULT 100,
    max_rows        bigint  DEFAULT NULL,
    resume_endpoint boolean DEFAULT true,
    pause_after     text    DEFAULT NULL)
LANGUAGE plpgsql
AS $enrich$
DECLARE
    is_url      boolean := endpoint OPERATOR(pg_catalog.~*) '^[a-z][a-z0-9+.-]*://';
    ep_name     text;
    ep_ns       text;
    ep          @extschema@.endpoint;
    out_type    regtype;
    total       bigint;
    done        bigint := 0;
    failed      bigint := 0;
    started     timestamptz := pg_catalog.clock_timestamp();
    elapsed     float8;
    rate        float8;
    ids         tid[] := '{}';
    inputs      text[] := '{}';
    batch       record;
    rec         record;
BEGIN
    -- (no SET clause on this procedure: it would forbid the COMMITs below)
    PERFORM @extschema@._prevent_in_transaction_block('CALL hfendpoints.enrich()');

    -- Check every argument before touching the endpoint or the table.
    IF source IS NULL OR input_column IS NULL OR output_column IS NULL OR endpoint IS NULL THEN
        RAISE EXCEPTION 'source, input_column, output_column and endpoint must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF task IS NULL OR task NOT IN ('text-generation', 'chat', 'feature-extraction') THEN
        RAISE EXCEPTION 'unsupported enrich task "%"', task
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use ''text-generation'', ''chat'' or ''feature-extraction''.';
    END IF;
    IF batch_size IS NULL OR batch_size < 1 OR batch_size > 10000 THEN
        RAISE EXCEPTION 'batch_size must be between 1 and 10000'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF max_rows < 0 THEN
        RAISE EXCEPTION 'max_rows must not be negative'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF pause_after IS NOT NULL AND pause_after NOT IN ('pause', 'scale_to_zero') THEN
        RAISE EXCEPTION 'invalid pause_after "%"', pause_after
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use ''pause'', ''scale_to_zero'' or NULL.';
    END IF;
    IF is_url AND pause_after IS NOT NULL THEN
        RAISE EXCEPTION 'pause_after needs an endpoint name, not a URL'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'There is no endpoint to pause behind a URL; pass the endpoint''s name.';
    END IF;

    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = source AND a.attname = input_column
                      AND a.attnum > 0 AND NOT a.attisdropped) THEN
        RAISE EXCEPTION 'column "%" of relation % does not exist', input_column, source
            USING ERRCODE = 'undefined_column';
    END IF;
    SELECT a.atttypid INTO out_type FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = source AND a.attname = output_column AND a.attnum > 0
       AND NOT a.attisdropped AND a.attgenerated = '';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'column "%" of relation % does not exist or is generated', output_column, source
            USING ERRCODE = 'undefined_column';
    END IF;
    IF task = 'feature-extraction' THEN
        -- real[] or any type real[] can be assigned to, such as pgvector's vector
        IF out_type <> 'real[]'::regtype AND NOT EXISTS (
               SELECT 1 FROM pg_catalog.pg_cast
                WHERE castsource = 'real[]'::regtype AND casttarget = out_type
                  AND castcontext IN ('a', 'i')) THEN
            RAISE EXCEPTION 'column "%" has type %, but task % writes real[]', output_column, out_type, task
                USING ERRCODE = 'datatype_mismatch',
                      HINT = 'Use a real[] column, or a type with an assignment cast from real[] such as pgvector''s vector.';
        END IF;
    ELSIF out_type NOT IN ('text'::regtype, 'character varying'::regtype) THEN
        RAISE EXCEPTION 'column "%" has type %, but task % writes text', output_column, out_type, task
            USING ERRCODE = 'datatype_mismatch',
                  HINT = 'Use a text or varchar column.';
    END IF;

    -- From here on the job shows in hfendpoints.jobs, until it ends or fails.
    PERFORM @extschema@._job_begin('enrich', endpoint, source::text);

    -- Bring the endpoint up if it sleeps.
    IF NOT is_url THEN
        IF pg_catalog.strpos(endpoint, '/') > 0 THEN
            ep_ns := pg_catalog.split_part(endpoint, '/', 1);
            ep_name := pg_catalog.split_part(endpoint, '/', 2);
        ELSE
            ep_name := endpoint;
        END IF;
        IF resume_endpoint THEN
            ep := @extschema@.get_endpoint(ep_name, ep_ns);
            IF ep.status IN ('paused', 'scaledToZero') THEN
                PERFORM @extschema@._job_progress(state => 'waiting for endpoint');
                RAISE NOTICE 'enrich: endpoint "%" is %, resuming it', ep_name, ep.status;
                PERFORM @extschema@.resume_endpoint(ep_name, ep_ns, running_ok => true);
            END IF;
            IF ep.status <> 'running' THEN
                PERFORM @extschema@._job_progress(state => 'waiting for endpoint');
                RAISE NOTICE 'enrich: waiting for endpoint "%" to be running', ep_name;
                PERFORM @extschema@.wait_endpoint(ep_name, ep_ns,
                    timeout => pg_catalog.current_setting('hfendpoints.cold_start_timeout')::interval,
                    refresh_every => interval '1 second');
            END IF;
        END IF;
    END IF;

    EXECUTE pg_catalog.format('SELECT pg_catalog.count(*) FROM %s WHERE %I IS NULL AND %I IS NOT NULL',
                              source, output_column, input_column) INTO total;
    IF max_rows IS NOT NULL THEN
        total := LEAST(total, max_rows);
    END IF;
    DELETE FROM @extschema@.enrich_failures f
     WHERE f.source = enrich.source AND f.output_column = enrich.output_column;
    RAISE NOTICE 'enrich: % rows of % to fill', total, source;
    PERFORM @extschema@._job_progress(total => total, done => 0, failed => 0, state => 'running');
    COMMIT;

    -- A cursor loop survives COMMIT: PL/pgSQL makes its cursor holdable.
    FOR rec IN EXECUTE pg_catalog.format(
        'SELECT ctid AS id, %I::text AS input FROM %s WHERE %I IS NULL AND %I IS NOT NULL',
        input_column, source, output_column, input_column)
    LOOP
        EXIT WHEN max_rows IS NOT NULL AND done + failed + pg_catalog.cardinality(ids) >= max_rows;
        ids := ids || rec.id;
        inputs := inputs || rec.input;
        CONTINUE WHEN pg_catalog.cardinality(ids) < batch_size;

        batch := @extschema@._enrich_apply(source, input_column, output_column, task,
                                           endpoint, parameters, ids, inputs);
        COMMIT;
        done := done + batch.filled;
        failed := failed + batch.failed;
        PERFORM @extschema@._job_progress(done => done, failed => failed);
        ids := '{}';
        inputs := '{}';
        elapsed := extract(epoch FROM pg_catalog.clock_timestamp() - started);
        rate := CASE WHEN elapsed > 0 THEN (done + failed) / elapsed END;
        RAISE NOTICE 'enrich: % of % rows done, % failed, % rows/s, ETA % s',
            done, total, failed, pg_catalog.round(coalesce(rate, 0)::numeric, 1),
            CASE WHEN rate > 0 THEN pg_catalog.round(((total - done - failed) / rate)::numeric) END;
    END LOOP;
    IF pg_catalog.cardinality(ids) > 0 THEN
        batch := @extschema@._enrich_apply(source, input_column, output_column, task,
                                           endpoint, parameters, ids, inputs);
        COMMIT;
        done := done + batch.filled;
        failed := failed + batch.failed;
        PERFORM @extschema@._job_progress(done => done, failed => failed);
    END IF;

    RAISE NOTICE 'enrich: finished, % rows filled, % failed (see hfendpoints.enrich_failures)', done, failed;

    IF pause_after IS NOT NULL THEN
        PERFORM @extschema@._job_progress(state => 'pausing');
    END IF;
    IF pause_after = 'pause' THEN
        PERFORM @extschema@.pause_endpoint(ep_name, ep_ns);
    ELSIF pause_after = 'scale_to_zero' THEN
        PERFORM @extschema@.scale_to_zero_endpoint(ep_name, ep_ns);
    END IF;
    PERFORM @extschema@._job_end();
END
$enrich$;
COMMENT ON PROCEDURE @extschema@.enrich(regclass, text, text, text, text, jsonb, integer, bigint, boolean, text) IS
    'fills output_column from a model for rows where it is NULL, batch by batch, committing after each batch';
REVOKE ALL ON PROCEDURE @extschema@.enrich(regclass, text, text, text, text, jsonb, integer, bigint, boolean, text) FROM PUBLIC;
GRANT EXECUTE ON PROCEDURE @extschema@.enrich(regclass, text, text, text, text, jsonb, integer, bigint, boolean, text) TO hfendpoints_user;
-- Observability: request statistics per endpoint and the progress of
-- running enrich and batch calls, both in shared memory (they need
-- hfendpoints in shared_preload_libraries; without it, reading them raises
-- an error and everything else works).

CREATE FUNCTION @extschema@.stats(
    OUT database name,
    OUT server name,
    OUT endpoint text,
    OUT requests bigint,
    OUT successes bigint,
    OUT client_errors bigint,
    OUT server_errors bigint,
    OUT rate_limited bigint,
    OUT transport_errors bigint,
    OUT timeouts bigint,
    OUT cancels bigint,
    OUT retries bigint,
    OUT cold_starts bigint,
    OUT total_time_ms double precision,
    OUT mean_time_ms double precision,
    OUT max_time_ms double precision,
    OUT bytes_sent bigint,
    OUT bytes_received bigint,
    OUT tokens_generated bigint,
    OUT first_call timestamptz,
    OUT last_call timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'hfendpoints_stats'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.stats() IS
    'HTTP requests sent per database, server and endpoint since the last stats_reset(); see the view hfendpoints.stats';

CREATE VIEW @extschema@.stats AS
    SELECT * FROM @extschema@.stats();
COMMENT ON VIEW @extschema@.stats IS
    'HTTP requests sent per database, server and endpoint: outcomes, retries, time, bytes and tokens';

CREATE FUNCTION @extschema@.stats_reset()
RETURNS void
AS 'MODULE_PATHNAME', 'hfendpoints_stats_reset'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.stats_reset() IS
    'forgets every row of hfendpoints.stats';

CREATE FUNCTION @extschema@.jobs(
    OUT database name,
    OUT pid integer,
    OUT role name,
    OUT job text,
    OUT endpoint text,
    OUT source text,
    OUT state text,
    OUT rows_total bigint,
    OUT rows_done bigint,
    OUT rows_failed bigint,
    OUT rows_per_second double precision,
    OUT started_at timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'hfendpoints_jobs'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.jobs() IS
    'the enrich and batch calls running now in any session; see the view hfendpoints.jobs';

CREATE VIEW @extschema@.jobs AS
    SELECT * FROM @extschema@.jobs();
COMMENT ON VIEW @extschema@.jobs IS
    'the enrich and batch calls running now in any session, with their progress';

-- enrich reports its progress through these; each acts on the calling
-- backend's own job only.
CREATE FUNCTION @extschema@._job_begin(job text, endpoint text, source text DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'hfendpoints_job_begin'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@._job_begin(text, text, text) IS
    'internal: shows a job of this backend in hfendpoints.jobs';

CREATE FUNCTION @extschema@._job_progress(total bigint DEFAULT NULL, done bigint DEFAULT NULL,
                                          failed bigint DEFAULT NULL, state text DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'hfendpoints_job_progress'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@._job_progress(bigint, bigint, bigint, text) IS
    'internal: updates the row counts or the state of this backend''s job; NULL leaves a field as it is';

CREATE FUNCTION @extschema@._job_end()
RETURNS void
AS 'MODULE_PATHNAME', 'hfendpoints_job_end'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@._job_end() IS
    'internal: removes this backend''s job from hfendpoints.jobs';

-- Reading: the role that runs inference, and the monitoring roles.
-- Resetting: the extension's owner (a superuser) only.
REVOKE ALL ON FUNCTION @extschema@.stats(), @extschema@.jobs(), @extschema@.stats_reset(),
    @extschema@._job_begin(text, text, text),
    @extschema@._job_progress(bigint, bigint, bigint, text),
    @extschema@._job_end()
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.stats(), @extschema@.jobs() TO hfendpoints_user, pg_read_all_stats;
GRANT SELECT ON @extschema@.stats, @extschema@.jobs TO hfendpoints_user, pg_read_all_stats;
GRANT EXECUTE ON FUNCTION @extschema@._job_begin(text, text, text),
    @extschema@._job_progress(bigint, bigint, bigint, text),
    @extschema@._job_end()
TO hfendpoints_user;
