-- Batch inference: many inputs in one call, sent concurrently, one row per
-- input in input order, with failures raised or reported per row.
\i test/include/setup.psql
SET client_min_messages = warning;
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
RESET client_min_messages;
SET hfendpoints.retry_base_delay = '10ms';
\! test/fake/hfctl seed fake-user/tgi '{"task": "text-generation"}'
\! test/fake/hfctl seed fake-user/tei '{"task": "feature-extraction"}'
\! test/fake/hfctl seed fake-user/clf '{"task": "text-classification"}'

-- Results come back in input order even when responses arrive out of order
-- (random latency per request); NULL inputs give NULL outputs, no request.
\! test/fake/hfctl endpoint fake-user/tgi '{"latency_ms": 5, "jitter_ms": 40}'
SET hfendpoints.max_concurrency = 8;
SELECT ord, output, error
  FROM hfendpoints.text_generation_batch('tgi',
       ARRAY['echo:one', 'echo:two', NULL, 'echo:four', 'echo:five', 'echo:six',
             'echo:seven', 'echo:eight', 'echo:nine', 'echo:ten'],
       return_full_text => false);
\! test/fake/hfctl requests --path /endpoints/fake-user/tgi | grep -c '^POST'
-- the same as the single-row function, row for row
SELECT count(*) AS same
  FROM generate_series(1, 12) AS i,
       hfendpoints.text_generation_batch('tgi', ARRAY(SELECT 'prompt ' || g FROM generate_series(1, 12) g),
                                         max_new_tokens => 5, seed => 42) AS b
 WHERE b.ord = i AND b.output = hfendpoints.text_generation('tgi', 'prompt ' || i, max_new_tokens => 5, seed => 42);
-- every parameter reaches the wire, for every row
SELECT count(*) FROM hfendpoints.text_generation_batch('tgi', ARRAY['a', 'b'],
       max_new_tokens => 3, temperature => 0.5, top_k => 5, stop => ARRAY['x']);
\! test/fake/hfctl last-body --path /endpoints/fake-user/tgi

-- The concurrency cap: the fake never sees more than max_concurrency at once.
\! test/fake/hfctl stats-reset
\! test/fake/hfctl endpoint fake-user/tgi '{"latency_ms": 20, "jitter_ms": 0}'
SET hfendpoints.max_concurrency = 4;
SELECT count(*) FROM hfendpoints.text_generation_batch('tgi', ARRAY(SELECT 'p' || g FROM generate_series(1, 40) g));
\! test/fake/hfctl stats | grep -o '"max_in_flight":[0-9]*'
-- Connections are kept alive and reused: both batches together used only
-- max_concurrency connections.
SELECT count(*) FROM hfendpoints.text_generation_batch('tgi', ARRAY(SELECT 'q' || g FROM generate_series(1, 40) g));
\! test/fake/hfctl stats | grep -o '"connections":[0-9]*'
SET hfendpoints.max_concurrency = 16;

-- Partial failures.  With on_error => 'raise' (the default) the first
-- failed input, in input order, raises its error...
SELECT * FROM hfendpoints.text_generation_batch('tgi', ARRAY['echo:ok', 'fail:boom', 'echo:fine']);
\echo :LAST_ERROR_SQLSTATE
-- ... with on_error => 'null' every row comes back, failures with their error.
SELECT ord, output, error
  FROM hfendpoints.text_generation_batch('tgi', ARRAY['echo:ok', 'fail:boom', 'echo:fine', 'nul:x'],
                                         return_full_text => false, on_error => 'null');
SELECT * FROM hfendpoints.text_generation_batch('tgi', ARRAY['x'], on_error => 'ignore');
-- Options that name a key the body sets itself are refused (22023) before
-- anything is sent, whatever on_error says.
\! test/fake/hfctl requests-clear
SELECT * FROM hfendpoints.text_generation_batch('tgi', ARRAY['a', 'b'],
       extra_parameters => '{"inputs": "INJECTED"}', on_error => 'null');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM hfendpoints.chat_batch('tgi', ARRAY['a', 'b'], extra => '{"messages": []}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM hfendpoints.chat_batch('tgi', ARRAY[NULL]::text[], extra => '{"stream": true}');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl requests | grep -c . || true

-- Retries inside the batch: 429s and 503s on some rows are retried on
-- their own, and every row succeeds.
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/tgi", "match_body": "retry-me", "count": 2, "status": 429, "headers": {"Retry-After": "0"}, "body": {"error": "Model is overloaded", "error_type": "overloaded"}}'
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/tgi", "match_body": "and-me", "count": 2, "status": 503, "body": "busy"}'
SELECT ord, output FROM hfendpoints.text_generation_batch('tgi',
       ARRAY['echo:retry-me', 'echo:plain', 'echo:and-me'], return_full_text => false);

-- The other tasks.
SELECT ord, array_length(output, 1) AS dims, error
  FROM hfendpoints.feature_extraction_batch('tei', ARRAY['hello', NULL, 'world']);
SELECT b.output = hfendpoints.feature_extraction('tei', 'hello') AS same_as_single
  FROM hfendpoints.feature_extraction_batch('tei', ARRAY['hello']) b;
-- an embedding value beyond real's range fails its row only, though both
-- inputs went in one request (TEI takes a list)
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/tei", "match_body": "huge", "status": 200, "body": "[[0.5], [0.25, 1e39]]"}'
SELECT ord, array_length(output, 1) AS dims, error
  FROM hfendpoints.feature_extraction_batch('tei', ARRAY['fine', 'huge'], on_error => 'null');
\! test/fake/hfctl requests-clear
SELECT ord, output, error FROM hfendpoints.chat_batch('tgi', ARRAY['echo:hi', 'echo:there'], system => 'be brief');
-- (the two requests race: their bodies in a fixed order)
\! test/fake/hfctl requests --path /endpoints/fake-user/tgi/v1/chat/completions | grep 'body:' | sort
SELECT ord, output -> 0 -> 0 ->> 'label' AS label, error
  FROM hfendpoints.infer_batch('clf', ARRAY['{"inputs": "I love it"}'::jsonb, NULL, '{"inputs": "meh"}']);
-- infer_batch's route goes under the endpoint URL, checked as infer checks
-- it: a bad one is refused (22023) before anything is sent, never cut.
SELECT ord, output -> 'generated_text' AS generated, error
  FROM hfendpoints.infer_batch('tgi', ARRAY['{"inputs": "echo:routed", "parameters": {"max_new_tokens": 3}}'::jsonb],
                               route => '/generate');
\! test/fake/hfctl requests-clear
SELECT * FROM hfendpoints.infer_batch('tgi', ARRAY['{}'::jsonb], route => 'a b');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM hfendpoints.infer_batch('tgi', ARRAY['{}'::jsonb], route => 'generate#frag');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM hfendpoints.infer_batch('tgi', ARRAY['{}'::jsonb], route => 'http://example.com/x',
                                      on_error => 'null');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM hfendpoints.infer_batch('tgi', ARRAY[NULL]::jsonb[], route => 'a\b');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl requests | grep -c . || true

-- Empty and NULL arrays give no rows, and send nothing.
\! test/fake/hfctl requests-clear
SELECT count(*) FROM hfendpoints.text_generation_batch('tgi', ARRAY[]::text[]);
SELECT count(*) FROM hfendpoints.text_generation_batch('tgi', NULL);
SELECT count(*) FROM hfendpoints.text_generation_batch('no-such-endpoint', ARRAY[NULL]::text[]);
\! test/fake/hfctl requests | grep -c . || true

-- Cancel mid-batch: statement_timeout stops every request in flight at
-- once (57014), and the next call in the same session works.
\! test/fake/hfctl endpoint fake-user/tgi '{"latency_ms": 5000}'
SET statement_timeout = '300ms';
SELECT count(*) FROM hfendpoints.text_generation_batch('tgi', ARRAY(SELECT 'slow ' || g FROM generate_series(1, 20) g));
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;
\! test/fake/hfctl endpoint fake-user/tgi '{"latency_ms": 0}'
SELECT ord, output FROM hfendpoints.text_generation_batch('tgi', ARRAY['echo:still works'], return_full_text => false);

-- An endpoint paused in the middle of a batch: the rows answered before
-- (here by a fault, the others meeting the paused endpoint) were paid for.
-- With on_error => 'null' they are kept and the others say why; with
-- 'raise' the call fails, naming the state.
\! test/fake/hfctl seed fake-user/pausing '{"task": "text-generation"}'
SELECT hfendpoints.text_generation('pausing', 'echo:warm', return_full_text => false);
\! test/fake/hfctl endpoint fake-user/pausing '{"state": "paused"}'
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/pausing", "match_body": "answered", "count": -1, "status": 200, "body": [{"generated_text": "paid for"}]}'
SELECT ord, output, error FROM hfendpoints.text_generation_batch('pausing',
       ARRAY['answered 1', 'late 2', 'answered 3'], on_error => 'null');
SELECT count(*) FROM hfendpoints.text_generation_batch('pausing', ARRAY['answered 1', 'late 2']);
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl faults-clear

-- Memory stays bounded by the window, not by the number of rows: each
-- response is parsed as it completes and its body freed at once, and the
-- rows wait for their turn in a sort that spills to disk.  Responses of
-- 4 MB, 4 in flight: after a batch of 8 rows has taken the backend's peak
-- memory to what the window needs, one of 40 rows (160 MB of responses)
-- raises it by little more.
\c
SET hfendpoints.max_concurrency = 4;
CREATE FUNCTION pg_temp.peak_kb() RETURNS bigint LANGUAGE sql AS $$
SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'),
                     'VmHWM:\s+(\d+)'))[1]::bigint $$;
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/tei", "count": -1, "action": "oversized", "size": 4194304}'
SELECT count(*) AS rows, count(error) AS failed, min(error) AS error
  FROM hfendpoints.feature_extraction_batch('tei',
       ARRAY(SELECT 'big ' || g FROM generate_series(1, 8) g), on_error => 'null');
SELECT pg_temp.peak_kb() AS peak_kb_8_rows \gset
SELECT count(*) AS rows, count(error) AS failed
  FROM hfendpoints.feature_extraction_batch('tei',
       ARRAY(SELECT 'big ' || g FROM generate_series(1, 40) g), on_error => 'null');
SELECT (pg_temp.peak_kb() - :peak_kb_8_rows) / 1024 < 32 AS peak_growth_under_32_mb;
\! test/fake/hfctl faults-clear
