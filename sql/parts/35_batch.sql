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
