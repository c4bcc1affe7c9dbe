-- Inference on endpoints' data plane: text_generation, chat_completion, chat,
-- feature_extraction and infer, over table rows, with every parameter
-- checked on the wire.  Errors are in inference_errors, endpoint states and
-- cold starts in cold_start.
\i test/include/setup.psql
SET client_min_messages = warning;
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
RESET client_min_messages;
SET hfendpoints.retry_base_delay = '10ms';

\! test/fake/hfctl seed fake-user/tgi '{"image":{"tgi":{"url":"ghcr.io/huggingface/text-generation-inference:3.3.6"}}}'
\! test/fake/hfctl seed fake-org/llama '{"repository":"meta-llama/Llama-3.2-1B-Instruct","task":"conversational"}'
\! test/fake/hfctl seed fake-user/emb '{"repository":"BAAI/bge-small-en-v1.5","task":"feature-extraction","image":{"tei":{"url":"ghcr.io/huggingface/text-embeddings-inference:1.7"}}}'
\! test/fake/hfctl seed fake-user/sst2 '{"repository":"distilbert/distilbert-base-uncased-finetuned-sst-2-english","task":"text-classification"}'
\! test/fake/hfctl seed fake-user/summ '{"repository":"facebook/bart-large-cnn","task":"summarization"}'

CREATE TABLE docs (id int PRIMARY KEY, body text);
INSERT INTO docs VALUES
    (1, 'The quick brown fox'),
    (2, 'echo:Bonjour, le monde'),
    (3, NULL),
    (4, 'echo:😀 emoji, 中文字符, עברית מימין לשמאל, مرحبا'),
    (5, 'echo:tab	and
newline and "quotes" and \backslash');

-- text_generation over rows: deterministic text, NULL for a NULL prompt,
-- non-ASCII text (emoji, CJK, right-to-left) and control characters
-- round-trip exactly.
SELECT id, hfendpoints.text_generation('tgi', body, max_new_tokens => 6,
                                       return_full_text => false) AS generated
FROM docs ORDER BY id;
SELECT id, hfendpoints.text_generation('tgi', body, return_full_text => false) = substr(body, 6)
       AS round_trips
FROM docs WHERE body LIKE 'echo:%' ORDER BY id;
-- The same prompt and parameters give the same text.
SELECT hfendpoints.text_generation('tgi', 'The quick brown fox', max_new_tokens => 6,
                                   return_full_text => false)
     = hfendpoints.text_generation('fake-user/tgi', 'The quick brown fox', max_new_tokens => 6,
                                   return_full_text => false) AS deterministic;
-- A NULL prompt sends nothing.
\! test/fake/hfctl requests-clear
SELECT hfendpoints.text_generation('tgi', NULL) IS NULL AS null_prompt;
SELECT hfendpoints.text_generation('tgi', NULL, seed => 1) IS NULL AS null_prompt_with_args;
\! test/fake/hfctl requests --path /endpoints/
-- Without return_full_text, TGI's "/" route on a text-generation model
-- prepends the prompt (doc/protocol.md §6.1): the server decides, as with huggingface_hub.
SELECT hfendpoints.text_generation('tgi', 'echo: world');

-- Every parameter reaches the wire, in "parameters" (doc/protocol.md §6.1); a 64-bit
-- seed is sent digit for digit.
SELECT hfendpoints.text_generation('tgi', 'Hello',
    max_new_tokens => 5, temperature => 0.7, top_k => 40, top_p => 0.9,
    typical_p => 0.95, repetition_penalty => 1.1, frequency_penalty => 0.5,
    do_sample => true, seed => 9223372036854775807, stop => ARRAY['.', 'END'],
    return_full_text => false, truncate => 512, watermark => true,
    grammar => '{"type": "regex", "value": "[a-z ]+"}', adapter_id => 'my-lora',
    extra_parameters => '{"top_n_tokens": 2, "decoder_input_details": false}') IS NOT NULL AS ok;
\! test/fake/hfctl last-body --path /endpoints/fake-user/tgi
-- No parameters: "parameters" is still sent, empty (TGI then decodes greedily).
SELECT hfendpoints.text_generation('tgi', 'Hello') IS NOT NULL AS ok;
\! test/fake/hfctl last-body --path /endpoints/fake-user/tgi
\! test/fake/hfctl requests --last 1
-- A JSON grammar.
SELECT hfendpoints.text_generation('tgi', 'Give me JSON', max_new_tokens => 3,
    return_full_text => false, grammar => '{"type": "json", "value": {"type": "object"}}')::jsonb ? 'text' AS is_json;
-- An empty stop list is sent as [].
SELECT hfendpoints.text_generation('tgi', 'Hello', stop => '{}') IS NOT NULL AS ok;
\! test/fake/hfctl last-body --path /endpoints/fake-user/tgi

-- Both response shapes: [{...}] from "/" and {...} from "/generate" (through
-- a direct URL ending in /generate).
\set generate_url :fake_url/endpoints/fake-user/tgi/generate
SELECT hfendpoints.text_generation(:'generate_url', 'echo:bare object') AS from_generate;
\! test/fake/hfctl requests --last 1

-- chat_completion: the whole OpenAI-style response as jsonb.
SELECT r - 'created' AS response
FROM hfendpoints.chat_completion('fake-org/llama',
    '[{"role": "user", "content": "echo:Hi there"}]') AS r;
\! test/fake/hfctl requests --last 1
-- every argument on the wire; "model" is the placeholder huggingface_hub
-- sends to an endpoint URL, "stream" is false; response_format in OpenAI
-- form is rewritten to TGI's (doc/protocol.md §6.3); extra adds or replaces keys.
SELECT r -> 'choices' -> 0 -> 'message' ->> 'content' AS content
FROM hfendpoints.chat_completion('fake-org/llama',
    '[{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hello"}]',
    max_tokens => 4, temperature => 0.5, top_p => 0.8, seed => 18446744073709551,
    stop => ARRAY['!'], frequency_penalty => 0.1, presence_penalty => 0.2,
    response_format => '{"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object", "maxLength": 12345678901234567}}}',
    extra => '{"logprobs": false, "n": 1}') AS r;
\! test/fake/hfctl last-body --path /endpoints/fake-org/llama
-- tools: the reply is a tool call, with no content.
SELECT r -> 'choices' -> 0 -> 'message' -> 'tool_calls' -> 0 -> 'function' ->> 'name' AS tool,
       r -> 'choices' -> 0 -> 'message' ? 'content' AS has_content
FROM hfendpoints.chat_completion('fake-org/llama', '[{"role": "user", "content": "Weather?"}]',
    tools => '[{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]',
    tool_choice => '"auto"') AS r;
\! test/fake/hfctl last-body --path /endpoints/fake-org/llama
-- extra may name the model.
SELECT hfendpoints.chat_completion('fake-org/llama', '[{"role": "user", "content": "x"}]',
    extra => '{"model": "tgi"}') IS NOT NULL AS ok;
\! test/fake/hfctl last-body --path /endpoints/fake-org/llama
-- NULL messages send nothing.
SELECT hfendpoints.chat_completion('fake-org/llama', NULL) IS NULL AS null_messages;

-- chat: a prompt (and a system message) in, the first choice's text out.
SELECT id, hfendpoints.chat('fake-org/llama', body, max_tokens => 4) AS reply
FROM docs ORDER BY id;
SELECT hfendpoints.chat('fake-org/llama', 'Hi', system => 'Answer in French.',
    max_tokens => 3, temperature => 0.2, top_p => 0.5, seed => 7, stop => ARRAY['.'],
    frequency_penalty => 0.3, presence_penalty => 0.4,
    response_format => '{"type": "json_object", "value": {"type": "object"}}',
    extra => '{"top_logprobs": 2}')::jsonb ? 'text' AS json_reply;
\! test/fake/hfctl last-body --path /endpoints/fake-org/llama

-- The chat URL rule of doc/protocol.md §6.3, with direct URLs: /v1/chat/completions is
-- appended to a bare URL, /chat/completions to one ending in /v1, nothing to
-- one that already ends in /chat/completions; a query string is kept.
\set llama_url :fake_url/endpoints/fake-org/llama
\set llama_slash :fake_url/endpoints/fake-org/llama/
\set llama_v1 :fake_url/endpoints/fake-org/llama/v1
\set llama_full :fake_url/endpoints/fake-org/llama/chat/completions
\set llama_query :fake_url/endpoints/fake-org/llama?api-version=1
\! test/fake/hfctl requests-clear
SELECT hfendpoints.chat(u, 'echo:ok') AS reply
FROM unnest(ARRAY[:'llama_url', :'llama_slash', :'llama_v1', :'llama_full', :'llama_query']) WITH ORDINALITY AS t(u, n)
ORDER BY n;
\! test/fake/hfctl requests --headers none

-- feature_extraction: TEI embeddings as real[] (dimension 8 on the fake).
SELECT id, array_length(hfendpoints.feature_extraction('emb', body), 1) AS dims,
       round((SELECT sum(x * x) FROM unnest(hfendpoints.feature_extraction('emb', body)) AS x)::numeric, 3) AS norm
FROM docs ORDER BY id;
SELECT hfendpoints.feature_extraction('emb', 'hello') = hfendpoints.feature_extraction('fake-user/emb', 'hello')
       AS deterministic;
SELECT hfendpoints.feature_extraction('emb', 'hello', normalized => false, truncate => true,
    prompt_name => 'query', truncation_direction => 'Left', dimensions => 4) AS embedding;
\! test/fake/hfctl last-body --path /endpoints/fake-user/emb
SELECT hfendpoints.feature_extraction('emb', '😀 中文') IS NOT NULL AS ok;

-- infer: any task, raw JSON in and out; numbers keep their digits.
SELECT hfendpoints.infer('sst2', '{"inputs": "I love it"}') AS classification;
SELECT id, hfendpoints.infer('summ', jsonb_build_object('inputs', body)) -> 0 ->> 'summary_text' AS summary
FROM docs WHERE body IS NOT NULL ORDER BY id;
SELECT hfendpoints.infer('sst2', NULL) IS NULL AS null_payload;
-- a route under the endpoint URL
SELECT hfendpoints.infer('tgi', '{"inputs": "echo:routed"}', route => '/generate') AS generated;
SELECT hfendpoints.infer('tgi', '{"inputs": "echo:x", "parameters": {"seed": 18446744073709551615, "do_sample": true, "details": true}}',
                         route => 'generate') -> 'details' -> 'seed' AS exact_seed;
\! test/fake/hfctl requests --last 1 --headers none

-- Public endpoints get no token; others get it.
\! test/fake/hfctl seed fake-user/pub '{"type":"public"}'
\! test/fake/hfctl requests-clear
SELECT hfendpoints.text_generation('pub', 'echo:public', return_full_text => false) AS pub,
       hfendpoints.text_generation('tgi', 'echo:private', return_full_text => false) AS private;
\! test/fake/hfctl requests --path /endpoints/

-- Names are resolved once and cached for hfendpoints.endpoint_cache_ttl ...
\! test/fake/hfctl seed fake-user/tgi2
\! test/fake/hfctl requests-clear
SELECT count(hfendpoints.text_generation('tgi2', 'x' || i, max_new_tokens => 1))
FROM generate_series(1, 5) AS i;
\! test/fake/hfctl requests --method GET --path /v2/ --headers none
-- ... and on every call with a TTL of 0.
SET hfendpoints.endpoint_cache_ttl = 0;
\! test/fake/hfctl requests-clear
SELECT count(hfendpoints.text_generation('tgi', 'x' || i, max_new_tokens => 1))
FROM generate_series(1, 3) AS i;
\! test/fake/hfctl requests --method GET --path /v2/ --headers none
RESET hfendpoints.endpoint_cache_ttl;

-- Privileges: the functions are revoked from PUBLIC and granted to hfendpoints_user.
CREATE ROLE regress_infer_plain;
CREATE ROLE regress_infer_user IN ROLE hfendpoints_user;
CREATE USER MAPPING FOR regress_infer_user SERVER huggingface OPTIONS (token 'hf_fake_token');
SET ROLE regress_infer_plain;
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.infer('sst2', '{}');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE regress_infer_user;
SELECT hfendpoints.text_generation('tgi', 'echo:granted', return_full_text => false) AS granted;
RESET ROLE;
SELECT p.proname, p.proparallel, p.provolatile, p.proisstrict,
       has_function_privilege('regress_infer_plain', p.oid, 'EXECUTE') AS public_may,
       has_function_privilege('hfendpoints_user', p.oid, 'EXECUTE') AS role_may,
       obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented
FROM pg_proc p
WHERE p.pronamespace = 'hfendpoints'::regnamespace
  AND p.proname IN ('text_generation', 'chat_completion', 'chat', 'feature_extraction', 'infer')
ORDER BY p.proname;
DROP USER MAPPING FOR regress_infer_user SERVER huggingface;
DROP ROLE regress_infer_user;
DROP ROLE regress_infer_plain;
DROP TABLE docs;
