-- Inference on an endpoint's data plane (README "Inference functions",
-- doc/protocol.md §6).
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
        text[], boolean, integer, boolean, jsonb, text, jsonb, text),
    @extschema@.chat_completion(text, jsonb, integer, double precision,
        double precision, bigint, text[], double precision, double precision, jsonb, jsonb, jsonb, jsonb, text),
    @extschema@.chat(text, text, text, integer, double precision,
        double precision, bigint, text[], double precision, double precision, jsonb, jsonb, text),
    @extschema@.feature_extraction(text, text, boolean, boolean, text, text, integer, text),
    @extschema@.infer(text, jsonb, text)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.text_generation(text, text, integer, double precision, integer,
        double precision, double precision, double precision, double precision, boolean, bigint,
        text[], boolean, integer, boolean, jsonb, text, jsonb, text),
    @extschema@.chat_completion(text, jsonb, integer, double precision,
        double precision, bigint, text[], double precision, double precision, jsonb, jsonb, jsonb, jsonb, text),
    @extschema@.chat(text, text, text, integer, double precision,
        double precision, bigint, text[], double precision, double precision, jsonb, jsonb, text),
    @extschema@.feature_extraction(text, text, boolean, boolean, text, text, integer, text),
    @extschema@.infer(text, jsonb, text)
TO hfendpoints_user;

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
