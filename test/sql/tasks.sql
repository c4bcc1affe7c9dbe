-- The typed tasks of the inference toolkit's pipelines, each with its
-- single-row, batch and enrich forms: summarization and translation.
\i test/include/setup.psql
SET client_min_messages = warning;
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
RESET client_min_messages;
SET hfendpoints.retry_base_delay = '10ms';

\! test/fake/hfctl seed fake-user/summ '{"repository": "facebook/bart-large-cnn", "task": "summarization"}'
\! test/fake/hfctl seed fake-user/mt '{"repository": "facebook/mbart-large-50-many-to-many-mmt", "task": "translation"}'
\! test/fake/hfctl seed fake-user/tgi '{"task": "text-generation"}'

-- summarization: {"inputs", "parameters"} as huggingface_hub sends it.
\! test/fake/hfctl requests-clear
SELECT hfendpoints.summarization('summ', 'The tower is 324 metres tall, about the same height as an 81-storey building.');
SELECT hfendpoints.summarization('summ', 'A long text', clean_up_tokenization_spaces => true,
                                 truncation => 'only_first',
                                 generate_parameters => '{"max_new_tokens": 20}') IS NOT NULL AS sent;
\! test/fake/hfctl requests --path /endpoints/fake-user/summ --headers none
SELECT hfendpoints.summarization('summ', NULL) IS NULL AS null_input;
SELECT hfendpoints.summarization('summ', 'x', truncation => 'middle');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.summarization('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE

-- translation: both languages or neither.
\! test/fake/hfctl requests-clear
SELECT hfendpoints.translation('mt', 'Hello world', src_lang => 'en_XX', tgt_lang => 'fr_XX');
\! test/fake/hfctl last-body --path /endpoints/fake-user/mt
SELECT hfendpoints.translation('mt', 'Hello world', src_lang => 'en_XX');
\echo :LAST_ERROR_SQLSTATE

-- Batch forms: one row per input, in order, the same as one call each.
SELECT ord, output = hfendpoints.summarization('summ', 'text ' || ord) AS same, error
FROM hfendpoints.summarization_batch('summ', ARRAY['text 1', 'text 2', 'text 3']);
SELECT ord, output IS NULL AS is_null, error
FROM hfendpoints.translation_batch('mt', ARRAY['one', NULL, 'three'], src_lang => 'en_XX',
                                   tgt_lang => 'de_DE');
-- a pipeline's 400 fails its row only
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/summ", "match_body": "broken", "status": 400, "body": {"error": "index out of range in self"}}'
SELECT ord, output IS NOT NULL AS summarized, error
FROM hfendpoints.summarization_batch('summ', ARRAY['fine', 'broken'], on_error => 'null');

-- enrich: the row's column is the input, the options come from parameters.
CREATE TABLE articles (id int PRIMARY KEY, body text, summary text, body_fr text);
INSERT INTO articles SELECT i, 'article number ' || i FROM generate_series(1, 6) i;
CALL hfendpoints.enrich('articles', 'body', 'summary', 'summ', task => 'summarization');
CALL hfendpoints.enrich('articles', 'body', 'body_fr', 'mt', task => 'translation',
                        parameters => '{"src_lang": "en_XX", "tgt_lang": "fr_XX"}');
SELECT bool_and(summary = hfendpoints.summarization('summ', body)) AS summaries,
       bool_and(body_fr = hfendpoints.translation('mt', body, src_lang => 'en_XX',
                                                   tgt_lang => 'fr_XX')) AS translations,
       count(*)
FROM articles;
-- a bad combination stops the job before anything is sent or written
UPDATE articles SET body_fr = NULL;
\! test/fake/hfctl requests-clear
CALL hfendpoints.enrich('articles', 'body', 'body_fr', 'mt', task => 'translation',
                        parameters => '{"src_lang": "en_XX"}');
\! test/fake/hfctl requests --path /endpoints/fake-user/mt | grep -c '^POST' || true
SELECT count(body_fr) AS written FROM articles;
SELECT task, function_name, output_type FROM hfendpoints._enrich_tasks() ORDER BY task;
DROP TABLE articles;
