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
        text[], boolean, integer, boolean, jsonb, text, jsonb, text, text),
    @extschema@.chat_batch(text, text[], text, integer, double precision,
        double precision, bigint, text[], double precision, double precision, jsonb, jsonb, text, text),
    @extschema@.feature_extraction_batch(text, text[], boolean, boolean, text, text, integer, text, text),
    @extschema@.infer_batch(text, jsonb[], text, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.text_generation_batch(text, text[], integer, double precision, integer,
        double precision, double precision, double precision, double precision, boolean, bigint,
        text[], boolean, integer, boolean, jsonb, text, jsonb, text, text),
    @extschema@.chat_batch(text, text[], text, integer, double precision,
        double precision, bigint, text[], double precision, double precision, jsonb, jsonb, text, text),
    @extschema@.feature_extraction_batch(text, text[], boolean, boolean, text, text, integer, text, text),
    @extschema@.infer_batch(text, jsonb[], text, text)
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
