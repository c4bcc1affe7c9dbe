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

-- hfendpoints.jobs shows the rows in flight and an ETA: new columns of
-- jobs(), so the view and the function are made again, with their grants.
DROP VIEW @extschema@.jobs;
DROP FUNCTION @extschema@.jobs();
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
    OUT started_at timestamptz,
    OUT rows_in_flight bigint,
    OUT eta interval)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'hfendpoints_jobs'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.jobs() IS
    'the enrich and batch calls running now in any session; see the view hfendpoints.jobs';

CREATE VIEW @extschema@.jobs AS
    SELECT * FROM @extschema@.jobs();
COMMENT ON VIEW @extschema@.jobs IS
    'the enrich and batch calls running now in any session, with their progress';
REVOKE ALL ON FUNCTION @extschema@.jobs() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.jobs() TO hfendpoints_user, pg_read_all_stats;
GRANT SELECT ON @extschema@.jobs TO hfendpoints_user, pg_read_all_stats;

-- The inference functions take engine => 'tgi', 'tei', 'vllm', 'sglang',
-- 'llamacpp' or 'toolkit', which forces the engine a call speaks to (by
-- default the endpoint's image decides, or probes of its URL).  A new
-- argument is a new signature: drop and create them again, with their
-- grants.
DROP FUNCTION @extschema@.text_generation(text, text, integer, double precision, integer,
    double precision, double precision, double precision, double precision, boolean, bigint,
    text[], boolean, integer, boolean, jsonb, text, jsonb);
DROP FUNCTION @extschema@.chat_completion(text, jsonb, integer, double precision,
    double precision, bigint, text[], double precision, double precision, jsonb, jsonb, jsonb, jsonb);
DROP FUNCTION @extschema@.chat(text, text, text, integer, double precision,
    double precision, bigint, text[], double precision, double precision, jsonb, jsonb);
DROP FUNCTION @extschema@.feature_extraction(text, text, boolean, boolean, text, text, integer);
DROP FUNCTION @extschema@.text_generation_batch(text, text[], integer, double precision, integer,
    double precision, double precision, double precision, double precision, boolean, bigint,
    text[], boolean, integer, boolean, jsonb, text, jsonb, text);
DROP FUNCTION @extschema@.chat_batch(text, text[], text, integer, double precision,
    double precision, bigint, text[], double precision, double precision, jsonb, jsonb, text);
DROP FUNCTION @extschema@.feature_extraction_batch(text, text[], boolean, boolean, text, text, integer, text);

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
    extra_parameters jsonb DEFAULT NULL,
    engine text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'hfendpoints_text_generation'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.text_generation(text, text, integer, double precision, integer,
    double precision, double precision, double precision, double precision, boolean, bigint,
    text[], boolean, integer, boolean, jsonb, text, jsonb, text) IS
    'generates text from a prompt with TGI''s parameters, on any engine (TGI and the toolkit: POST {url}; vLLM, SGLang, llama.cpp: POST {url}/v1/completions)';

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
    extra jsonb DEFAULT NULL,
    engine text DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'hfendpoints_chat_completion'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.chat_completion(text, jsonb, integer, double precision,
    double precision, bigint, text[], double precision, double precision, jsonb, jsonb, jsonb, jsonb, text) IS
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
    extra jsonb DEFAULT NULL,
    engine text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'hfendpoints_chat'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.chat(text, text, text, integer, double precision,
    double precision, bigint, text[], double precision, double precision, jsonb, jsonb, text) IS
    'sends a prompt (and an optional system message) as a chat completion and returns the first choice''s text';

CREATE FUNCTION @extschema@.feature_extraction(
    endpoint text,
    input text,
    normalized boolean DEFAULT NULL,
    truncate boolean DEFAULT NULL,
    prompt_name text DEFAULT NULL,
    truncation_direction text DEFAULT NULL,
    dimensions integer DEFAULT NULL,
    engine text DEFAULT NULL)
RETURNS real[]
AS 'MODULE_PATHNAME', 'hfendpoints_feature_extraction'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.feature_extraction(text, text, boolean, boolean, text, text, integer, text) IS
    'computes the embedding of a text (TEI: POST {url}; vLLM, SGLang, llama.cpp: POST {url}/v1/embeddings; the toolkit''s pipelines)';

REVOKE ALL ON FUNCTION
    @extschema@.text_generation(text, text, integer, double precision, integer,
        double precision, double precision, double precision, double precision, boolean, bigint,
        text[], boolean, integer, boolean, jsonb, text, jsonb, text),
    @extschema@.chat_completion(text, jsonb, integer, double precision,
        double precision, bigint, text[], double precision, double precision, jsonb, jsonb, jsonb, jsonb, text),
    @extschema@.chat(text, text, text, integer, double precision,
        double precision, bigint, text[], double precision, double precision, jsonb, jsonb, text),
    @extschema@.feature_extraction(text, text, boolean, boolean, text, text, integer, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.text_generation(text, text, integer, double precision, integer,
        double precision, double precision, double precision, double precision, boolean, bigint,
        text[], boolean, integer, boolean, jsonb, text, jsonb, text),
    @extschema@.chat_completion(text, jsonb, integer, double precision,
        double precision, bigint, text[], double precision, double precision, jsonb, jsonb, jsonb, jsonb, text),
    @extschema@.chat(text, text, text, integer, double precision,
        double precision, bigint, text[], double precision, double precision, jsonb, jsonb, text),
    @extschema@.feature_extraction(text, text, boolean, boolean, text, text, integer, text)
TO hfendpoints_user;

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
    engine text DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, output text, error text)
AS 'MODULE_PATHNAME', 'hfendpoints_text_generation_batch'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION @extschema@.text_generation_batch(text, text[], integer, double precision, integer,
    double precision, double precision, double precision, double precision, boolean, bigint,
    text[], boolean, integer, boolean, jsonb, text, jsonb, text, text) IS
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
    engine text DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, output text, error text)
AS 'MODULE_PATHNAME', 'hfendpoints_chat_batch'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION @extschema@.chat_batch(text, text[], text, integer, double precision,
    double precision, bigint, text[], double precision, double precision, jsonb, jsonb, text, text) IS
    'chats with many prompts at once, concurrently; one row per prompt with the first choice''s text';

CREATE FUNCTION @extschema@.feature_extraction_batch(
    endpoint text,
    inputs text[],
    normalized boolean DEFAULT NULL,
    truncate boolean DEFAULT NULL,
    prompt_name text DEFAULT NULL,
    truncation_direction text DEFAULT NULL,
    dimensions integer DEFAULT NULL,
    engine text DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, output real[], error text)
AS 'MODULE_PATHNAME', 'hfendpoints_feature_extraction_batch'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION @extschema@.feature_extraction_batch(text, text[], boolean, boolean, text, text, integer, text, text) IS
    'computes embeddings for many texts at once, concurrently; one row per text in input order';

REVOKE ALL ON FUNCTION
    @extschema@.text_generation_batch(text, text[], integer, double precision, integer,
        double precision, double precision, double precision, double precision, boolean, bigint,
        text[], boolean, integer, boolean, jsonb, text, jsonb, text, text),
    @extschema@.chat_batch(text, text[], text, integer, double precision,
        double precision, bigint, text[], double precision, double precision, jsonb, jsonb, text, text),
    @extschema@.feature_extraction_batch(text, text[], boolean, boolean, text, text, integer, text, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.text_generation_batch(text, text[], integer, double precision, integer,
        double precision, double precision, double precision, double precision, boolean, bigint,
        text[], boolean, integer, boolean, jsonb, text, jsonb, text, text),
    @extschema@.chat_batch(text, text[], text, integer, double precision,
        double precision, bigint, text[], double precision, double precision, jsonb, jsonb, text, text),
    @extschema@.feature_extraction_batch(text, text[], boolean, boolean, text, text, integer, text, text)
TO hfendpoints_user;
-- (end of the engine argument)

-- list_hardware returns every field of the service's hardware rows: new
-- OUT columns are a new result type, so it is made again, with its grant.
DROP FUNCTION @extschema@.list_hardware(text);
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
REVOKE ALL ON FUNCTION @extschema@.list_hardware(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.list_hardware(text) TO hfendpoints_user;

-- Diagnostics and the catalog: logs, metrics, /info, a health check, the
-- model catalog (sql/parts/25_diagnostics.sql).
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
-- (end of what sql/parts/25_diagnostics.sql defines)

-- summarization and translation: the inference toolkit's pipelines, each
-- with its batch form and enrich's task.
CREATE FUNCTION @extschema@.summarization(
    endpoint text,
    input text,
    clean_up_tokenization_spaces boolean DEFAULT NULL,
    truncation text DEFAULT NULL,
    generate_parameters jsonb DEFAULT NULL,
    engine text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'hfendpoints_summarization'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.summarization(text, text, boolean, text, jsonb, text) IS
    'summarizes a text on the inference toolkit''s summarization pipeline (POST {url}, {"inputs", "parameters"})';

CREATE FUNCTION @extschema@.translation(
    endpoint text,
    input text,
    src_lang text DEFAULT NULL,
    tgt_lang text DEFAULT NULL,
    clean_up_tokenization_spaces boolean DEFAULT NULL,
    truncation text DEFAULT NULL,
    generate_parameters jsonb DEFAULT NULL,
    engine text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'hfendpoints_translation'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.translation(text, text, text, text, boolean, text, jsonb, text) IS
    'translates a text on the inference toolkit''s translation pipeline (POST {url}, {"inputs", "parameters"})';

REVOKE ALL ON FUNCTION
    @extschema@.summarization(text, text, boolean, text, jsonb, text),
    @extschema@.translation(text, text, text, text, boolean, text, jsonb, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.summarization(text, text, boolean, text, jsonb, text),
    @extschema@.translation(text, text, text, text, boolean, text, jsonb, text)
TO hfendpoints_user;

CREATE FUNCTION @extschema@.summarization_batch(
    endpoint text,
    inputs text[],
    clean_up_tokenization_spaces boolean DEFAULT NULL,
    truncation text DEFAULT NULL,
    generate_parameters jsonb DEFAULT NULL,
    engine text DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, output text, error text)
AS 'MODULE_PATHNAME', 'hfendpoints_summarization_batch'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION @extschema@.summarization_batch(text, text[], boolean, text, jsonb, text, text) IS
    'summarizes many texts at once, concurrently; one row per text in input order';

CREATE FUNCTION @extschema@.translation_batch(
    endpoint text,
    inputs text[],
    src_lang text DEFAULT NULL,
    tgt_lang text DEFAULT NULL,
    clean_up_tokenization_spaces boolean DEFAULT NULL,
    truncation text DEFAULT NULL,
    generate_parameters jsonb DEFAULT NULL,
    engine text DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, output text, error text)
AS 'MODULE_PATHNAME', 'hfendpoints_translation_batch'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION @extschema@.translation_batch(text, text[], text, text, boolean, text, jsonb, text, text) IS
    'translates many texts at once, concurrently; one row per text in input order';

REVOKE ALL ON FUNCTION
    @extschema@.summarization_batch(text, text[], boolean, text, jsonb, text, text),
    @extschema@.translation_batch(text, text[], text, text, boolean, text, jsonb, text, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.summarization_batch(text, text[], boolean, text, jsonb, text, text),
    @extschema@.translation_batch(text, text[], text, text, boolean, text, jsonb, text, text)
TO hfendpoints_user;
-- (end of summarization and translation)

-- sentence_similarity and rerank, with their batch and enrich forms.
CREATE FUNCTION @extschema@.sentence_similarity(
    endpoint text,
    sentence text,
    other_sentences text[] DEFAULT NULL,
    engine text DEFAULT NULL)
RETURNS real[]
AS 'MODULE_PATHNAME', 'hfendpoints_sentence_similarity'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.sentence_similarity(text, text, text[], text) IS
    'how close a sentence is to each of other_sentences, in their order (TEI POST {url}/similarity; the toolkit''s sentence-similarity pipeline)';

REVOKE ALL ON FUNCTION @extschema@.sentence_similarity(text, text, text[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.sentence_similarity(text, text, text[], text) TO hfendpoints_user;

CREATE FUNCTION @extschema@.sentence_similarity_batch(
    endpoint text,
    sentences text[],
    other_sentences text[] DEFAULT NULL,
    engine text DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, output real[], error text)
AS 'MODULE_PATHNAME', 'hfendpoints_sentence_similarity_batch'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION @extschema@.sentence_similarity_batch(text, text[], text[], text, text) IS
    'compares many sentences with the same other_sentences at once, concurrently; one row per sentence in input order';

-- rerank: TEI's scores of texts against a query.  The C function is the
-- batch form of the task (one text per input, packed into TEI's "texts");
-- rerank() returns its rows best first, numbered from 1 as in the array.
CREATE FUNCTION @extschema@._rerank_scores(
    endpoint text,
    texts text[],
    query text DEFAULT NULL,
    raw_scores boolean DEFAULT NULL,
    truncate boolean DEFAULT NULL,
    engine text DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, output real, error text)
AS 'MODULE_PATHNAME', 'hfendpoints_rerank_scores'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION @extschema@._rerank_scores(text, text[], text, boolean, boolean, text, text) IS
    'internal: the score of each text against the query, in input order';

CREATE FUNCTION @extschema@.rerank(
    endpoint text,
    query text,
    texts text[],
    raw_scores boolean DEFAULT NULL,
    truncate boolean DEFAULT NULL,
    engine text DEFAULT NULL)
RETURNS TABLE (index integer, score real)
LANGUAGE sql VOLATILE PARALLEL RESTRICTED ROWS 100
BEGIN ATOMIC
    SELECT s.ord, s.output
      FROM @extschema@._rerank_scores(endpoint, texts, query => query, raw_scores => raw_scores,
                                      truncate => truncate, engine => engine) s
     ORDER BY s.output DESC, s.ord;
END;
COMMENT ON FUNCTION @extschema@.rerank(text, text, text[], boolean, boolean, text) IS
    'scores texts against a query (TEI POST {url}/rerank); one row per text, best first, index counting from 1';

REVOKE ALL ON FUNCTION
    @extschema@.sentence_similarity_batch(text, text[], text[], text, text),
    @extschema@._rerank_scores(text, text[], text, boolean, boolean, text, text),
    @extschema@.rerank(text, text, text[], boolean, boolean, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.sentence_similarity_batch(text, text[], text[], text, text),
    @extschema@._rerank_scores(text, text[], text, boolean, boolean, text, text),
    @extschema@.rerank(text, text, text[], boolean, boolean, text)
TO hfendpoints_user;
-- (end of sentence_similarity and rerank)

-- The typed tasks that return rows: their C functions (named with a
-- leading underscore) return the rows as jsonb, [{...}, ...], which these
-- SQL functions make a table of, in the order the C function gives them
-- (best first, or the text's order for entities).  question_answering's C
-- function takes the context as its input and the question as an option,
-- so that enrich answers one question over a column of contexts.

CREATE FUNCTION @extschema@._text_classification(
    endpoint text,
    text text,
    top_k integer DEFAULT NULL,
    function_to_apply text DEFAULT NULL,
    engine text DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'hfendpoints_text_classification_json'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@._text_classification(text, text, integer, text, text) IS
    'internal: the rows of text_classification as jsonb';

CREATE FUNCTION @extschema@.text_classification(
    endpoint text,
    text text,
    top_k integer DEFAULT NULL,
    function_to_apply text DEFAULT NULL,
    engine text DEFAULT NULL)
RETURNS TABLE (label text, score real)
LANGUAGE sql VOLATILE PARALLEL RESTRICTED ROWS 10
BEGIN ATOMIC
    SELECT (e.v ->> 'label'), (e.v ->> 'score')::real
      FROM jsonb_array_elements(@extschema@._text_classification(endpoint, text, top_k => top_k, function_to_apply => function_to_apply, engine => engine))
           WITH ORDINALITY AS e(v, n)
     ORDER BY e.n;
END;
COMMENT ON FUNCTION @extschema@.text_classification(text, text, integer, text, text) IS
    'the labels of a text with their scores, best first (TEI POST {url}/predict; the toolkit''s text-classification pipeline)';

CREATE FUNCTION @extschema@._zero_shot_classification(
    endpoint text,
    text text,
    candidate_labels text[] DEFAULT NULL,
    multi_label boolean DEFAULT NULL,
    hypothesis_template text DEFAULT NULL,
    engine text DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'hfendpoints_zero_shot_classification_json'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@._zero_shot_classification(text, text, text[], boolean, text, text) IS
    'internal: the rows of zero_shot_classification as jsonb';

CREATE FUNCTION @extschema@.zero_shot_classification(
    endpoint text,
    text text,
    candidate_labels text[] DEFAULT NULL,
    multi_label boolean DEFAULT NULL,
    hypothesis_template text DEFAULT NULL,
    engine text DEFAULT NULL)
RETURNS TABLE (label text, score real)
LANGUAGE sql VOLATILE PARALLEL RESTRICTED ROWS 10
BEGIN ATOMIC
    SELECT (e.v ->> 'label'), (e.v ->> 'score')::real
      FROM jsonb_array_elements(@extschema@._zero_shot_classification(endpoint, text, candidate_labels => candidate_labels, multi_label => multi_label, hypothesis_template => hypothesis_template, engine => engine))
           WITH ORDINALITY AS e(v, n)
     ORDER BY e.n;
END;
COMMENT ON FUNCTION @extschema@.zero_shot_classification(text, text, text[], boolean, text, text) IS
    'how well each candidate label fits a text, best first (the toolkit''s zero-shot-classification pipeline)';

CREATE FUNCTION @extschema@._token_classification(
    endpoint text,
    text text,
    aggregation_strategy text DEFAULT NULL,
    ignore_labels text[] DEFAULT NULL,
    stride integer DEFAULT NULL,
    engine text DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'hfendpoints_token_classification_json'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@._token_classification(text, text, text, text[], integer, text) IS
    'internal: the rows of token_classification as jsonb';

CREATE FUNCTION @extschema@.token_classification(
    endpoint text,
    text text,
    aggregation_strategy text DEFAULT NULL,
    ignore_labels text[] DEFAULT NULL,
    stride integer DEFAULT NULL,
    engine text DEFAULT NULL)
RETURNS TABLE (entity_group text, score real, word text, start integer, "end" integer)
LANGUAGE sql VOLATILE PARALLEL RESTRICTED ROWS 10
BEGIN ATOMIC
    SELECT (e.v ->> 'entity_group'), (e.v ->> 'score')::real, (e.v ->> 'word'), (e.v ->> 'start')::integer, (e.v ->> 'end')::integer
      FROM jsonb_array_elements(@extschema@._token_classification(endpoint, text, aggregation_strategy => aggregation_strategy, ignore_labels => ignore_labels, stride => stride, engine => engine))
           WITH ORDINALITY AS e(v, n)
     ORDER BY e.n;
END;
COMMENT ON FUNCTION @extschema@.token_classification(text, text, text, text[], integer, text) IS
    'the entities of a text with their places, in the text''s order (the toolkit''s token-classification pipeline)';

CREATE FUNCTION @extschema@._fill_mask(
    endpoint text,
    text text,
    top_k integer DEFAULT NULL,
    targets text[] DEFAULT NULL,
    engine text DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'hfendpoints_fill_mask_json'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@._fill_mask(text, text, integer, text[], text) IS
    'internal: the rows of fill_mask as jsonb';

CREATE FUNCTION @extschema@.fill_mask(
    endpoint text,
    text text,
    top_k integer DEFAULT NULL,
    targets text[] DEFAULT NULL,
    engine text DEFAULT NULL)
RETURNS TABLE (token_str text, score real, token integer, sequence text)
LANGUAGE sql VOLATILE PARALLEL RESTRICTED ROWS 10
BEGIN ATOMIC
    SELECT (e.v ->> 'token_str'), (e.v ->> 'score')::real, (e.v ->> 'token')::integer, (e.v ->> 'sequence')
      FROM jsonb_array_elements(@extschema@._fill_mask(endpoint, text, top_k => top_k, targets => targets, engine => engine))
           WITH ORDINALITY AS e(v, n)
     ORDER BY e.n;
END;
COMMENT ON FUNCTION @extschema@.fill_mask(text, text, integer, text[], text) IS
    'the likeliest tokens for the mask of a text, best first (the toolkit''s fill-mask pipeline)';

CREATE FUNCTION @extschema@._question_answering(
    endpoint text,
    context text,
    question text DEFAULT NULL,
    top_k integer DEFAULT NULL,
    max_answer_len integer DEFAULT NULL,
    handle_impossible_answer boolean DEFAULT NULL,
    doc_stride integer DEFAULT NULL,
    max_seq_len integer DEFAULT NULL,
    max_question_len integer DEFAULT NULL,
    align_to_words boolean DEFAULT NULL,
    engine text DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'hfendpoints_question_answering_json'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@._question_answering(text, text, text, integer, integer, boolean, integer, integer, integer, boolean, text) IS
    'internal: the rows of question_answering as jsonb';

CREATE FUNCTION @extschema@.question_answering(
    endpoint text,
    question text,
    context text,
    top_k integer DEFAULT NULL,
    max_answer_len integer DEFAULT NULL,
    handle_impossible_answer boolean DEFAULT NULL,
    doc_stride integer DEFAULT NULL,
    max_seq_len integer DEFAULT NULL,
    max_question_len integer DEFAULT NULL,
    align_to_words boolean DEFAULT NULL,
    engine text DEFAULT NULL)
RETURNS TABLE (answer text, score real, start integer, "end" integer)
LANGUAGE sql VOLATILE PARALLEL RESTRICTED ROWS 10
BEGIN ATOMIC
    SELECT (e.v ->> 'answer'), (e.v ->> 'score')::real, (e.v ->> 'start')::integer, (e.v ->> 'end')::integer
      FROM jsonb_array_elements(@extschema@._question_answering(endpoint, context, question => question,
                                top_k => top_k, max_answer_len => max_answer_len, handle_impossible_answer => handle_impossible_answer, doc_stride => doc_stride, max_seq_len => max_seq_len, max_question_len => max_question_len, align_to_words => align_to_words, engine => engine))
           WITH ORDINALITY AS e(v, n)
     ORDER BY e.n;
END;
COMMENT ON FUNCTION @extschema@.question_answering(text, text, text, integer, integer, boolean, integer, integer, integer, boolean, text) IS
    'the answers the context gives to the question, best first (the toolkit''s question-answering pipeline)';

REVOKE ALL ON FUNCTION
    @extschema@._text_classification(text, text, integer, text, text),
    @extschema@.text_classification(text, text, integer, text, text),
    @extschema@._zero_shot_classification(text, text, text[], boolean, text, text),
    @extschema@.zero_shot_classification(text, text, text[], boolean, text, text),
    @extschema@._token_classification(text, text, text, text[], integer, text),
    @extschema@.token_classification(text, text, text, text[], integer, text),
    @extschema@._fill_mask(text, text, integer, text[], text),
    @extschema@.fill_mask(text, text, integer, text[], text),
    @extschema@._question_answering(text, text, text, integer, integer, boolean, integer, integer, integer, boolean, text),
    @extschema@.question_answering(text, text, text, integer, integer, boolean, integer, integer, integer, boolean, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@._text_classification(text, text, integer, text, text),
    @extschema@.text_classification(text, text, integer, text, text),
    @extschema@._zero_shot_classification(text, text, text[], boolean, text, text),
    @extschema@.zero_shot_classification(text, text, text[], boolean, text, text),
    @extschema@._token_classification(text, text, text, text[], integer, text),
    @extschema@.token_classification(text, text, text, text[], integer, text),
    @extschema@._fill_mask(text, text, integer, text[], text),
    @extschema@.fill_mask(text, text, integer, text[], text),
    @extschema@._question_answering(text, text, text, integer, integer, boolean, integer, integer, integer, boolean, text),
    @extschema@.question_answering(text, text, text, integer, integer, boolean, integer, integer, integer, boolean, text)
TO hfendpoints_user;

-- The batch forms of the tasks that return rows: the rows of each input,
-- by ord, with NULL columns and the error when the input failed.

CREATE FUNCTION @extschema@._text_classification_batch(
    endpoint text,
    texts text[],
    top_k integer DEFAULT NULL,
    function_to_apply text DEFAULT NULL,
    engine text DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, output jsonb, error text)
AS 'MODULE_PATHNAME', 'hfendpoints_text_classification_json_batch'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION @extschema@._text_classification_batch(text, text[], integer, text, text, text) IS
    'internal: the rows of text_classification for many inputs as jsonb, in input order';

CREATE FUNCTION @extschema@.text_classification_batch(
    endpoint text,
    texts text[],
    top_k integer DEFAULT NULL,
    function_to_apply text DEFAULT NULL,
    engine text DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, label text, score real, error text)
LANGUAGE sql VOLATILE PARALLEL RESTRICTED ROWS 100
BEGIN ATOMIC
    SELECT b.ord, (e.v ->> 'label'), (e.v ->> 'score')::real, b.error
      FROM @extschema@._text_classification_batch(endpoint, texts, top_k => top_k, function_to_apply => function_to_apply, engine => engine,
                                     on_error => on_error) b
      LEFT JOIN LATERAL jsonb_array_elements(b.output) WITH ORDINALITY AS e(v, n) ON true
     ORDER BY b.ord, e.n;
END;
COMMENT ON FUNCTION @extschema@.text_classification_batch(text, text[], integer, text, text, text) IS
    'text_classification for many texts at once, concurrently; the rows of each text, by ord in input order';

CREATE FUNCTION @extschema@._zero_shot_classification_batch(
    endpoint text,
    texts text[],
    candidate_labels text[] DEFAULT NULL,
    multi_label boolean DEFAULT NULL,
    hypothesis_template text DEFAULT NULL,
    engine text DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, output jsonb, error text)
AS 'MODULE_PATHNAME', 'hfendpoints_zero_shot_classification_json_batch'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION @extschema@._zero_shot_classification_batch(text, text[], text[], boolean, text, text, text) IS
    'internal: the rows of zero_shot_classification for many inputs as jsonb, in input order';

CREATE FUNCTION @extschema@.zero_shot_classification_batch(
    endpoint text,
    texts text[],
    candidate_labels text[] DEFAULT NULL,
    multi_label boolean DEFAULT NULL,
    hypothesis_template text DEFAULT NULL,
    engine text DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, label text, score real, error text)
LANGUAGE sql VOLATILE PARALLEL RESTRICTED ROWS 100
BEGIN ATOMIC
    SELECT b.ord, (e.v ->> 'label'), (e.v ->> 'score')::real, b.error
      FROM @extschema@._zero_shot_classification_batch(endpoint, texts, candidate_labels => candidate_labels, multi_label => multi_label, hypothesis_template => hypothesis_template, engine => engine,
                                     on_error => on_error) b
      LEFT JOIN LATERAL jsonb_array_elements(b.output) WITH ORDINALITY AS e(v, n) ON true
     ORDER BY b.ord, e.n;
END;
COMMENT ON FUNCTION @extschema@.zero_shot_classification_batch(text, text[], text[], boolean, text, text, text) IS
    'zero_shot_classification for many texts at once, concurrently; the rows of each text, by ord in input order';

CREATE FUNCTION @extschema@._token_classification_batch(
    endpoint text,
    texts text[],
    aggregation_strategy text DEFAULT NULL,
    ignore_labels text[] DEFAULT NULL,
    stride integer DEFAULT NULL,
    engine text DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, output jsonb, error text)
AS 'MODULE_PATHNAME', 'hfendpoints_token_classification_json_batch'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION @extschema@._token_classification_batch(text, text[], text, text[], integer, text, text) IS
    'internal: the rows of token_classification for many inputs as jsonb, in input order';

CREATE FUNCTION @extschema@.token_classification_batch(
    endpoint text,
    texts text[],
    aggregation_strategy text DEFAULT NULL,
    ignore_labels text[] DEFAULT NULL,
    stride integer DEFAULT NULL,
    engine text DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, entity_group text, score real, word text, start integer, "end" integer, error text)
LANGUAGE sql VOLATILE PARALLEL RESTRICTED ROWS 100
BEGIN ATOMIC
    SELECT b.ord, (e.v ->> 'entity_group'), (e.v ->> 'score')::real, (e.v ->> 'word'), (e.v ->> 'start')::integer, (e.v ->> 'end')::integer, b.error
      FROM @extschema@._token_classification_batch(endpoint, texts, aggregation_strategy => aggregation_strategy, ignore_labels => ignore_labels, stride => stride, engine => engine,
                                     on_error => on_error) b
      LEFT JOIN LATERAL jsonb_array_elements(b.output) WITH ORDINALITY AS e(v, n) ON true
     ORDER BY b.ord, e.n;
END;
COMMENT ON FUNCTION @extschema@.token_classification_batch(text, text[], text, text[], integer, text, text) IS
    'token_classification for many texts at once, concurrently; the rows of each text, by ord in input order';

CREATE FUNCTION @extschema@._fill_mask_batch(
    endpoint text,
    texts text[],
    top_k integer DEFAULT NULL,
    targets text[] DEFAULT NULL,
    engine text DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, output jsonb, error text)
AS 'MODULE_PATHNAME', 'hfendpoints_fill_mask_json_batch'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION @extschema@._fill_mask_batch(text, text[], integer, text[], text, text) IS
    'internal: the rows of fill_mask for many inputs as jsonb, in input order';

CREATE FUNCTION @extschema@.fill_mask_batch(
    endpoint text,
    texts text[],
    top_k integer DEFAULT NULL,
    targets text[] DEFAULT NULL,
    engine text DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, token_str text, score real, token integer, sequence text, error text)
LANGUAGE sql VOLATILE PARALLEL RESTRICTED ROWS 100
BEGIN ATOMIC
    SELECT b.ord, (e.v ->> 'token_str'), (e.v ->> 'score')::real, (e.v ->> 'token')::integer, (e.v ->> 'sequence'), b.error
      FROM @extschema@._fill_mask_batch(endpoint, texts, top_k => top_k, targets => targets, engine => engine,
                                     on_error => on_error) b
      LEFT JOIN LATERAL jsonb_array_elements(b.output) WITH ORDINALITY AS e(v, n) ON true
     ORDER BY b.ord, e.n;
END;
COMMENT ON FUNCTION @extschema@.fill_mask_batch(text, text[], integer, text[], text, text) IS
    'fill_mask for many texts at once, concurrently; the rows of each text, by ord in input order';

CREATE FUNCTION @extschema@._question_answering_batch(
    endpoint text,
    contexts text[],
    question text DEFAULT NULL,
    top_k integer DEFAULT NULL,
    max_answer_len integer DEFAULT NULL,
    handle_impossible_answer boolean DEFAULT NULL,
    doc_stride integer DEFAULT NULL,
    max_seq_len integer DEFAULT NULL,
    max_question_len integer DEFAULT NULL,
    align_to_words boolean DEFAULT NULL,
    engine text DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, output jsonb, error text)
AS 'MODULE_PATHNAME', 'hfendpoints_question_answering_json_batch'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION @extschema@._question_answering_batch(text, text[], text, integer, integer, boolean, integer, integer, integer, boolean, text, text) IS
    'internal: the rows of question_answering for many inputs as jsonb, in input order';

CREATE FUNCTION @extschema@.question_answering_batch(
    endpoint text,
    contexts text[],
    question text DEFAULT NULL,
    top_k integer DEFAULT NULL,
    max_answer_len integer DEFAULT NULL,
    handle_impossible_answer boolean DEFAULT NULL,
    doc_stride integer DEFAULT NULL,
    max_seq_len integer DEFAULT NULL,
    max_question_len integer DEFAULT NULL,
    align_to_words boolean DEFAULT NULL,
    engine text DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, answer text, score real, start integer, "end" integer, error text)
LANGUAGE sql VOLATILE PARALLEL RESTRICTED ROWS 100
BEGIN ATOMIC
    SELECT b.ord, (e.v ->> 'answer'), (e.v ->> 'score')::real, (e.v ->> 'start')::integer, (e.v ->> 'end')::integer, b.error
      FROM @extschema@._question_answering_batch(endpoint, contexts, question => question, top_k => top_k, max_answer_len => max_answer_len, handle_impossible_answer => handle_impossible_answer, doc_stride => doc_stride, max_seq_len => max_seq_len, max_question_len => max_question_len, align_to_words => align_to_words, engine => engine,
                                     on_error => on_error) b
      LEFT JOIN LATERAL jsonb_array_elements(b.output) WITH ORDINALITY AS e(v, n) ON true
     ORDER BY b.ord, e.n;
END;
COMMENT ON FUNCTION @extschema@.question_answering_batch(text, text[], text, integer, integer, boolean, integer, integer, integer, boolean, text, text) IS
    'answers one question from many contexts at once, concurrently; the answers of each context, by ord in input order';

REVOKE ALL ON FUNCTION
    @extschema@._text_classification_batch(text, text[], integer, text, text, text),
    @extschema@.text_classification_batch(text, text[], integer, text, text, text),
    @extschema@._zero_shot_classification_batch(text, text[], text[], boolean, text, text, text),
    @extschema@.zero_shot_classification_batch(text, text[], text[], boolean, text, text, text),
    @extschema@._token_classification_batch(text, text[], text, text[], integer, text, text),
    @extschema@.token_classification_batch(text, text[], text, text[], integer, text, text),
    @extschema@._fill_mask_batch(text, text[], integer, text[], text, text),
    @extschema@.fill_mask_batch(text, text[], integer, text[], text, text),
    @extschema@._question_answering_batch(text, text[], text, integer, integer, boolean, integer, integer, integer, boolean, text, text),
    @extschema@.question_answering_batch(text, text[], text, integer, integer, boolean, integer, integer, integer, boolean, text, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@._text_classification_batch(text, text[], integer, text, text, text),
    @extschema@.text_classification_batch(text, text[], integer, text, text, text),
    @extschema@._zero_shot_classification_batch(text, text[], text[], boolean, text, text, text),
    @extschema@.zero_shot_classification_batch(text, text[], text[], boolean, text, text, text),
    @extschema@._token_classification_batch(text, text[], text, text[], integer, text, text),
    @extschema@.token_classification_batch(text, text[], text, text[], integer, text, text),
    @extschema@._fill_mask_batch(text, text[], integer, text[], text, text),
    @extschema@.fill_mask_batch(text, text[], integer, text[], text, text),
    @extschema@._question_answering_batch(text, text[], text, integer, integer, boolean, integer, integer, integer, boolean, text, text),
    @extschema@.question_answering_batch(text, text[], text, integer, integer, boolean, integer, integer, integer, boolean, text, text)
TO hfendpoints_user;
-- (end of the tasks that return rows)

-- The toolkit's media tasks: the image or audio is a bytea, sent as the
-- body with its media type (content_type, or found from its first bytes),
-- or in base64 within JSON when the call has options.

CREATE FUNCTION @extschema@._image_classification(
    endpoint text,
    image bytea,
    content_type text DEFAULT NULL,
    top_k integer DEFAULT NULL,
    function_to_apply text DEFAULT NULL,
    engine text DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'hfendpoints_image_classification_fn'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@._image_classification(text, bytea, text, integer, text, text) IS
    'internal: the rows of image_classification as jsonb';

CREATE FUNCTION @extschema@.image_classification(
    endpoint text,
    image bytea,
    content_type text DEFAULT NULL,
    top_k integer DEFAULT NULL,
    function_to_apply text DEFAULT NULL,
    engine text DEFAULT NULL)
RETURNS TABLE (label text, score real)
LANGUAGE sql VOLATILE PARALLEL RESTRICTED ROWS 10
BEGIN ATOMIC
    SELECT (e.v ->> 'label'), (e.v ->> 'score')::real
      FROM jsonb_array_elements(@extschema@._image_classification(endpoint, image, content_type => content_type, top_k => top_k, function_to_apply => function_to_apply, engine => engine))
           WITH ORDINALITY AS e(v, n)
     ORDER BY e.n;
END;
COMMENT ON FUNCTION @extschema@.image_classification(text, bytea, text, integer, text, text) IS
    'the labels of an image with their scores, best first (the toolkit''s image-classification pipeline)';

CREATE FUNCTION @extschema@._audio_classification(
    endpoint text,
    audio bytea,
    content_type text DEFAULT NULL,
    top_k integer DEFAULT NULL,
    function_to_apply text DEFAULT NULL,
    engine text DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'hfendpoints_audio_classification_fn'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@._audio_classification(text, bytea, text, integer, text, text) IS
    'internal: the rows of audio_classification as jsonb';

CREATE FUNCTION @extschema@.audio_classification(
    endpoint text,
    audio bytea,
    content_type text DEFAULT NULL,
    top_k integer DEFAULT NULL,
    function_to_apply text DEFAULT NULL,
    engine text DEFAULT NULL)
RETURNS TABLE (label text, score real)
LANGUAGE sql VOLATILE PARALLEL RESTRICTED ROWS 10
BEGIN ATOMIC
    SELECT (e.v ->> 'label'), (e.v ->> 'score')::real
      FROM jsonb_array_elements(@extschema@._audio_classification(endpoint, audio, content_type => content_type, top_k => top_k, function_to_apply => function_to_apply, engine => engine))
           WITH ORDINALITY AS e(v, n)
     ORDER BY e.n;
END;
COMMENT ON FUNCTION @extschema@.audio_classification(text, bytea, text, integer, text, text) IS
    'the labels of a sound with their scores, best first (the toolkit''s audio-classification pipeline)';

CREATE FUNCTION @extschema@._object_detection(
    endpoint text,
    image bytea,
    content_type text DEFAULT NULL,
    threshold double precision DEFAULT NULL,
    engine text DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'hfendpoints_object_detection_fn'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@._object_detection(text, bytea, text, double precision, text) IS
    'internal: the rows of object_detection as jsonb';

CREATE FUNCTION @extschema@.object_detection(
    endpoint text,
    image bytea,
    content_type text DEFAULT NULL,
    threshold double precision DEFAULT NULL,
    engine text DEFAULT NULL)
RETURNS TABLE (label text, score real, xmin integer, ymin integer, xmax integer, ymax integer)
LANGUAGE sql VOLATILE PARALLEL RESTRICTED ROWS 10
BEGIN ATOMIC
    SELECT (e.v ->> 'label'), (e.v ->> 'score')::real, (e.v ->> 'xmin')::integer, (e.v ->> 'ymin')::integer, (e.v ->> 'xmax')::integer, (e.v ->> 'ymax')::integer
      FROM jsonb_array_elements(@extschema@._object_detection(endpoint, image, content_type => content_type, threshold => threshold, engine => engine))
           WITH ORDINALITY AS e(v, n)
     ORDER BY e.n;
END;
COMMENT ON FUNCTION @extschema@.object_detection(text, bytea, text, double precision, text) IS
    'the objects in an image with their scores and boxes, best first (the toolkit''s object-detection pipeline)';

CREATE FUNCTION @extschema@.image_to_text(
    endpoint text,
    image bytea,
    content_type text DEFAULT NULL,
    max_new_tokens integer DEFAULT NULL,
    engine text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'hfendpoints_image_to_text_fn'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.image_to_text(text, bytea, text, integer, text) IS
    'a caption of an image (the toolkit''s image-to-text pipeline)';

CREATE FUNCTION @extschema@.automatic_speech_recognition(
    endpoint text,
    audio bytea,
    content_type text DEFAULT NULL,
    engine text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'hfendpoints_automatic_speech_recognition_fn'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.automatic_speech_recognition(text, bytea, text, text) IS
    'the words of a recording (the toolkit''s automatic-speech-recognition pipeline)';

REVOKE ALL ON FUNCTION
    @extschema@._image_classification(text, bytea, text, integer, text, text),
    @extschema@.image_classification(text, bytea, text, integer, text, text),
    @extschema@._audio_classification(text, bytea, text, integer, text, text),
    @extschema@.audio_classification(text, bytea, text, integer, text, text),
    @extschema@._object_detection(text, bytea, text, double precision, text),
    @extschema@.object_detection(text, bytea, text, double precision, text),
    @extschema@.image_to_text(text, bytea, text, integer, text),
    @extschema@.automatic_speech_recognition(text, bytea, text, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@._image_classification(text, bytea, text, integer, text, text),
    @extschema@.image_classification(text, bytea, text, integer, text, text),
    @extschema@._audio_classification(text, bytea, text, integer, text, text),
    @extschema@.audio_classification(text, bytea, text, integer, text, text),
    @extschema@._object_detection(text, bytea, text, double precision, text),
    @extschema@.object_detection(text, bytea, text, double precision, text),
    @extschema@.image_to_text(text, bytea, text, integer, text),
    @extschema@.automatic_speech_recognition(text, bytea, text, text)
TO hfendpoints_user;

-- The batch forms of the media tasks.

CREATE FUNCTION @extschema@._image_classification_batch(
    endpoint text,
    images bytea[],
    content_type text DEFAULT NULL,
    top_k integer DEFAULT NULL,
    function_to_apply text DEFAULT NULL,
    engine text DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, output jsonb, error text)
AS 'MODULE_PATHNAME', 'hfendpoints_image_classification_fn_batch'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION @extschema@._image_classification_batch(text, bytea[], text, integer, text, text, text) IS
    'internal: the rows of image_classification for many inputs as jsonb, in input order';

CREATE FUNCTION @extschema@.image_classification_batch(
    endpoint text,
    images bytea[],
    content_type text DEFAULT NULL,
    top_k integer DEFAULT NULL,
    function_to_apply text DEFAULT NULL,
    engine text DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, label text, score real, error text)
LANGUAGE sql VOLATILE PARALLEL RESTRICTED ROWS 100
BEGIN ATOMIC
    SELECT b.ord, (e.v ->> 'label'), (e.v ->> 'score')::real, b.error
      FROM @extschema@._image_classification_batch(endpoint, images, content_type => content_type, top_k => top_k, function_to_apply => function_to_apply, engine => engine,
                                     on_error => on_error) b
      LEFT JOIN LATERAL jsonb_array_elements(b.output) WITH ORDINALITY AS e(v, n) ON true
     ORDER BY b.ord, e.n;
END;
COMMENT ON FUNCTION @extschema@.image_classification_batch(text, bytea[], text, integer, text, text, text) IS
    'image_classification for many inputs at once, concurrently; the rows of each, by ord in input order';

CREATE FUNCTION @extschema@._audio_classification_batch(
    endpoint text,
    audios bytea[],
    content_type text DEFAULT NULL,
    top_k integer DEFAULT NULL,
    function_to_apply text DEFAULT NULL,
    engine text DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, output jsonb, error text)
AS 'MODULE_PATHNAME', 'hfendpoints_audio_classification_fn_batch'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION @extschema@._audio_classification_batch(text, bytea[], text, integer, text, text, text) IS
    'internal: the rows of audio_classification for many inputs as jsonb, in input order';

CREATE FUNCTION @extschema@.audio_classification_batch(
    endpoint text,
    audios bytea[],
    content_type text DEFAULT NULL,
    top_k integer DEFAULT NULL,
    function_to_apply text DEFAULT NULL,
    engine text DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, label text, score real, error text)
LANGUAGE sql VOLATILE PARALLEL RESTRICTED ROWS 100
BEGIN ATOMIC
    SELECT b.ord, (e.v ->> 'label'), (e.v ->> 'score')::real, b.error
      FROM @extschema@._audio_classification_batch(endpoint, audios, content_type => content_type, top_k => top_k, function_to_apply => function_to_apply, engine => engine,
                                     on_error => on_error) b
      LEFT JOIN LATERAL jsonb_array_elements(b.output) WITH ORDINALITY AS e(v, n) ON true
     ORDER BY b.ord, e.n;
END;
COMMENT ON FUNCTION @extschema@.audio_classification_batch(text, bytea[], text, integer, text, text, text) IS
    'audio_classification for many inputs at once, concurrently; the rows of each, by ord in input order';

CREATE FUNCTION @extschema@._object_detection_batch(
    endpoint text,
    images bytea[],
    content_type text DEFAULT NULL,
    threshold double precision DEFAULT NULL,
    engine text DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, output jsonb, error text)
AS 'MODULE_PATHNAME', 'hfendpoints_object_detection_fn_batch'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION @extschema@._object_detection_batch(text, bytea[], text, double precision, text, text) IS
    'internal: the rows of object_detection for many inputs as jsonb, in input order';

CREATE FUNCTION @extschema@.object_detection_batch(
    endpoint text,
    images bytea[],
    content_type text DEFAULT NULL,
    threshold double precision DEFAULT NULL,
    engine text DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, label text, score real, xmin integer, ymin integer, xmax integer, ymax integer, error text)
LANGUAGE sql VOLATILE PARALLEL RESTRICTED ROWS 100
BEGIN ATOMIC
    SELECT b.ord, (e.v ->> 'label'), (e.v ->> 'score')::real, (e.v ->> 'xmin')::integer, (e.v ->> 'ymin')::integer, (e.v ->> 'xmax')::integer, (e.v ->> 'ymax')::integer, b.error
      FROM @extschema@._object_detection_batch(endpoint, images, content_type => content_type, threshold => threshold, engine => engine,
                                     on_error => on_error) b
      LEFT JOIN LATERAL jsonb_array_elements(b.output) WITH ORDINALITY AS e(v, n) ON true
     ORDER BY b.ord, e.n;
END;
COMMENT ON FUNCTION @extschema@.object_detection_batch(text, bytea[], text, double precision, text, text) IS
    'object_detection for many inputs at once, concurrently; the rows of each, by ord in input order';

CREATE FUNCTION @extschema@.image_to_text_batch(
    endpoint text,
    images bytea[],
    content_type text DEFAULT NULL,
    max_new_tokens integer DEFAULT NULL,
    engine text DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, output text, error text)
AS 'MODULE_PATHNAME', 'hfendpoints_image_to_text_fn_batch'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION @extschema@.image_to_text_batch(text, bytea[], text, integer, text, text) IS
    'image_to_text for many inputs at once, concurrently; one row per input in input order';

CREATE FUNCTION @extschema@.automatic_speech_recognition_batch(
    endpoint text,
    audios bytea[],
    content_type text DEFAULT NULL,
    engine text DEFAULT NULL,
    on_error text DEFAULT 'raise')
RETURNS TABLE (ord integer, output text, error text)
AS 'MODULE_PATHNAME', 'hfendpoints_automatic_speech_recognition_fn_batch'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION @extschema@.automatic_speech_recognition_batch(text, bytea[], text, text, text) IS
    'automatic_speech_recognition for many inputs at once, concurrently; one row per input in input order';

REVOKE ALL ON FUNCTION
    @extschema@._image_classification_batch(text, bytea[], text, integer, text, text, text),
    @extschema@.image_classification_batch(text, bytea[], text, integer, text, text, text),
    @extschema@._audio_classification_batch(text, bytea[], text, integer, text, text, text),
    @extschema@.audio_classification_batch(text, bytea[], text, integer, text, text, text),
    @extschema@._object_detection_batch(text, bytea[], text, double precision, text, text),
    @extschema@.object_detection_batch(text, bytea[], text, double precision, text, text),
    @extschema@.image_to_text_batch(text, bytea[], text, integer, text, text),
    @extschema@.automatic_speech_recognition_batch(text, bytea[], text, text, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@._image_classification_batch(text, bytea[], text, integer, text, text, text),
    @extschema@.image_classification_batch(text, bytea[], text, integer, text, text, text),
    @extschema@._audio_classification_batch(text, bytea[], text, integer, text, text, text),
    @extschema@.audio_classification_batch(text, bytea[], text, integer, text, text, text),
    @extschema@._object_detection_batch(text, bytea[], text, double precision, text, text),
    @extschema@.object_detection_batch(text, bytea[], text, double precision, text, text),
    @extschema@.image_to_text_batch(text, bytea[], text, integer, text, text),
    @extschema@.automatic_speech_recognition_batch(text, bytea[], text, text, text)
TO hfendpoints_user;
-- (end of the media tasks)

-- enrich names rows by key, not ctid, and runs on the task table
-- (src/tasks/): its parameters are the task function's own arguments,
-- checked before the endpoint is woken, and it asks C for its tasks.
-- Failures 0.2.0 recorded by ctid cannot be mapped to keys: they are
-- dropped (the next run tries those rows again), and this says how many.
DO $$
DECLARE
    n bigint;
BEGIN
    SELECT pg_catalog.count(*) INTO n FROM @extschema@.enrich_failures;
    IF n > 0 THEN
        RAISE WARNING 'hfendpoints 0.3.0: % rows of hfendpoints.enrich_failures were dropped', n
            USING DETAIL = 'They named rows by ctid, which cannot be mapped to keys.',
                  HINT = 'The next enrich run tries those rows again and records any failure by key.';
    END IF;
END
$$;
DROP TABLE @extschema@.enrich_failures;
DROP PROCEDURE @extschema@.enrich(regclass, text, text, text, text, jsonb, integer, bigint, boolean, text);
DROP FUNCTION @extschema@._enrich_apply(regclass, text, text, text, text, jsonb, tid[], text[]);
DROP FUNCTION @extschema@._enrich_batch(text, text, text[], jsonb);
-- hfendpoints.jobs shows only the jobs that run: no SQL function makes a
-- row there any more (enrich's job loop in C does).
DROP FUNCTION @extschema@._job_begin(text, text, text);
DROP FUNCTION @extschema@._job_progress(bigint, bigint, bigint, text);
DROP FUNCTION @extschema@._job_end();

-- A row enrich could not fill, named by its key (never by ctid: it moves
-- on update, is reused after VACUUM and repeats across partitions), for
-- the role that ran the job.  attempts counts the runs that failed on it
-- with this input; at max_attempts later runs skip it until the input
-- changes or retry_failures() clears it.
CREATE TABLE @extschema@.enrich_failures (
    source         regclass    NOT NULL,
    output_column  name        NOT NULL,
    row_table      regclass    NOT NULL,
    row_key        jsonb       NOT NULL,
    role           regrole     NOT NULL
                   DEFAULT pg_catalog.to_regrole(pg_catalog.quote_ident(CURRENT_USER)),
    input          text,
    error          text        NOT NULL,
    attempts       integer     NOT NULL DEFAULT 1,
    failed_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (source, output_column, row_table, row_key, role)
);
COMMENT ON TABLE @extschema@.enrich_failures IS
    'rows that enrich could not fill, by key and role, with the last error and the number of runs that failed on them';
COMMENT ON COLUMN @extschema@.enrich_failures.row_table IS
    'the table whose key row_key is: the source, or for a table with inheritance children the child holding the row';
ALTER TABLE @extschema@.enrich_failures ENABLE ROW LEVEL SECURITY;
CREATE POLICY enrich_failures_own_rows ON @extschema@.enrich_failures
    USING (role = pg_catalog.to_regrole(pg_catalog.quote_ident(CURRENT_USER)))
    WITH CHECK (role = pg_catalog.to_regrole(pg_catalog.quote_ident(CURRENT_USER)));
-- The database's owner reads every row, so that a dump made by the owner
-- (pg_dump --enable-row-security) holds them all.
CREATE POLICY enrich_failures_database_owner ON @extschema@.enrich_failures FOR SELECT
    USING (pg_catalog.pg_has_role(
        (SELECT d.datdba FROM pg_catalog.pg_database d
          WHERE d.datname = pg_catalog.current_database()), 'USAGE'));
COMMENT ON POLICY enrich_failures_database_owner ON @extschema@.enrich_failures IS
    'the database owner reads every failure row, so that its dump holds them all';
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.enrich_failures TO hfendpoints_user;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.enrich_failures', '');

-- The last run of enrich on each (table, column), recorded by enrich
-- itself: when it started and ended, what it did, and why it stopped if
-- it did (error).  A run that is still going, or was cancelled or killed,
-- has no finished_at.
CREATE TABLE @extschema@.enrich_runs (
    source         regclass    NOT NULL,
    output_column  name        NOT NULL,
    role           regrole     NOT NULL
                   DEFAULT pg_catalog.to_regrole(pg_catalog.quote_ident(CURRENT_USER)),
    started_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    finished_at    timestamptz,
    filled         bigint,
    failed         bigint,
    skipped        bigint,
    error          text,
    PRIMARY KEY (source, output_column)
);
COMMENT ON TABLE @extschema@.enrich_runs IS
    'the last enrich run on each table and column: when, by whom, rows filled, failed and skipped, and the error that stopped it';
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.enrich_runs TO hfendpoints_user;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.enrich_runs', '');

-- Record the start or the end of a run (finished: counts given).
CREATE FUNCTION @extschema@._enrich_ran(source regclass, output_column text,
    finished boolean, filled bigint, failed bigint, skipped bigint, error text)
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $ran$
    INSERT INTO @extschema@.enrich_runs AS r (source, output_column, filled, failed, skipped, error)
    VALUES (source, output_column, filled, failed, skipped, error)
    ON CONFLICT (source, output_column) DO UPDATE
       SET role = excluded.role,
           started_at = CASE WHEN finished THEN r.started_at ELSE excluded.started_at END,
           finished_at = CASE WHEN finished THEN pg_catalog.clock_timestamp() END,
           filled = excluded.filled, failed = excluded.failed, skipped = excluded.skipped,
           error = excluded.error
$ran$;
COMMENT ON FUNCTION @extschema@._enrich_ran(regclass, text, boolean, bigint, bigint, bigint, text) IS
    'internal: records the start or the end of an enrich run in hfendpoints.enrich_runs';
REVOKE ALL ON FUNCTION @extschema@._enrich_ran(regclass, text, boolean, bigint, bigint, bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._enrich_ran(regclass, text, boolean, bigint, bigint, bigint, text) TO hfendpoints_user;

CREATE FUNCTION @extschema@.retry_failures(source regclass, output_column text)
RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $retry$
    WITH d AS (DELETE FROM @extschema@.enrich_failures f
                WHERE f.source = retry_failures.source
                  AND f.output_column = retry_failures.output_column
                  AND f.role = pg_catalog.to_regrole(pg_catalog.quote_ident(CURRENT_USER))
               RETURNING 1)
    SELECT pg_catalog.count(*) FROM d
$retry$;
COMMENT ON FUNCTION @extschema@.retry_failures(regclass, text) IS
    'forgets the current role''s failures on a column, so that the next enrich run tries those rows again; returns how many';
REVOKE ALL ON FUNCTION @extschema@.retry_failures(regclass, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.retry_failures(regclass, text) TO hfendpoints_user;

CREATE FUNCTION @extschema@._enrich_tasks(
    OUT task text, OUT function_name text, OUT output_type regtype, OUT text_member text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'hfendpoints_enrich_tasks'
LANGUAGE C STRICT STABLE PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@._enrich_tasks() IS
    'internal: the tasks enrich can run, the function whose arguments its parameters take, the type it writes, and the member of its best row it writes into a text column';
REVOKE ALL ON FUNCTION @extschema@._enrich_tasks() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._enrich_tasks() TO hfendpoints_user;

CREATE FUNCTION @extschema@._enrich_check(task text, parameters jsonb)
RETURNS void
AS 'MODULE_PATHNAME', 'hfendpoints_enrich_check'
LANGUAGE C VOLATILE PARALLEL SAFE;
REVOKE ALL ON FUNCTION @extschema@._enrich_check(text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._enrich_check(text, jsonb) TO hfendpoints_user;
COMMENT ON FUNCTION @extschema@._enrich_check(text, jsonb) IS
    'internal: raises what is wrong with an enrich task or its parameters';

-- The type task writes, once the task, the input column and the output
-- column are checked: text (to text and varchar), jsonb (to jsonb, text
-- and varchar; a task of scored rows writes its best row's text_member
-- there, such as the top label), real (to real, text, varchar and what real
-- can be assigned to), real[] (to real[] and any type real[] can be
-- assigned to, such as pgvector's vector).
CREATE FUNCTION @extschema@._enrich_columns(source regclass, input_column text,
                                            output_column text, task text)
RETURNS regtype
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $columns$
DECLARE
    task_type regtype;
    out_type  regtype;
BEGIN
    SELECT t.output_type INTO task_type FROM @extschema@._enrich_tasks() t
     WHERE t.task = _enrich_columns.task;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unsupported enrich task "%"', task
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = pg_catalog.format('Use one of: %s.',
                      (SELECT pg_catalog.string_agg(pg_catalog.quote_literal(t.task), ', ')
                         FROM @extschema@._enrich_tasks() t));
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
    -- the type itself, a string type (jsonb and real[] are written as
    -- text there), or one with an assignment cast from it
    IF NOT (out_type = task_type
            OR (task_type <> 'real[]'::regtype
                AND out_type IN ('text'::regtype, 'character varying'::regtype))
            OR EXISTS (SELECT 1 FROM pg_catalog.pg_cast
                        WHERE castsource = task_type AND casttarget = out_type
                          AND castcontext IN ('a', 'i'))) THEN
        RAISE EXCEPTION 'column "%" has type %, but task % writes %', output_column, out_type, task, task_type
            USING ERRCODE = 'datatype_mismatch',
                  HINT = CASE task_type
                         WHEN 'real[]'::regtype THEN 'Use a real[] column, or a type with an assignment cast from real[] such as pgvector''s vector.'
                         WHEN 'text'::regtype THEN 'Use a text or varchar column.'
                         ELSE pg_catalog.format('Use a %s, text or varchar column.', task_type) END;
    END IF;
    RETURN task_type;
END
$columns$;
COMMENT ON FUNCTION @extschema@._enrich_columns(regclass, text, text, text) IS
    'internal: checks an enrich task and its columns, and returns the type the task writes';
REVOKE ALL ON FUNCTION @extschema@._enrich_columns(regclass, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._enrich_columns(regclass, text, text, text) TO hfendpoints_user;

-- The key that names the rows of source: the primary key, or key_column,
-- a unique index's name or a column with a unique index of its own.  Every
-- key column must be NOT NULL, the index neither partial nor on
-- expressions.  A table with inheritance children (not a partitioned
-- table, whose key is the parent's) names its rows by (child, key): each
-- child needs a unique key on the same columns.
CREATE FUNCTION @extschema@._enrich_key(source regclass, key_column text,
    OUT key_columns name[], OUT key_types regtype[], OUT by_table boolean)
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $key$
DECLARE
    idx     oid;
    child   regclass;
    hint    text := 'enrich names each row by its key: add a primary key, or pass key_column => the name of a NOT NULL column with a unique index, or of a unique index.';
BEGIN
    IF key_column IS NULL THEN
        SELECT i.indexrelid INTO idx FROM pg_catalog.pg_index i
         WHERE i.indrelid = source AND i.indisprimary;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'relation % has no primary key', source
                USING ERRCODE = 'object_not_in_prerequisite_state', HINT = hint;
        END IF;
    ELSE
        SELECT i.indexrelid INTO idx FROM pg_catalog.pg_index i
          JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
         WHERE i.indrelid = source AND c.relname = key_column;
        IF NOT FOUND THEN
            SELECT i.indexrelid INTO idx FROM pg_catalog.pg_index i
              JOIN pg_catalog.pg_attribute a ON a.attrelid = source AND a.attname = key_column
             WHERE i.indrelid = source AND i.indisunique AND i.indnkeyatts = 1
               AND i.indkey[0] = a.attnum AND i.indpred IS NULL AND i.indexprs IS NULL
             ORDER BY i.indisprimary DESC, i.indexrelid LIMIT 1;
        END IF;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'key_column "%" is neither a unique index of % nor a column with one', key_column, source
                USING ERRCODE = 'invalid_parameter_value', HINT = hint;
        END IF;
    END IF;
    IF NOT (SELECT i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
              FROM pg_catalog.pg_index i WHERE i.indexrelid = idx) THEN
        RAISE EXCEPTION 'index % is not a unique index on plain columns', idx::regclass
            USING ERRCODE = 'invalid_parameter_value', HINT = hint;
    END IF;
    SELECT pg_catalog.array_agg(a.attname ORDER BY k.n),
           pg_catalog.array_agg(a.atttypid::regtype ORDER BY k.n),
           pg_catalog.bool_and(a.attnotnull)
      INTO key_columns, key_types, by_table
      FROM pg_catalog.pg_index i,
           LATERAL pg_catalog.unnest(i.indkey[0:i.indnkeyatts - 1]) WITH ORDINALITY AS k(attnum, n)
      JOIN pg_catalog.pg_attribute a ON a.attrelid = source AND a.attnum = k.attnum
     WHERE i.indexrelid = idx;
    IF NOT by_table THEN
        RAISE EXCEPTION 'the key of % (%) has a column that may be NULL', source,
                pg_catalog.array_to_string(key_columns, ', ')
            USING ERRCODE = 'invalid_parameter_value', HINT = hint;
    END IF;

    -- inheritance children, at any depth
    by_table := (SELECT c.relkind = 'r' FROM pg_catalog.pg_class c WHERE c.oid = source)
                AND EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h WHERE h.inhparent = source);
    IF by_table THEN
        FOR child IN
            WITH RECURSIVE tree(relid) AS (
                SELECT h.inhrelid FROM pg_catalog.pg_inherits h WHERE h.inhparent = source
                UNION
                SELECT h.inhrelid FROM pg_catalog.pg_inherits h JOIN tree t ON h.inhparent = t.relid)
            SELECT relid::regclass FROM tree ORDER BY relid
        LOOP
            IF NOT EXISTS (
                SELECT 1 FROM pg_catalog.pg_index i
                 WHERE i.indrelid = child AND i.indisunique AND i.indpred IS NULL
                   AND i.indexprs IS NULL AND i.indnkeyatts = pg_catalog.cardinality(key_columns)
                   AND (SELECT pg_catalog.array_agg(a.attname ORDER BY a.attname)
                          FROM pg_catalog.pg_attribute a
                         WHERE a.attrelid = child AND a.attnum = ANY (i.indkey[0:i.indnkeyatts - 1]))
                       = (SELECT pg_catalog.array_agg(k ORDER BY k) FROM pg_catalog.unnest(key_columns) k)) THEN
                RAISE EXCEPTION 'inheritance child % of % has no unique key on (%)', child, source,
                        pg_catalog.array_to_string(key_columns, ', ')
                    USING ERRCODE = 'object_not_in_prerequisite_state',
                          DETAIL = 'Children do not inherit their parent''s key: enrich names their rows by (child, key) and needs the key unique in each.',
                          HINT = pg_catalog.format('Create one with: CREATE UNIQUE INDEX ON %s (%s);', child,
                              (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(k), ', ') FROM pg_catalog.unnest(key_columns) k));
            END IF;
        END LOOP;
    END IF;
END
$key$;
COMMENT ON FUNCTION @extschema@._enrich_key(regclass, text) IS
    'internal: the key columns that name the rows enrich fills, and whether rows are named by (child table, key)';
REVOKE ALL ON FUNCTION @extschema@._enrich_key(regclass, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._enrich_key(regclass, text) TO hfendpoints_user;

-- The SQL texts of one enrich job, made once from its arguments, which
-- _enrich_run (src/enrich_job.c) runs.  Rows travel as (table oid, key as
-- jsonb text, input text).
--   count_query ($1 source, $2 output column, $3 max_attempts): rows to
--     fill, rows skipped after max_attempts failed runs;
--   first_page, next_page (the same, $4 the page size, $5 the last key,
--     $6 its table): the next rows to fill in key order, along the key's
--     index (keyset pagination);
--   recheck ($1 tables, $2 keys, $3 inputs): of rows just claimed, the
--     positions (from 1) of those still to fill with that input;
--   write (the same, $4 outputs as text, $5 source, $6 output column):
--     write each output where the row still has the input that was sent
--     and no output (into a text or varchar column, the text_member of
--     the output's best row when the task has one), forget the failures of
--     the rows filled; returns (filled, forgotten);
--   record_failures (the same, $4 errors): record or count again the
--     failure of each row.
CREATE FUNCTION @extschema@._enrich_queries(
    source regclass, input_column text, output_column text, key_columns name[],
    key_types regtype[], by_table boolean, filter text, output_type regtype,
    text_member text, OUT count_query text, OUT first_page text, OUT next_page text, OUT recheck text,
    OUT write text, OUT record_failures text)
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $queries$
DECLARE
    key_json  text := (SELECT 'pg_catalog.jsonb_build_object(' ||
                              pg_catalog.string_agg(pg_catalog.format('%L, t.%I', k, k), ', ') || ')'
                         FROM pg_catalog.unnest(key_columns) k);
    key_list  text := (SELECT pg_catalog.string_agg(pg_catalog.format('t.%I', k), ', ')
                         FROM pg_catalog.unnest(key_columns) k);
    -- the same columns read back from a jsonb key (at "@key@"), in their types
    key_of    text := (SELECT pg_catalog.string_agg(pg_catalog.format('(@key@->>%L)::%s', k, ty), ', ')
                         FROM ROWS FROM (pg_catalog.unnest(key_columns), pg_catalog.unnest(key_types)) AS u(k, ty));
    tbl       text := CASE WHEN by_table THEN 't.tableoid::pg_catalog.regclass' ELSE '$1' END;
    -- a row of source matched with a row r of (tbl, key, ...) arrays
    same_row  text;
    rows_of   text := 'ROWS FROM (pg_catalog.unnest($1::pg_catalog.oid[]), pg_catalog.unnest($2::text[]), '
                      'pg_catalog.unnest($3::text[]), pg_catalog.unnest($4::text[]))';
    base      text;
    skip      text;
    todo      text;
    order_by  text;
    after     text;
    page      text;
    output    text := pg_catalog.format('CAST(r.output AS %s)', output_type);
BEGIN
    IF text_member IS NOT NULL AND
       (SELECT a.atttypid FROM pg_catalog.pg_attribute a
         WHERE a.attrelid = source AND a.attname = output_column AND NOT a.attisdropped)
       IN ('text'::regtype, 'character varying'::regtype) THEN
        output := pg_catalog.format('CAST(r.output AS %s) -> 0 ->> %L', output_type, text_member);
    END IF;
    base := pg_catalog.format(
        't.%I IS NULL AND t.%I IS NOT NULL AND (%s)', output_column, input_column,
        coalesce(filter, 'true'));
    -- a row that failed max_attempts runs with this input is skipped
    skip := pg_catalog.format($f$EXISTS (
        SELECT 1 FROM @extschema@.enrich_failures f
         WHERE f.source = $1 AND f.output_column = $2
           AND f.role = pg_catalog.to_regrole(pg_catalog.quote_ident(CURRENT_USER))
           AND f.row_table = %s AND f.row_key = %s
           AND f.attempts >= $3 AND f.input IS NOT DISTINCT FROM t.%I::text)$f$,
        tbl, key_json, input_column);
    todo := base || ' AND NOT ' || skip;
    order_by := key_list || CASE WHEN by_table THEN ', t.tableoid' ELSE '' END;
    after := pg_catalog.format('(%s) > (%s)', order_by,
                 pg_catalog.replace(key_of, '@key@', '$5') ||
                 CASE WHEN by_table THEN ', $6' ELSE '' END);
    same_row := CASE WHEN by_table THEN 't.tableoid = r.tbl AND ' ELSE '' END ||
                pg_catalog.format('(%s) = (%s)', key_list,
                    pg_catalog.replace(key_of, '@key@', 'r.key::jsonb'));

    count_query := pg_catalog.format(
        'SELECT pg_catalog.count(*) FILTER (WHERE NOT skipped), pg_catalog.count(*) FILTER (WHERE skipped) '
        'FROM (SELECT %s AS skipped FROM %s t WHERE %s) s',
        skip, source, base);
    page := pg_catalog.format(
        'SELECT (%s)::pg_catalog.oid, (%s)::text, t.%I::text FROM %s t WHERE %s',
        tbl, key_json, input_column, source, todo);
    first_page := page || pg_catalog.format(' ORDER BY %s LIMIT $4', order_by);
    next_page := page || pg_catalog.format(' AND %s ORDER BY %s LIMIT $4', after, order_by);
    recheck := pg_catalog.format(
        'SELECT r.n::integer FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.oid[]), '
        'pg_catalog.unnest($2::text[]), pg_catalog.unnest($3::text[])) WITH ORDINALITY AS r(tbl, key, input, n) '
        'JOIN %s t ON %s WHERE t.%I IS NULL AND t.%I::text = r.input',
        source, same_row, output_column, input_column);
    write := pg_catalog.format($q$
        WITH u AS (UPDATE %s t SET %I = %s FROM %s AS r(tbl, key, input, output)
                    WHERE %s AND t.%I::text = r.input AND t.%I IS NULL
                   RETURNING r.tbl, r.key),
        d AS (DELETE FROM @extschema@.enrich_failures f USING u
               WHERE f.source = $5 AND f.output_column = $6
                 AND f.row_table = u.tbl::pg_catalog.regclass AND f.row_key = u.key::jsonb
                 AND f.role = pg_catalog.to_regrole(pg_catalog.quote_ident(CURRENT_USER))
              RETURNING 1)
        SELECT (SELECT pg_catalog.count(*) FROM u), (SELECT pg_catalog.count(*) FROM d)$q$,
        source, output_column, output, rows_of, same_row, input_column, output_column);
    record_failures := pg_catalog.format($q$
        INSERT INTO @extschema@.enrich_failures AS f
               (source, output_column, row_table, row_key, input, error)
        SELECT $5, $6, r.tbl::pg_catalog.regclass, r.key::jsonb, r.input, r.error
          FROM %s AS r(tbl, key, input, error)
        ON CONFLICT (source, output_column, row_table, row_key, role) DO UPDATE
           SET attempts = CASE WHEN f.input IS NOT DISTINCT FROM excluded.input
                               THEN f.attempts + 1 ELSE 1 END,
               input = excluded.input, error = excluded.error, failed_at = excluded.failed_at$q$,
        rows_of);
END
$queries$;
COMMENT ON FUNCTION @extschema@._enrich_queries(regclass, text, text, name[], regtype[], boolean, text, regtype, text) IS
    'internal: the statements of one enrich job';
REVOKE ALL ON FUNCTION @extschema@._enrich_queries(regclass, text, text, name[], regtype[], boolean, text, regtype, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._enrich_queries(regclass, text, text, name[], regtype[], boolean, text, regtype, text) TO hfendpoints_user;

-- The job (src/enrich_job.c): wakes the endpoint, claims, sends and writes
-- the rows, up to hfendpoints.max_concurrency in flight the whole time,
-- committing what is answered every batch_size rows or every second, and
-- puts the endpoint to sleep after.  Only a job that runs shows in
-- hfendpoints.jobs: no SQL function makes a row there.
CREATE PROCEDURE @extschema@._enrich_run(
    source regclass, output_column text, endpoint text, task text, parameters jsonb,
    first_page text, next_page text, recheck text, write text, record_failures text,
    batch_size integer, max_rows bigint, max_attempts integer, total bigint,
    resume_endpoint boolean, pause_after text,
    INOUT filled bigint, INOUT failed bigint, INOUT dropped bigint)
AS 'MODULE_PATHNAME', 'hfendpoints_enrich_run'
LANGUAGE C;
COMMENT ON PROCEDURE @extschema@._enrich_run(regclass, text, text, text, jsonb, text, text, text, text, text, integer, bigint, integer, bigint, boolean, text, bigint, bigint, bigint) IS
    'internal: the loop of one enrich job';
REVOKE ALL ON PROCEDURE @extschema@._enrich_run(regclass, text, text, text, jsonb, text, text, text, text, text, integer, bigint, integer, bigint, boolean, text, bigint, bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON PROCEDURE @extschema@._enrich_run(regclass, text, text, text, jsonb, text, text, text, text, text, integer, bigint, integer, bigint, boolean, text, bigint, bigint, bigint) TO hfendpoints_user;

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
    pause_after     text    DEFAULT NULL,
    key_column      text    DEFAULT NULL,
    filter          text    DEFAULT NULL,
    max_attempts    integer DEFAULT 3)
LANGUAGE plpgsql
AS $enrich$
DECLARE
    is_url      boolean := endpoint OPERATOR(pg_catalog.~*) '^[a-z][a-z0-9+.-]*://';
    task_type   regtype;
    key         record;
    q           record;
    total       bigint;
    skipped     bigint;
    done        bigint := 0;
    failed      bigint := 0;
    dropped     bigint := 0;
BEGIN
    -- (no SET clause on this procedure: it would forbid the COMMITs below)
    PERFORM @extschema@._prevent_in_transaction_block('CALL hfendpoints.enrich()');

    -- Check every argument before touching the endpoint or the table.
    IF source IS NULL OR input_column IS NULL OR output_column IS NULL OR endpoint IS NULL THEN
        RAISE EXCEPTION 'source, input_column, output_column and endpoint must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF batch_size IS NULL OR batch_size < 1 OR batch_size > 10000 THEN
        RAISE EXCEPTION 'batch_size must be between 1 and 10000'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF max_rows < 0 THEN
        RAISE EXCEPTION 'max_rows must not be negative'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF max_attempts IS NULL OR max_attempts < 1 THEN
        RAISE EXCEPTION 'max_attempts must be at least 1'
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

    task_type := @extschema@._enrich_columns(source, input_column, output_column, task);
    key := @extschema@._enrich_key(source, key_column);
    q := @extschema@._enrich_queries(source, input_column, output_column, key.key_columns,
                                     key.key_types, key.by_table, filter, task_type,
                                     (SELECT t.text_member FROM @extschema@._enrich_tasks() t
                                       WHERE t.task = enrich.task));
    -- The parameters are the task function's own arguments: check them now,
    -- before the endpoint is woken.
    PERFORM @extschema@._enrich_check(task, parameters);

    -- Count first: with nothing to fill, the endpoint is not touched at all
    -- (a paused one stays paused).
    EXECUTE q.count_query INTO total, skipped USING source, output_column, max_attempts;
    IF max_rows IS NOT NULL THEN
        total := LEAST(total, max_rows);
    END IF;
    IF total = 0 THEN
        RAISE NOTICE 'enrich: nothing to fill in % (skipped: % after % failed runs, see hfendpoints.enrich_failures)',
            source, skipped, max_attempts;
        PERFORM @extschema@._enrich_ran(source, output_column, false, 0, 0, skipped, NULL);
        PERFORM @extschema@._enrich_ran(source, output_column, true, 0, 0, skipped, NULL);
        RETURN;
    END IF;
    PERFORM @extschema@._enrich_ran(source, output_column, false, NULL, NULL, skipped, NULL);

    RAISE NOTICE 'enrich: % rows of % to fill (skipped: % after % failed runs)', total, source, skipped, max_attempts;
    COMMIT;

    -- The job proper, which shows in hfendpoints.jobs while it runs: the
    -- endpoint woken if it sleeps (resume_endpoint), the rows claimed, sent
    -- and written as they are answered, the endpoint put to sleep after
    -- (pause_after).
    CALL @extschema@._enrich_run(source, output_column, endpoint, task, parameters,
        q.first_page, q.next_page, q.recheck, q.write, q.record_failures,
        batch_size, max_rows, max_attempts, total, resume_endpoint, pause_after,
        done, failed, dropped);

    RAISE NOTICE 'enrich: finished, % rows filled, % failed, % skipped (see hfendpoints.enrich_failures)',
        done, failed, skipped + dropped;
    PERFORM @extschema@._enrich_ran(source, output_column, true, done, failed, skipped + dropped, NULL);
END
$enrich$;
COMMENT ON PROCEDURE @extschema@.enrich(regclass, text, text, text, text, jsonb, integer, bigint, boolean, text, text, text, integer) IS
    'fills output_column from a model for rows where it is NULL, page by page along the table''s key, committing after each page';
REVOKE ALL ON PROCEDURE @extschema@.enrich(regclass, text, text, text, text, jsonb, integer, bigint, boolean, text, text, text, integer) FROM PUBLIC;
GRANT EXECUTE ON PROCEDURE @extschema@.enrich(regclass, text, text, text, text, jsonb, integer, bigint, boolean, text, text, text, integer) TO hfendpoints_user;
-- enrich now also refuses a transaction snapshot (the C function checks it)
COMMENT ON FUNCTION @extschema@._prevent_in_transaction_block(text) IS
    'internal: raises an error where enrich cannot run: in a transaction block, or under REPEATABLE READ or SERIALIZABLE';
-- (end of what sql/parts/40_enrich.sql defines)

-- Keeping a column enriched: keep_enriched() makes output_column follow
-- input_column, as pgai's vectorizer and pg_vectorize's trigger mode do.
-- A trigger clears the output when an UPDATE changes the input, and a
-- pg_cron job runs enrich, which fills what is NULL: new rows and edited
-- ones.  hfendpoints.enrichments records each kept column (it is dumped);
-- hfendpoints.enrichment_status shows how far behind each one is.

-- One row per kept column: the arguments of its enrich job, and the
-- pg_cron job that runs it (in the pg_cron database, which may be
-- another one: this table is dumped with this database, the job with
-- that one).
CREATE TABLE @extschema@.enrichments (
    source         regclass    NOT NULL,
    input_column   name        NOT NULL,
    output_column  name        NOT NULL,
    endpoint       text        NOT NULL,
    task           text        NOT NULL,
    parameters     jsonb,
    key_column     text,
    filter         text,
    schedule       text        NOT NULL,
    job_name       text        NOT NULL,
    command        text        NOT NULL,
    created_by     regrole     NOT NULL
                   DEFAULT pg_catalog.to_regrole(pg_catalog.quote_ident(CURRENT_USER)),
    created_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (source, output_column)
);
COMMENT ON TABLE @extschema@.enrichments IS
    'the columns keep_enriched keeps: the arguments of their enrich job, its pg_cron schedule, name and command';
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.enrichments TO hfendpoints_user;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.enrichments', '');

-- The database pg_cron runs its jobs from, cron.database_name: NULL
-- where pg_cron is not loaded, or for a role that may not read the
-- setting (only superusers and pg_read_all_settings may).
CREATE FUNCTION @extschema@._cron_database()
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $cron$
    SELECT CASE WHEN pg_catalog.pg_has_role('pg_read_all_settings', 'USAGE')
                THEN pg_catalog.current_setting('cron.database_name', true) END
$cron$;
COMMENT ON FUNCTION @extschema@._cron_database() IS
    'internal: the database pg_cron runs its jobs from, if the caller may read cron.database_name';
REVOKE ALL ON FUNCTION @extschema@._cron_database() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._cron_database() TO hfendpoints_user;

-- Whether pg_cron is installed in this database, which is then the one it
-- runs its jobs from (CREATE EXTENSION pg_cron made sure): only there do
-- keep_enriched and drop_enrichment call it themselves.
CREATE FUNCTION @extschema@._in_cron_database()
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $cron$
    SELECT pg_catalog.to_regprocedure('cron.schedule(text,text,text)') IS NOT NULL
       AND coalesce(@extschema@._cron_database() = pg_catalog.current_database(), true)
$cron$;
COMMENT ON FUNCTION @extschema@._in_cron_database() IS
    'internal: whether pg_cron is installed in this database and runs its jobs from it';
REVOKE ALL ON FUNCTION @extschema@._in_cron_database() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._in_cron_database() TO hfendpoints_user;

-- The trigger of a kept column: an UPDATE that changes the input
-- (TG_ARGV[0]) clears the output (TG_ARGV[1]), unless it changed the
-- output too.  Both are compared as text, as enrich compares the input it
-- sent with the row's.
CREATE FUNCTION @extschema@._keep_enriched_trigger()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $trigger$
DECLARE
    stale boolean;
BEGIN
    EXECUTE pg_catalog.format(
        'SELECT ($1).%1$I::text IS DISTINCT FROM ($2).%1$I::text '
        'AND ($1).%2$I::text IS NOT DISTINCT FROM ($2).%2$I::text',
        TG_ARGV[0], TG_ARGV[1])
       INTO stale USING OLD, NEW;
    IF stale THEN
        NEW := pg_catalog.jsonb_populate_record(NEW, pg_catalog.jsonb_build_object(TG_ARGV[1], NULL));
    END IF;
    RETURN NEW;
END
$trigger$;
COMMENT ON FUNCTION @extschema@._keep_enriched_trigger() IS
    'internal: the trigger keep_enriched puts on a table, which clears the output column when an update changes the input column';
REVOKE ALL ON FUNCTION @extschema@._keep_enriched_trigger() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._keep_enriched_trigger() TO hfendpoints_user;

-- Create (install) or drop the trigger of a kept column, on source and on
-- each of its inheritance children: an UPDATE fires the triggers of the
-- table that holds the row.  (Partitions get their parent's triggers by
-- themselves.)  Nothing to drop on a table dropped since.
CREATE FUNCTION @extschema@._enrichment_trigger(source regclass, input_column text,
    output_column text, install boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $trg$
DECLARE
    trigger_name name := ('hfendpoints_keep_' || output_column)::name;
    tbl          regclass;
BEGIN
    FOR tbl IN
        WITH RECURSIVE tree(relid, relkind) AS (
            SELECT c.oid, c.relkind FROM pg_catalog.pg_class c WHERE c.oid = source
            UNION
            SELECT h.inhrelid, t.relkind FROM pg_catalog.pg_inherits h
              JOIN tree t ON h.inhparent = t.relid
             WHERE t.relkind = 'r')
        SELECT relid::regclass FROM tree ORDER BY relid
    LOOP
        IF install THEN
            EXECUTE pg_catalog.format(
                'CREATE TRIGGER %I BEFORE UPDATE OF %I ON %s FOR EACH ROW '
                'EXECUTE FUNCTION @extschema@._keep_enriched_trigger(%L, %L)',
                trigger_name, input_column, tbl, input_column, output_column);
        ELSE
            EXECUTE pg_catalog.format('DROP TRIGGER IF EXISTS %I ON %s', trigger_name, tbl);
        END IF;
    END LOOP;
END
$trg$;
COMMENT ON FUNCTION @extschema@._enrichment_trigger(regclass, text, text, boolean) IS
    'internal: creates or drops the trigger of a kept column on its table and the table''s inheritance children';
REVOKE ALL ON FUNCTION @extschema@._enrichment_trigger(regclass, text, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._enrichment_trigger(regclass, text, text, boolean) TO hfendpoints_user;

CREATE FUNCTION @extschema@.keep_enriched(
    source        regclass,
    input_column  text,
    output_column text,
    endpoint      text,
    task          text  DEFAULT 'text-generation',
    parameters    jsonb DEFAULT NULL,
    schedule      text  DEFAULT '* * * * *',
    key_column    text  DEFAULT NULL,
    filter        text  DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $keep$
DECLARE
    task_type regtype;
    tbl       text;
    cron_db   text := @extschema@._cron_database();
    here      boolean := @extschema@._in_cron_database();
    job       text;
    command   text;
BEGIN
    IF source IS NULL OR input_column IS NULL OR output_column IS NULL OR endpoint IS NULL
       OR task IS NULL OR schedule IS NULL THEN
        RAISE EXCEPTION 'source, input_column, output_column, endpoint, task and schedule must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF EXISTS (SELECT 1 FROM @extschema@.enrichments e
                WHERE e.source = keep_enriched.source AND e.output_column = keep_enriched.output_column) THEN
        RAISE EXCEPTION 'column "%" of relation % is already kept enriched', output_column, source
            USING ERRCODE = 'duplicate_object',
                  HINT = pg_catalog.format('To change how, drop it first: SELECT hfendpoints.drop_enrichment(%L, %L);',
                                           source::text, output_column);
    END IF;
    IF input_column = output_column THEN
        RAISE EXCEPTION 'input_column and output_column must be different columns'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- enrich's checks, before anything is created: the task, the columns,
    -- the key, the filter and the parameters (no request is sent)
    task_type := @extschema@._enrich_columns(source, input_column, output_column, task);
    PERFORM @extschema@._enrich_key(source, key_column);
    IF filter IS NOT NULL THEN
        EXECUTE pg_catalog.format('SELECT FROM %s t WHERE (%s) LIMIT 0', source, filter);
    END IF;
    PERFORM @extschema@._enrich_check(task, parameters);

    -- The job names the table with its schema, whatever the search_path
    -- it runs with; a job scheduled from another database says which, so
    -- that jobs of two databases never share a name.
    SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) INTO tbl
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = source;
    job := pg_catalog.format('hfendpoints: %s.%I', tbl, output_column)
           || CASE WHEN here THEN '' ELSE ' in ' || pg_catalog.quote_ident(pg_catalog.current_database()) END;
    command := pg_catalog.format(
        'CALL @extschema@.enrich(source => %L, input_column => %L, output_column => %L, '
        'endpoint => %L, task => %L, parameters => %L, key_column => %L, filter => %L)',
        tbl, input_column, output_column, endpoint, task, parameters, key_column, filter);

    INSERT INTO @extschema@.enrichments (source, input_column, output_column, endpoint, task,
                                         parameters, key_column, filter, schedule, job_name, command)
    VALUES (source, input_column, output_column, endpoint, task,
            parameters, key_column, filter, schedule, job, command);
    PERFORM @extschema@._enrichment_trigger(source, input_column, output_column, true);

    IF here THEN
        EXECUTE 'SELECT cron.schedule($1, $2, $3)' USING job, schedule, command;
        RAISE NOTICE 'keep_enriched: scheduled pg_cron job "%" at "%"', job, schedule;
    ELSE
        RAISE NOTICE 'keep_enriched: pg_cron is not in this database: schedule the job from %',
                coalesce('database "' || cron_db || '"', 'the database pg_cron runs in (cron.database_name)')
            USING DETAIL = 'The trigger is in place.  pg_cron schedules jobs from one database (cron.database_name); a job runs as the role that scheduled it.',
                  HINT = pg_catalog.format('SELECT cron.schedule_in_database(%L, %L, %L, %L);',
                                           job, schedule, command, pg_catalog.current_database());
    END IF;
    RETURN job;
END
$keep$;
COMMENT ON FUNCTION @extschema@.keep_enriched(regclass, text, text, text, text, jsonb, text, text, text) IS
    'keeps output_column filled from input_column: a trigger clears it when the input changes, a pg_cron job runs enrich on a schedule';
REVOKE ALL ON FUNCTION @extschema@.keep_enriched(regclass, text, text, text, text, jsonb, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.keep_enriched(regclass, text, text, text, text, jsonb, text, text, text) TO hfendpoints_user;

CREATE FUNCTION @extschema@.drop_enrichment(source regclass, output_column text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $drop$
DECLARE
    e         @extschema@.enrichments;
    cron_db   text := @extschema@._cron_database();
    scheduled boolean;
BEGIN
    IF source IS NULL OR output_column IS NULL THEN
        RAISE EXCEPTION 'source and output_column must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    DELETE FROM @extschema@.enrichments k
     WHERE k.source = drop_enrichment.source AND k.output_column = drop_enrichment.output_column
    RETURNING * INTO e;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'column "%" of relation % is not kept enriched', output_column, source
            USING ERRCODE = 'undefined_object',
                  HINT = 'hfendpoints.enrichment_status lists the kept columns.';
    END IF;
    PERFORM @extschema@._enrichment_trigger(e.source, e.input_column, e.output_column, false);

    IF @extschema@._in_cron_database() THEN
        -- pg_cron unschedules by name only the current role's jobs
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM cron.job j WHERE j.jobname = $1 AND j.username = CURRENT_USER)'
           INTO scheduled USING e.job_name;
        IF scheduled THEN
            EXECUTE pg_catalog.format('SELECT cron.unschedule(%L)', e.job_name);
        ELSE
            RAISE NOTICE 'drop_enrichment: role % has no pg_cron job "%" to unschedule', CURRENT_USER, e.job_name;
        END IF;
    ELSE
        RAISE NOTICE 'drop_enrichment: pg_cron is not in this database: unschedule the job from %',
                coalesce('database "' || cron_db || '"', 'the database pg_cron runs in (cron.database_name)')
            USING DETAIL = pg_catalog.format('Run it as role %s, which scheduled it.', e.created_by),
                  HINT = pg_catalog.format('SELECT cron.unschedule(%L);', e.job_name);
    END IF;
END
$drop$;
COMMENT ON FUNCTION @extschema@.drop_enrichment(regclass, text) IS
    'stops keeping a column enriched: drops its trigger, its pg_cron job and its row of hfendpoints.enrichments';
REVOKE ALL ON FUNCTION @extschema@.drop_enrichment(regclass, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.drop_enrichment(regclass, text) TO hfendpoints_user;

-- The rows of a kept column that its job has left to fill, counted with
-- enrich's own query (and its default max_attempts, 3); NULL for a table
-- dropped since, or one the caller may not read.
CREATE FUNCTION @extschema@._enrichment_backlog(source regclass, output_column text)
RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL UNSAFE
AS $backlog$
DECLARE
    e       @extschema@.enrichments;
    key     record;
    q       record;
    backlog bigint;
    skipped bigint;
BEGIN
    SELECT * INTO e FROM @extschema@.enrichments k
     WHERE k.source = _enrichment_backlog.source AND k.output_column = _enrichment_backlog.output_column;
    IF NOT FOUND OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = e.source) THEN
        RETURN NULL;
    END IF;
    key := @extschema@._enrich_key(e.source, e.key_column);
    q := @extschema@._enrich_queries(e.source, e.input_column, e.output_column, key.key_columns,
                                     key.key_types, key.by_table, e.filter,
                                     (SELECT t.output_type FROM @extschema@._enrich_tasks() t
                                       WHERE t.task = e.task), NULL);
    EXECUTE q.count_query INTO backlog, skipped USING e.source, e.output_column::text, 3;
    RETURN backlog;
EXCEPTION WHEN insufficient_privilege THEN
    RETURN NULL;
END
$backlog$;
COMMENT ON FUNCTION @extschema@._enrichment_backlog(regclass, text) IS
    'internal: the rows of a kept column left to fill, as enrich counts them';
REVOKE ALL ON FUNCTION @extschema@._enrichment_backlog(regclass, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._enrichment_backlog(regclass, text) TO hfendpoints_user;

CREATE VIEW @extschema@.enrichment_status WITH (security_invoker = true) AS
    SELECT e.source, e.input_column, e.output_column, e.endpoint, e.task, e.schedule, e.job_name,
           @extschema@._enrichment_backlog(e.source, e.output_column) AS backlog,
           r.started_at, r.finished_at, r.filled, r.failed, r.error
      FROM @extschema@.enrichments e
      LEFT JOIN @extschema@.enrich_runs r
        ON r.source = e.source AND r.output_column = e.output_column;
COMMENT ON VIEW @extschema@.enrichment_status IS
    'every kept column: its schedule, the rows left to fill (backlog), and the last enrich run on it';
GRANT SELECT ON @extschema@.enrichment_status TO hfendpoints_user;
-- (end of what sql/parts/45_keep_enriched.sql defines)
