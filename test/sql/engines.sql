-- Every engine Hugging Face deploys: TGI, TEI, vLLM, SGLang, llama.cpp and
-- the inference toolkit.  The same text_generation, chat and
-- feature_extraction calls, given a name or a URL, mean the same on each:
-- the endpoint's image (for a name) or a few GET probes (for a URL) tell
-- the engine, and the call's engine argument or the server's option
-- "engine" force it.  Embeddings are packed where the engine takes many
-- inputs per request.
\i test/include/setup.psql
SET client_min_messages = warning;
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
RESET client_min_messages;
SET hfendpoints.retry_base_delay = '10ms';

\! test/fake/hfctl seed fake-user/tgi '{"task": "text-generation", "image": {"tgi": {"url": "ghcr.io/huggingface/text-generation-inference:3.3.6"}}}'
\! test/fake/hfctl seed fake-user/vllm '{"task": "text-generation", "image": {"vLLM": {"url": "vllm/vllm-openai:v0.10.1"}}}'
\! test/fake/hfctl seed fake-user/sglang '{"task": "text-generation", "image": {"sGLang": {"url": "lmsysorg/sglang:v0.5.0"}}}'
\! test/fake/hfctl seed fake-user/llama '{"task": "text-generation", "image": {"llamacpp": {"url": "ghcr.io/ggml-org/llama.cpp:server"}}}'
\! test/fake/hfctl seed fake-user/toolkit '{"task": "text-generation", "image": {"huggingface": {}}}'
\! test/fake/hfctl seed fake-user/tei '{"task": "feature-extraction", "image": {"tei": {"url": "ghcr.io/huggingface/text-embeddings-inference:1.9"}}}'
\! test/fake/hfctl seed fake-user/vllm-emb '{"task": "feature-extraction", "image": {"vLLM": {"url": "vllm/vllm-openai:v0.10.1"}}}'
\! test/fake/hfctl seed fake-user/sglang-emb '{"task": "feature-extraction", "image": {"sGLang": {"url": "lmsysorg/sglang:v0.5.0"}}}'
\! test/fake/hfctl seed fake-user/llama-emb '{"task": "feature-extraction", "image": {"llamacpp": {"url": "ghcr.io/ggml-org/llama.cpp:server"}}}'
\! test/fake/hfctl seed fake-user/toolkit-emb '{"task": "sentence-embeddings", "image": {"huggingface": {}}}'
\! test/fake/hfctl endpoint fake-user/tei '{"max_batch_size": 4}'

CREATE TABLE engines (endpoint text PRIMARY KEY, ord int);
INSERT INTO engines VALUES ('tgi', 1), ('vllm', 2), ('sglang', 3), ('llama', 4), ('toolkit', 5);
CREATE TABLE embedders (endpoint text PRIMARY KEY, ord int);
INSERT INTO embedders VALUES ('tei', 1), ('vllm-emb', 2), ('sglang-emb', 3), ('llama-emb', 4),
    ('toolkit-emb', 5);

-- Generation: the same text on every engine, for the same parameters.
-- Left NULL, decoding is greedy and runs to the model's end, as TGI's
-- defaults do (vLLM and SGLang would stop at 16 tokens, llama.cpp and
-- vLLM would sample).
SELECT endpoint,
       CASE WHEN endpoint = 'sglang' THEN NULL   -- it needs max_new_tokens (below)
       ELSE hfendpoints.text_generation(endpoint, 'Once upon a time', return_full_text => false)
          = hfendpoints.text_generation('tgi', 'Once upon a time', return_full_text => false)
       END AS same_default,
       hfendpoints.text_generation(endpoint, 'Once upon a time', max_new_tokens => 5,
                                   return_full_text => false)
     = hfendpoints.text_generation('tgi', 'Once upon a time', max_new_tokens => 5,
                                   return_full_text => false) AS same_short,
       hfendpoints.text_generation(endpoint, 'Once upon a time', max_new_tokens => 20,
                                   return_full_text => true)
     = hfendpoints.text_generation('tgi', 'Once upon a time', max_new_tokens => 20,
                                   return_full_text => true) AS same_full
FROM engines ORDER BY ord;
-- Sampling with a seed, penalties: the same too where the engine has them.
SELECT endpoint,
       hfendpoints.text_generation(endpoint, 'A seeded tale', max_new_tokens => 20, do_sample => true, seed => 7,
                                   temperature => 0.7, top_p => 0.9, return_full_text => false)
     = hfendpoints.text_generation('tgi', 'A seeded tale', max_new_tokens => 20, do_sample => true, seed => 7,
                                   temperature => 0.7, top_p => 0.9, return_full_text => false) AS same_sampled,
       hfendpoints.text_generation(endpoint, 'A penalised tale', max_new_tokens => 20, repetition_penalty => 1.2,
                                   return_full_text => false)
     = hfendpoints.text_generation('tgi', 'A penalised tale', max_new_tokens => 20, repetition_penalty => 1.2,
                                   return_full_text => false) AS same_penalty
FROM engines WHERE endpoint IN ('tgi', 'vllm', 'sglang', 'llama') ORDER BY ord;
-- TGI keeps the stop sequence at the end of the text; vLLM and SGLang cut
-- it and say which one matched, so it is put back.
SELECT endpoint,
       hfendpoints.text_generation(endpoint, 'echo:one. two. three.', stop => ARRAY['two.'], max_new_tokens => 20,
                                   return_full_text => false) AS stopped
FROM engines WHERE endpoint IN ('tgi', 'vllm', 'sglang') ORDER BY ord;
-- What vLLM and llama.cpp are sent: every knob that decides the text.
\! test/fake/hfctl requests-clear
SELECT hfendpoints.text_generation('vllm', 'Hello', max_new_tokens => 3, seed => 11) IS NOT NULL AS sent;
\! test/fake/hfctl last-body --path /endpoints/fake-user/vllm/v1/completions
SELECT hfendpoints.text_generation('vllm', 'Hello') IS NOT NULL AS sent;
\! test/fake/hfctl last-body --path /endpoints/fake-user/vllm/v1/completions
SELECT hfendpoints.text_generation('llama', 'Hello', do_sample => true, seed => 3) IS NOT NULL AS sent;
\! test/fake/hfctl last-body --path /endpoints/fake-user/llama/v1/completions
SELECT hfendpoints.text_generation('sglang', 'Hello', max_new_tokens => 20,
                                   grammar => '{"type": "json", "value": {"type": "object"}}');
\! test/fake/hfctl last-body --path /endpoints/fake-user/sglang/v1/completions
-- Greedy by default: two calls without a seed agree (vLLM samples when
-- its temperature is left out).
SELECT hfendpoints.text_generation('vllm', 'Twice', max_new_tokens => 8)
     = hfendpoints.text_generation('vllm', 'Twice', max_new_tokens => 8) AS greedy;
-- extra_parameters are members of the body, as given.
SELECT hfendpoints.text_generation('vllm', 'Extra', max_new_tokens => 2,
                                   extra_parameters => '{"min_tokens": 1}') IS NOT NULL AS sent;
\! test/fake/hfctl last-body --path /endpoints/fake-user/vllm/v1/completions

-- What an engine cannot honour is refused before anything is sent, naming
-- the option and the engine (a silent drop would change the text).
\! test/fake/hfctl requests-clear
\set VERBOSITY default
SELECT hfendpoints.text_generation('sglang', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.feature_extraction('llama-emb', 'x', dimensions => 8);
SELECT hfendpoints.text_generation('vllm', 'x', watermark => true);
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.text_generation('vllm', 'x', typical_p => 0.5);
SELECT hfendpoints.text_generation('sglang', 'x', max_new_tokens => 1, adapter_id => 'my-lora');
SELECT hfendpoints.text_generation('sglang', 'x', max_new_tokens => 1, truncate => 10);
SELECT hfendpoints.text_generation('llama', 'x', stop => ARRAY['.']);
SELECT hfendpoints.text_generation('llama', 'x', grammar => '{"type": "regex", "value": "a+"}');
SELECT hfendpoints.text_generation('vllm', 'x', grammar => '{"type": "lark"}');
SELECT hfendpoints.text_generation('toolkit', 'x', seed => 1);
SELECT hfendpoints.text_generation('vllm', 'x', extra_parameters => '{"prompt": "y"}');
SELECT hfendpoints.feature_extraction('sglang-emb', 'x', normalized => false);
SELECT hfendpoints.feature_extraction('vllm-emb', 'x', prompt_name => 'query');
SELECT hfendpoints.feature_extraction('toolkit-emb', 'x', dimensions => 8);
-- A task the engine does not serve at all.
SELECT hfendpoints.feature_extraction('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.chat('tei', 'x');
SELECT hfendpoints.text_generation('tei', 'x');
-- An engine name must be one of the list.
SELECT hfendpoints.text_generation('vllm', 'x', engine => 'openai');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl requests | grep -c '^POST' || true
-- llama.cpp serves generation or embeddings, not both: its 501 says so.
SELECT hfendpoints.feature_extraction('llama', 'x');
\set VERBOSITY terse

-- Chat is the same OpenAI route on every LLM engine.
SELECT endpoint,
       hfendpoints.chat(endpoint, 'Hi there', max_tokens => 4, temperature => 0)
     = hfendpoints.chat('tgi', 'Hi there', max_tokens => 4, temperature => 0) AS same_chat
FROM engines WHERE endpoint IN ('tgi', 'vllm', 'sglang', 'llama') ORDER BY ord;

-- Embeddings: the same vector from TEI's route, the OpenAI route and the
-- toolkit's sentence-embeddings pipeline.
SELECT endpoint,
       hfendpoints.feature_extraction(endpoint, 'the same sentence')
     = hfendpoints.feature_extraction('tei', 'the same sentence') AS same_embedding
FROM embedders ORDER BY ord;
\! test/fake/hfctl requests-clear
SELECT array_length(hfendpoints.feature_extraction('vllm-emb', 'short', dimensions => 8), 1) AS dims;
\! test/fake/hfctl last-body --path /endpoints/fake-user/vllm-emb/v1/embeddings

-- Batches and enrich on each engine: one row per input, in order, the
-- same as one call each.
SELECT e.endpoint, bool_and(b.output = hfendpoints.text_generation(e.endpoint, 'story ' || b.ord,
                                                  max_new_tokens => 4, return_full_text => false))
       AS batch_same, count(*)
FROM engines e,
     hfendpoints.text_generation_batch(e.endpoint, ARRAY['story 1', 'story 2', 'story 3'],
                                       max_new_tokens => 4, return_full_text => false) b
GROUP BY e.endpoint, e.ord ORDER BY e.ord;
SELECT e.endpoint, bool_and(b.output = hfendpoints.feature_extraction(e.endpoint, 'text ' || b.ord))
       AS batch_same, count(*)
FROM embedders e,
     hfendpoints.feature_extraction_batch(e.endpoint, ARRAY['text 1', 'text 2', 'text 3']) b
GROUP BY e.endpoint, e.ord ORDER BY e.ord;

CREATE TABLE stories (id int PRIMARY KEY, prompt text, story text, embedding real[]);
INSERT INTO stories SELECT i, 'tale ' || i FROM generate_series(1, 12) i;
CALL hfendpoints.enrich('stories', 'prompt', 'story', 'vllm', task => 'text-generation',
                        parameters => '{"max_new_tokens": 4, "return_full_text": false}');
SELECT bool_and(story = hfendpoints.text_generation('tgi', prompt, max_new_tokens => 4,
                                                    return_full_text => false)) AS enrich_same,
       count(*)
FROM stories;
UPDATE stories SET story = NULL;
CALL hfendpoints.enrich('stories', 'prompt', 'story', 'toolkit', task => 'text-generation',
                        parameters => '{"max_new_tokens": 4, "return_full_text": false}');
SELECT bool_and(story = hfendpoints.text_generation('tgi', prompt, max_new_tokens => 4,
                                                    return_full_text => false)) AS enrich_same,
       count(*)
FROM stories;
\! test/fake/hfctl requests-clear
CALL hfendpoints.enrich('stories', 'prompt', 'embedding', 'vllm-emb', task => 'feature-extraction');
SELECT bool_and(embedding = hfendpoints.feature_extraction('tei', prompt)) AS enrich_same, count(*)
FROM stories;
-- Twelve rows, packed: one request.
\! test/fake/hfctl requests --path /endpoints/fake-user/vllm-emb/v1/embeddings | grep -c '^POST'

-- Packing on TEI: up to its max_client_batch_size (its GET /info, read
-- once) per request; 10 inputs at 4 per request are 3 requests.
\! test/fake/hfctl requests-clear
SELECT count(*), bool_and(error IS NULL) AS all_ok
FROM hfendpoints.feature_extraction_batch('tei', ARRAY(SELECT 'pack ' || i FROM generate_series(1, 10) i));
\! test/fake/hfctl requests --path /endpoints/fake-user/tei
-- hfendpoints.max_inputs_per_request lowers it; 1 sends one input per request.
SET hfendpoints.max_inputs_per_request = 1;
\! test/fake/hfctl requests-clear
SELECT count(*) FROM hfendpoints.feature_extraction_batch('tei', ARRAY['a', 'b', 'c']);
\! test/fake/hfctl requests --path /endpoints/fake-user/tei | grep -c '^POST'
RESET hfendpoints.max_inputs_per_request;
-- A pack the engine refuses for its size is split, and the rest sent
-- smaller: vLLM here takes 3 inputs at most.
\! test/fake/hfctl endpoint fake-user/vllm-emb '{"openai_max_inputs": 3}'
\! test/fake/hfctl requests-clear
SELECT count(*), bool_and(error IS NULL) AS all_ok,
       bool_and(output = hfendpoints.feature_extraction('tei', 'split ' || ord)) AS same
FROM hfendpoints.feature_extraction_batch('vllm-emb', ARRAY(SELECT 'split ' || i FROM generate_series(1, 8) i));
\! test/fake/hfctl requests --path /endpoints/fake-user/vllm-emb/v1/embeddings --status | grep '^POST' | sort | uniq -c
-- One bad input in a pack fails alone: the pack is split down to it.
\! test/fake/hfctl requests-clear
SELECT ord, output IS NOT NULL AS embedded, error
FROM hfendpoints.feature_extraction_batch('tei', ARRAY['fine 1', 'fine 2', '', 'fine 4', 'fine 5'],
                                          on_error => 'null');
-- (the halves race: their answers counted)
\! test/fake/hfctl requests --path /endpoints/fake-user/tei --status | grep '^POST' | sort | uniq -c
-- llama.cpp answers an input too large for its batch with a 500: that
-- splits the pack too.
SELECT ord, output IS NOT NULL AS embedded, error IS NOT NULL AS failed
FROM hfendpoints.feature_extraction_batch('llama-emb',
       ARRAY['short one', repeat('word ', 600), 'short two'], on_error => 'null');
-- A failure that concerns the whole request (429, 401, 403, 404, 424) is
-- never split: every input of the pack gets it.
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/tei", "method": "POST", "status": 424, "body": {"error": "model is not an embedding model", "error_type": "Backend"}}'
\! test/fake/hfctl requests-clear
SELECT ord, error FROM hfendpoints.feature_extraction_batch('tei', ARRAY['w 1', 'w 2', 'w 3'],
                                                            on_error => 'null');
\! test/fake/hfctl requests --path /endpoints/fake-user/tei | grep -c '^POST'

-- A URL: the engine is learnt with GET probes, once per URL.
SELECT url AS vllm_url FROM hfendpoints.get_endpoint('vllm') \gset
SELECT url AS llama_url FROM hfendpoints.get_endpoint('llama') \gset
SELECT url AS toolkit_url FROM hfendpoints.get_endpoint('toolkit') \gset
SELECT url AS tei_url FROM hfendpoints.get_endpoint('tei') \gset
\! test/fake/hfctl requests-clear
SELECT hfendpoints.text_generation(:'vllm_url', 'Once upon a time', max_new_tokens => 5,
                                   return_full_text => false)
     = hfendpoints.text_generation('tgi', 'Once upon a time', max_new_tokens => 5,
                                   return_full_text => false) AS url_same;
SELECT hfendpoints.text_generation(:'vllm_url', 'Again', max_new_tokens => 2) IS NOT NULL AS again;
\! test/fake/hfctl requests --path /endpoints/fake-user/vllm
\! test/fake/hfctl requests-clear
SELECT hfendpoints.text_generation(:'llama_url', 'Once upon a time', max_new_tokens => 5,
                                   return_full_text => false)
     = hfendpoints.text_generation('tgi', 'Once upon a time', max_new_tokens => 5,
                                   return_full_text => false) AS url_same;
\! test/fake/hfctl requests --path /endpoints/fake-user/llama
\! test/fake/hfctl requests-clear
SELECT hfendpoints.text_generation(:'toolkit_url', 'Once upon a time', max_new_tokens => 5,
                                   return_full_text => false)
     = hfendpoints.text_generation('tgi', 'Once upon a time', max_new_tokens => 5,
                                   return_full_text => false) AS url_same;
\! test/fake/hfctl requests --path /endpoints/fake-user/toolkit
\! test/fake/hfctl requests-clear
SELECT count(*) FROM hfendpoints.feature_extraction_batch(:'tei_url', ARRAY['u 1', 'u 2', 'u 3', 'u 4', 'u 5']);
\! test/fake/hfctl requests --path /endpoints/fake-user/tei
-- Probes answered 401 say nothing: nothing is kept, the call fails as the
-- endpoint answers it.
\! test/fake/hfctl seed fake-user/vllm-private '{"task": "text-generation", "image": {"vLLM": {"url": "vllm/vllm-openai:v0.10.1"}}}'
SELECT url AS private_url FROM hfendpoints.get_endpoint('vllm-private') \gset
SET ROLE hfendpoints_user;
SELECT hfendpoints.text_generation(:'private_url', 'x');
RESET ROLE;
SELECT hfendpoints.text_generation(:'private_url', 'x', max_new_tokens => 1) IS NOT NULL AS then_fine;
-- A URL the probes cannot tell is sent each task's native route (TGI's
-- POST for generation); a 404 then says how to name the engine.
\set odd_url :vllm_url/odd
\set VERBOSITY default
SELECT hfendpoints.text_generation(:'odd_url', 'x');
\set VERBOSITY terse

-- A probe answered 503 is a cold start: the endpoint is woken with
-- X-Scale-Up-Timeout, waited for, and probed again.
\! test/fake/hfctl seed fake-user/sleepy-vllm '{"task": "text-generation", "state": "scaledToZero", "image": {"vLLM": {"url": "vllm/vllm-openai:v0.10.1"}}}'
SELECT url AS sleepy_url FROM hfendpoints.get_endpoint('sleepy-vllm') \gset
SELECT hfendpoints.stats_reset();
\! test/fake/hfctl requests-clear
SELECT hfendpoints.text_generation(:'sleepy_url', 'Once upon a time', max_new_tokens => 5,
                                   return_full_text => false)
     = hfendpoints.text_generation('tgi', 'Once upon a time', max_new_tokens => 5,
                                   return_full_text => false) AS woke;
\! test/fake/hfctl requests --path /endpoints/fake-user/sleepy-vllm --status
SELECT cold_starts FROM hfendpoints.stats WHERE endpoint = '127.0.0.1';

-- Forcing: the call's engine argument, then the server's option "engine".
\set VERBOSITY default
SELECT hfendpoints.text_generation('vllm', 'x', engine => 'tgi');
\set VERBOSITY terse
SELECT hfendpoints.text_generation('tgi', 'Once upon a time', max_new_tokens => 5,
                                   return_full_text => false, engine => 'tgi') IS NOT NULL AS forced;
ALTER SERVER huggingface OPTIONS (ADD engine 'vllm');
SELECT hfendpoints.text_generation('tgi', 'x');
SELECT hfendpoints.text_generation('vllm', 'Once upon a time', max_new_tokens => 5,
                                   return_full_text => false)
     = hfendpoints.text_generation('tgi', 'Once upon a time', max_new_tokens => 5,
                                   return_full_text => false, engine => 'tgi') AS option_decides;
ALTER SERVER huggingface OPTIONS (SET engine 'nope');
ALTER SERVER huggingface OPTIONS (DROP engine);
-- enrich takes engine in its parameters, checked before anything is sent.
UPDATE stories SET story = NULL;
CALL hfendpoints.enrich('stories', 'prompt', 'story', 'tgi', task => 'text-generation',
                        parameters => '{"engine": "tgi", "max_new_tokens": 4, "return_full_text": false}');
SELECT count(story) AS filled FROM stories;
CALL hfendpoints.enrich('stories', 'prompt', 'story', 'tgi', task => 'text-generation',
                        parameters => '{"engine": "openai"}');

DROP TABLE engines, embedders, stories;
