-- Statistics: hfendpoints.stats counts every HTTP request sent, per
-- (database, server, endpoint), by outcome, with its retries, time, bytes
-- and tokens; the counts match what the fake service received.
\i test/include/setup.psql
SET client_min_messages = warning;
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
RESET client_min_messages;
SET hfendpoints.retry_base_delay = '10ms';
\! test/fake/hfctl seed fake-user/st '{"task": "text-generation"}'
\! test/fake/hfctl seed fake-user/bytes '{"task": "text-generation"}'
\! test/fake/hfctl seed fake-user/cold '{"state": "scaledToZero"}'
-- a new session: its first call asks whoami for the default namespace
\c
SET hfendpoints.retry_base_delay = '10ms';
SELECT hfendpoints.stats_reset();
SELECT count(*) AS rows_after_reset FROM hfendpoints.stats;

-- Successes: text generation (TGI's x-generated-tokens header counts the
-- tokens), chat, and a batch of three (one failing row: a 424).
SELECT hfendpoints.text_generation('st', 'echo:one two three', return_full_text => false);
SELECT hfendpoints.chat('st', 'echo:four five');
SELECT ord, output, error FROM hfendpoints.text_generation_batch('st',
       ARRAY['echo:six', 'fail:boom', 'echo:seven eight'], return_full_text => false,
       on_error => 'null');
-- An OpenAI-style server without x-generated-tokens: usage.completion_tokens.
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/st/v1/chat/completions", "status": 200, "body": {"choices": [{"index": 0, "message": {"role": "assistant", "content": "from usage"}}], "usage": {"prompt_tokens": 3, "completion_tokens": 7, "total_tokens": 10}}}'
SELECT hfendpoints.chat('st', 'vllm style');

-- A 4xx (input validation, 422) and a 5xx (500, not retried).
SELECT hfendpoints.text_generation('st', 'x', temperature => -1);
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/st", "status": 500}'
SELECT hfendpoints.text_generation('st', 'x');
-- Rate limited twice, then served: three requests, two of them retries.
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/st", "count": 2, "status": 429, "headers": {"Retry-After": "0"}, "body": {"error": "Model is overloaded", "error_type": "overloaded"}}'
SELECT hfendpoints.text_generation('st', 'echo:at last', return_full_text => false);
-- A 503, retried and served.
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/st", "status": 503, "body": "busy"}'
SELECT hfendpoints.text_generation('st', 'echo:after a 503', return_full_text => false);
-- A response cut short (the connection closes mid-body), not retried
-- here: a transport error.
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/st", "action": "truncate"}'
SET hfendpoints.max_retries = 0;
SELECT hfendpoints.text_generation('st', 'x');
RESET hfendpoints.max_retries;
-- A request that outlives hfendpoints.request_timeout: a timeout.
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/st", "action": "hang"}'
SET hfendpoints.request_timeout = '200ms';
SELECT hfendpoints.text_generation('st', 'x');
RESET hfendpoints.request_timeout;
-- A request in flight when statement_timeout cancels the query: a cancel.
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/st", "action": "hang"}'
SET statement_timeout = '300ms';
SELECT hfendpoints.text_generation('st', 'x');
RESET statement_timeout;

-- A cold start waited for: the endpoint was scaled to zero.
SELECT hfendpoints.text_generation('cold', 'echo:awake', return_full_text => false);
-- ... and another in the same session: it went back to sleep, and waking
-- it again counts again (a name is not cached while its endpoint is cold).
SELECT (hfendpoints.scale_to_zero_endpoint('cold')).status AS asleep_again;
SELECT hfendpoints.text_generation('cold', 'echo:awake again', return_full_text => false);
-- A URL given directly counts under its host (never the URL itself).
SELECT hfendpoints.text_generation(:'fake_url' || '/endpoints/fake-user/bytes', 'echo:by url',
                                   return_full_text => false);

-- Bytes: the request and response bodies, exactly.
SELECT hfendpoints.text_generation('bytes', 'echo:12345', return_full_text => false);
SELECT hfendpoints.text_generation('bytes', 'echo:abc', return_full_text => false);
SELECT bytes_sent = octet_length('{"inputs":"echo:12345","parameters":{"return_full_text":false}}')
                  + octet_length('{"inputs":"echo:abc","parameters":{"return_full_text":false}}') AS sent_ok,
       bytes_received = octet_length('[{"generated_text":"12345"}]')
                      + octet_length('[{"generated_text":"abc"}]') AS received_ok
  FROM hfendpoints.stats WHERE endpoint = 'fake-user/bytes';

-- Everything, per endpoint: the control plane (management API and the
-- Hub's whoami) has rows of its own.
SELECT database, server, endpoint, requests, successes, client_errors, server_errors,
       rate_limited, transport_errors, timeouts, cancels, retries, cold_starts,
       tokens_generated
  FROM hfendpoints.stats ORDER BY endpoint;
-- every request counts in exactly one outcome
SELECT endpoint FROM hfendpoints.stats
 WHERE requests <> successes + client_errors + server_errors + transport_errors + timeouts + cancels;
-- times: means and maxima agree, and the timeout took request_timeout
SELECT endpoint, mean_time_ms = total_time_ms / requests AS mean_ok,
       max_time_ms <= total_time_ms AS max_ok,
       first_call <= last_call AND last_call <= now() AS calls_ok
  FROM hfendpoints.stats ORDER BY endpoint;
SELECT max_time_ms >= 200 AS waited_200ms FROM hfendpoints.stats WHERE endpoint = 'fake-user/st';
-- the fake service received exactly the requests counted
SELECT sum(requests) AS counted FROM hfendpoints.stats;
\! test/fake/hfctl stats | grep -o '"requests":[0-9]*'
SELECT requests AS counted_for_st FROM hfendpoints.stats WHERE endpoint = 'fake-user/st';
\! test/fake/hfctl requests --path /endpoints/fake-user/st | grep -c '^POST'

-- Who may read and reset: hfendpoints_user reads; only the owner resets.
CREATE ROLE regress_stats_reader;
GRANT hfendpoints_user TO regress_stats_reader;
CREATE ROLE regress_stats_nobody;
SET ROLE regress_stats_reader;
SELECT count(*) > 0 AS can_read FROM hfendpoints.stats;
SELECT count(*) >= 0 AS can_read_jobs FROM hfendpoints.jobs;
SELECT hfendpoints.stats_reset();
SET ROLE regress_stats_nobody;
SELECT count(*) FROM hfendpoints.stats;
RESET ROLE;
SELECT hfendpoints.stats_reset();
SELECT count(*) AS rows_after_reset FROM hfendpoints.stats;
DROP ROLE regress_stats_reader;
DROP ROLE regress_stats_nobody;
