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
