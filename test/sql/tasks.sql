-- The typed tasks, each with its single-row, batch and enrich forms:
-- summarization and translation (the toolkit's pipelines), sentence
-- similarity (TEI and the toolkit), rerank (TEI), and the tasks that
-- return rows: text classification (TEI and the toolkit), zero-shot and
-- token classification, question answering and fill-mask (the toolkit).
\i test/include/setup.psql
SET client_min_messages = warning;
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
RESET client_min_messages;
SET hfendpoints.retry_base_delay = '10ms';

\! test/fake/hfctl seed fake-user/summ '{"repository": "facebook/bart-large-cnn", "task": "summarization"}'
\! test/fake/hfctl seed fake-user/mt '{"repository": "facebook/mbart-large-50-many-to-many-mmt", "task": "translation"}'
\! test/fake/hfctl seed fake-user/tgi '{"task": "text-generation"}'
\! test/fake/hfctl seed fake-user/sim '{"repository": "sentence-transformers/all-MiniLM-L6-v2", "task": "sentence-similarity", "image": {"tei": {"url": "ghcr.io/huggingface/text-embeddings-inference:1.9"}}}'
\! test/fake/hfctl seed fake-user/sim-tk '{"repository": "sentence-transformers/all-MiniLM-L6-v2", "task": "sentence-similarity", "image": {"huggingface": {}}}'
\! test/fake/hfctl seed fake-user/ranker '{"repository": "BAAI/bge-reranker-base", "task": "sentence-ranking", "image": {"tei": {"url": "ghcr.io/huggingface/text-embeddings-inference:1.9"}}}'
\! test/fake/hfctl endpoint fake-user/ranker '{"max_batch_size": 4}'
\! test/fake/hfctl seed fake-user/sst2 '{"repository": "distilbert/distilbert-base-uncased-finetuned-sst-2-english", "task": "text-classification"}'
\! test/fake/hfctl seed fake-user/sst2-tei '{"repository": "distilbert/distilbert-base-uncased-finetuned-sst-2-english", "task": "text-classification", "image": {"tei": {"url": "ghcr.io/huggingface/text-embeddings-inference:1.9"}}}'
\! test/fake/hfctl seed fake-user/nli '{"repository": "facebook/bart-large-mnli", "task": "zero-shot-classification"}'
\! test/fake/hfctl seed fake-user/ner '{"repository": "dslim/bert-base-NER", "task": "token-classification"}'
\! test/fake/hfctl seed fake-user/qa '{"repository": "deepset/roberta-base-squad2", "task": "question-answering"}'
\! test/fake/hfctl seed fake-user/mask '{"repository": "FacebookAI/roberta-base", "task": "fill-mask"}'

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

-- sentence_similarity: one score per other sentence, in their order; TEI
-- and the toolkit agree.
\! test/fake/hfctl requests-clear
SELECT array_length(hfendpoints.sentence_similarity('sim', 'A cat sits',
           other_sentences => ARRAY['a cat', 'a dog', 'the stock market']), 1) AS scores,
       hfendpoints.sentence_similarity('sim', 'A cat sits', other_sentences => ARRAY['a cat', 'a dog'])
     = hfendpoints.sentence_similarity('sim-tk', 'A cat sits', other_sentences => ARRAY['a cat', 'a dog'])
       AS engines_agree;
\! test/fake/hfctl requests --path /endpoints/fake-user/sim --headers none
SELECT hfendpoints.sentence_similarity('sim', 'A cat sits');
\echo :LAST_ERROR_SQLSTATE
SELECT ord, array_length(output, 1), error
FROM hfendpoints.sentence_similarity_batch('sim', ARRAY['one', NULL, 'three'],
                                           other_sentences => ARRAY['x', 'y']);
ALTER TABLE articles ADD COLUMN closeness real[];
CALL hfendpoints.enrich('articles', 'body', 'closeness', 'sim', task => 'sentence-similarity',
                        parameters => '{"other_sentences": ["article", "news"]}');
SELECT bool_and(closeness = hfendpoints.sentence_similarity('sim', body,
                    other_sentences => ARRAY['article', 'news'])) AS enrich_same
FROM articles;

-- rerank: TEI's scores of texts against a query, best first, index
-- counting from 1 as in the array; the texts are packed up to TEI's
-- max_client_batch_size (4 here) per request.
\! test/fake/hfctl requests-clear
SELECT index, score > 0 AS scored
FROM hfendpoints.rerank('ranker', 'What is a cat?',
                        ARRAY['A cat is a small feline.', 'Stocks fell.', 'Cats purr.',
                              'Dogs bark.', 'The sun is a star.']);
SELECT array_agg(index ORDER BY score DESC) = array_agg(index) AS best_first
FROM hfendpoints.rerank('ranker', 'What is a cat?', ARRAY['a', 'b', 'c', 'd', 'e', 'f']);
\! test/fake/hfctl requests --path /endpoints/fake-user/ranker --headers none | head -4
SELECT * FROM hfendpoints.rerank('ranker', NULL, ARRAY['a']);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM hfendpoints.rerank('sim', 'q', ARRAY['a']);
-- ... and on the OpenAI engines' POST /v1/rerank (vLLM, SGLang, llama.cpp):
-- the same scores, whichever order and field names each answers in
\! test/fake/hfctl seed fake-user/ranker-vllm '{"repository": "BAAI/bge-reranker-base", "task": "sentence-ranking", "image": {"vLLM": {"url": "vllm/vllm-openai:v0.10.1"}}}'
\! test/fake/hfctl seed fake-user/ranker-sglang '{"repository": "BAAI/bge-reranker-base", "task": "sentence-ranking", "image": {"sGLang": {"url": "lmsysorg/sglang:v0.5.0"}}}'
\! test/fake/hfctl seed fake-user/ranker-llama '{"repository": "BAAI/bge-reranker-base", "task": "sentence-ranking", "image": {"llamacpp": {"url": "ghcr.io/ggml-org/llama.cpp:server"}}}'
\! test/fake/hfctl seed fake-user/llama-gen '{"task": "text-generation", "image": {"llamacpp": {"url": "ghcr.io/ggml-org/llama.cpp:server"}}}'
SELECT e AS endpoint,
       ARRAY(SELECT (index, score)::text FROM hfendpoints.rerank(e, 'What is a cat?', ARRAY['Cats purr.', 'Stocks fell.', 'A cat is a small feline.']))
     = ARRAY(SELECT (index, score)::text FROM hfendpoints.rerank('ranker', 'What is a cat?', ARRAY['Cats purr.', 'Stocks fell.', 'A cat is a small feline.'])) AS same_as_tei
FROM unnest(ARRAY['ranker-vllm', 'ranker-sglang', 'ranker-llama']) e;
\! test/fake/hfctl last-body --path /endpoints/fake-user/ranker-vllm
SELECT * FROM hfendpoints.rerank('ranker-vllm', 'q', ARRAY['a'], raw_scores => true);
SELECT * FROM hfendpoints.rerank('llama-gen', 'q', ARRAY['a']);
ALTER TABLE articles ADD COLUMN relevance real;
CALL hfendpoints.enrich('articles', 'body', 'relevance', 'ranker', task => 'rerank',
                        parameters => '{"query": "article 3"}');
SELECT count(relevance) AS scored,
       (SELECT array_agg(id ORDER BY relevance DESC, id) FROM articles)
     = (SELECT array_agg(index ORDER BY score DESC, index)
          FROM hfendpoints.rerank('ranker', 'article 3',
                                  ARRAY(SELECT body FROM articles ORDER BY id))) AS same_order
FROM articles;
DROP TABLE articles;

-- text_classification: the labels with their scores, best first, as rows;
-- top_k keeps the best ones (on TEI, which has no top_k, they are cut
-- here).
\! test/fake/hfctl requests-clear
SELECT * FROM hfendpoints.text_classification('sst2', 'I love this kettle');
SELECT * FROM hfendpoints.text_classification('sst2', 'I love this kettle', top_k => 1);
\! test/fake/hfctl requests --path /endpoints/fake-user/sst2 --headers none
SELECT label, score > 0 AS scored FROM hfendpoints.text_classification('sst2-tei', 'I love it', top_k => 1);
SELECT * FROM hfendpoints.text_classification('sst2-tei', 'I love it', function_to_apply => 'softmax');
SELECT * FROM hfendpoints.text_classification('sst2', 'x', function_to_apply => 'tanh');
-- the batch form: the rows of each text, by ord; TEI packs the texts
\! test/fake/hfctl requests-clear
SELECT ord, label, error IS NULL AS ok
FROM hfendpoints.text_classification_batch('sst2-tei', ARRAY['good', NULL, 'bad'], top_k => 1);
\! test/fake/hfctl requests --path /endpoints/fake-user/sst2-tei --headers none
-- vLLM's POST /classify names the likeliest label only: one row, the
-- same label and score as TEI's best; a batch packs into one request
\! test/fake/hfctl seed fake-user/sst2-vllm '{"repository": "distilbert/distilbert-base-uncased-finetuned-sst-2-english", "task": "text-classification", "image": {"vLLM": {"url": "vllm/vllm-openai:v0.10.1"}}}'
\! test/fake/hfctl requests-clear
SELECT v.label, v.score = t.score AS same_score
FROM hfendpoints.text_classification('sst2-vllm', 'I love it') v,
     hfendpoints.text_classification('sst2-tei', 'I love it', top_k => 1) t;
SELECT ord, label, error IS NULL AS ok
FROM hfendpoints.text_classification_batch('sst2-vllm', ARRAY['good', NULL, 'bad']);
\! test/fake/hfctl requests --path /endpoints/fake-user/sst2-vllm --headers none
SELECT * FROM hfendpoints.text_classification('sst2-vllm', 'x', function_to_apply => 'softmax');
-- zero_shot_classification: candidate labels, required
SELECT label, score > 0 AS scored
FROM hfendpoints.zero_shot_classification('nli', 'The match ended in a draw',
                                           candidate_labels => ARRAY['sports', 'politics', 'cooking']);
\! test/fake/hfctl last-body --path /endpoints/fake-user/nli
SELECT * FROM hfendpoints.zero_shot_classification('nli', 'x');
-- token_classification: the entities in the text's order
SELECT * FROM hfendpoints.token_classification('ner', 'Ada Lovelace met Charles Babbage in London',
                                               aggregation_strategy => 'simple');
SELECT * FROM hfendpoints.token_classification('ner', 'x', aggregation_strategy => 'best');
-- question_answering: question first, as huggingface_hub
SELECT answer, score > 0 AS scored, start, "end"
FROM hfendpoints.question_answering('qa', 'Where does Ada live?', 'Ada lives in London with her cat');
\! test/fake/hfctl last-body --path /endpoints/fake-user/qa
SELECT * FROM hfendpoints.question_answering('qa', NULL, 'a context');
-- fill_mask: the likeliest tokens, best first
SELECT token_str, score, sequence FROM hfendpoints.fill_mask('mask', 'The goal of life is <mask>.');
-- the batch forms keep each input's rows together, and a failed input's
-- error on its own row
SELECT ord, token_str IS NOT NULL AS filled, error
FROM hfendpoints.fill_mask_batch('mask', ARRAY['A <mask> day', 'no mask here'], on_error => 'null');
SELECT ord, answer IS NOT NULL AS answered
FROM hfendpoints.question_answering_batch('qa', ARRAY['Ada lives in London', 'Bob lives in Paris'],
                                          question => 'Where?');
-- enrich writes a row's labels (or answers, entities, tokens) as jsonb
CREATE TABLE opinions (id int PRIMARY KEY, body text, labels jsonb, answer jsonb);
INSERT INTO opinions SELECT i, 'opinion number ' || i FROM generate_series(1, 4) i;
CALL hfendpoints.enrich('opinions', 'body', 'labels', 'sst2', task => 'text-classification',
                        parameters => '{"top_k": 1}');
CALL hfendpoints.enrich('opinions', 'body', 'answer', 'qa', task => 'question-answering',
                        parameters => '{"question": "Which number?"}');
SELECT bool_and(jsonb_array_length(labels) = 1) AS top_label,
       bool_and(labels -> 0 ->> 'label' = (SELECT label FROM hfendpoints.text_classification('sst2', body, top_k => 1))) AS same_label,
       bool_and(answer -> 0 ? 'answer') AS answered
FROM opinions;
-- ... and into a text or varchar column, the top label alone
ALTER TABLE opinions ADD COLUMN top text, ADD COLUMN topic varchar(20);
CALL hfendpoints.enrich('opinions', 'body', 'top', 'sst2', task => 'text-classification');
CALL hfendpoints.enrich('opinions', 'body', 'topic', 'nli', task => 'zero-shot-classification',
                        parameters => '{"candidate_labels": ["sports", "politics"]}');
SELECT id, top, topic,
       top = (SELECT label FROM hfendpoints.text_classification('sst2', body) LIMIT 1) AS same_top,
       topic = (SELECT label FROM hfendpoints.zero_shot_classification('nli', body, ARRAY['sports', 'politics']) LIMIT 1) AS same_topic
FROM opinions ORDER BY id;
DROP TABLE opinions;
