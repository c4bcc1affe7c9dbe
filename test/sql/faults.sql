-- Faults: whatever the network or a remote server does wrong, a call ends
-- with a clear error and an errcode, the backend stays usable, and nothing
-- leaks.  After each fault, ok() checks that the backend has no more open
-- file descriptors than in its warm state (one kept-alive connection and
-- the engine's wait set: max_concurrency is 1 until the last section) and
-- that the next request works; memory is measured around the large
-- bodies and at the end.  errors and inference_errors have the basic
-- cases; this file adds the rest, and the leak checks.
\i test/include/setup.psql
SET client_min_messages = warning;
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
RESET client_min_messages;
SET hfendpoints.retry_base_delay = '1ms';
SET hfendpoints.max_retries = 0;
SET hfendpoints.max_concurrency = 1;
\! test/fake/hfctl seed fake-user/tgi
\! test/fake/hfctl seed fake-user/emb '{"task": "feature-extraction"}'
\! test/fake/hfctl seed fake-user/any '{"task": null}'
-- fds(): the backend's open sockets, pipes and anonymous descriptors
-- (epoll sets, signalfd), which is what libcurl and the transfer engine
-- open, as ls shows them, but for the pipe the listing itself writes to:
-- popen() closes the backend's copy of its write end only once the
-- program has started, so on a loaded machine ls sees that pipe twice
-- now and then; ls -l /proc/self/fd/1 names it.  ls's complaints go: a
-- relation file PostgreSQL closes while it lists is one, and test -d
-- fails the listing of a backend that is not there.
-- Not files: PostgreSQL opens a relation's fork when a statement first
-- needs it (pg_foreign_server's visibility map at the first ALTER SERVER
-- after autovacuum has run on it, say), and hfendpoints opens none.
-- mem(): the bytes the backend's memory contexts hold, but for
-- CacheMemoryContext's own blocks: PostgreSQL's catalog caches, which
-- grow with each catalog row first looked up (by how much depends on the
-- major version) and which hfendpoints never allocates in.
CREATE TEMP TABLE fd_listing (line text);
CREATE FUNCTION pg_temp.fds() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM fd_listing;
    EXECUTE format('COPY fd_listing FROM PROGRAM %L',
                   format('ls -l /proc/self/fd/1; ls -l /proc/%s/fd 2>/dev/null; test -d /proc/%s/fd',
                          pg_backend_pid(), pg_backend_pid()));
    RETURN (SELECT count(*) FROM fd_listing
            WHERE line ~ ' -> (socket|pipe|anon_inode):'
              AND split_part(line, ' -> ', 2) <>
                  (SELECT split_part(line, ' -> ', 2) FROM fd_listing
                   WHERE line LIKE '%/proc/self/fd/1 -> %'));
END
$$;
CREATE FUNCTION pg_temp.mem() RETURNS bigint LANGUAGE sql
AS $$ SELECT sum(total_bytes) FROM pg_backend_memory_contexts
      WHERE name <> 'CacheMemoryContext' $$;
-- ok(): no descriptor leaked, and a request works again.
CREATE FUNCTION pg_temp.ok(OUT no_fd_leak boolean, OUT usable boolean) LANGUAGE plpgsql AS $$
BEGIN
    no_fd_leak := pg_temp.fds() <= current_setting('regress.fds_warm')::bigint;
    usable := hfendpoints.text_generation('tgi', 'echo:ok', return_full_text => false) = 'ok';
END
$$;
-- outcome(stmt): the SQLSTATE, message and detail of a failing statement.
CREATE FUNCTION pg_temp.outcome(stmt text, OUT state text, OUT message text, OUT detail text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    state := '00000';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL;
END
$$;
-- whoami's answer with every field of the wrong type: 08P01.  (First: the
-- answer is cached for the session.)
\! test/fake/hfctl fault '{"path": "/api/whoami-v2", "count": 1, "action": "wrong_types"}'
SELECT hfendpoints.whoami();
\echo :LAST_ERROR_SQLSTATE
-- Warm up: a request of each kind, every function above once, and the
-- table of the per-field section filled: each endpoint field replaced by
-- a value of the wrong type, or removed when it is required.
CREATE TEMP TABLE mutation (n serial, path text[], value jsonb);
INSERT INTO mutation (path, value) VALUES
    ('{}', '[]'),
    ('{name}', '42'), ('{name}', NULL), ('{type}', '42'), ('{healthRoute}', '{}'),
    ('{provider}', '"aws"'), ('{provider,vendor}', '42'), ('{provider,region}', 'true'),
    ('{compute}', '[]'), ('{compute,accelerator}', '42'), ('{compute,instanceType}', '[]'),
    ('{compute,instanceSize}', '2'), ('{compute,scaling}', '"auto"'),
    ('{compute,scaling,minReplica}', '"1"'), ('{compute,scaling,maxReplica}', '1.5'),
    ('{compute,scaling,scaleToZeroTimeout}', '1e12'), ('{compute,scaling,minReplica}', '-3000000000'),
    ('{model}', '"gpt2"'), ('{model,repository}', '42'), ('{model,repository}', NULL),
    ('{model,revision}', '42'), ('{model,task}', 'true'), ('{model,framework}', '{}'),
    ('{status}', '"running"'), ('{status,state}', '42'), ('{status,state}', NULL),
    ('{status,url}', '42'), ('{status,message}', '[]'),
    ('{status,createdAt}', '1700000000'), ('{status,updatedAt}', '"not a timestamp"'),
    ('{status,updatedAt}', '"infinity"'), ('{status,createdAt}', '"2025-03-07T15:30:13"');
SELECT hfendpoints.whoami() ->> 'name' AS whoami, (hfendpoints.get_endpoint('tgi')).status;
SELECT pg_temp.fds() > 0 AS fds, pg_temp.mem() > 0 AS mem,
       (pg_temp.outcome('SELECT 1')).state;
SELECT set_config('regress.fds_warm', pg_temp.fds()::text, false) IS NOT NULL AS warm;
SELECT * FROM pg_temp.ok();
SELECT set_config('regress.fds_warm', pg_temp.fds()::text, false) IS NOT NULL AS warm;
SELECT pg_temp.mem() AS mem_warm \gset

--
-- The network
--
-- Connection refused: 08001, for one request and for every row of a batch.
SELECT hfendpoints.text_generation('http://127.0.0.1:1/x', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pg_temp.ok();
SELECT ord, output, error FROM hfendpoints.text_generation_batch('http://127.0.0.1:1/x',
    ARRAY['a', 'b', 'c'], on_error => 'null');
SELECT * FROM pg_temp.ok();
-- Unknown host (".invalid" never resolves): 08001, on the data plane and
-- on the control plane.
ALTER SERVER huggingface OPTIONS (SET allowed_hosts '127.0.0.1, *.invalid');
SELECT hfendpoints.text_generation('http://no-such-host.invalid/x', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pg_temp.ok();
ALTER SERVER huggingface OPTIONS (SET api_url 'http://no-such-host.invalid/v2');
SELECT hfendpoints.get_endpoint('tgi');
\echo :LAST_ERROR_SQLSTATE
ALTER SERVER huggingface OPTIONS (SET api_url :'api_url', SET allowed_hosts '127.0.0.1');
SELECT * FROM pg_temp.ok();

--
-- A server that misbehaves during the response
--
-- Reset mid-body (the full length announced, half sent, then TCP RST): 08006.
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/tgi", "count": -1, "action": "reset"}'
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl faults-clear
SELECT * FROM pg_temp.ok();
-- ... on the control plane too; and with retries allowed, a reset once is
-- retried and the call succeeds.
\! test/fake/hfctl fault '{"path": "/v2/endpoint/fake-user/tgi", "count": -1, "action": "reset"}'
SELECT hfendpoints.get_endpoint('tgi');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl faults-clear
\! test/fake/hfctl fault '{"path": "/v2/endpoint/fake-user/tgi", "count": 1, "action": "reset"}'
SET hfendpoints.max_retries = 2;
SELECT name, status FROM hfendpoints.get_endpoint('tgi');
SET hfendpoints.max_retries = 0;
SELECT * FROM pg_temp.ok();
-- Dropped without a response, on a kept-alive connection (libcurl retries
-- that once on a new connection, which is dropped too): 08006.
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/tgi", "count": -1, "action": "drop"}'
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl faults-clear
SELECT * FROM pg_temp.ok();
-- Accepts the request and never answers: hfendpoints.request_timeout, 08006.
SET hfendpoints.request_timeout = '300ms';
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/tgi", "count": -1, "action": "hang"}'
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT ord, error FROM hfendpoints.text_generation_batch('tgi', ARRAY['a', 'b'], on_error => 'null');
\! test/fake/hfctl faults-clear
SELECT * FROM pg_temp.ok();
-- Headers at once, then a body that drips one byte every 100 ms, slower
-- than the timeout allows: 08006.
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/tgi", "count": -1, "action": "drip", "interval_ms": 100}'
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl faults-clear
\! test/fake/hfctl fault '{"path": "/v2/endpoint/fake-user/tgi", "count": -1, "action": "drip", "interval_ms": 100}'
SELECT hfendpoints.get_endpoint('tgi');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl faults-clear
RESET hfendpoints.request_timeout;
SELECT * FROM pg_temp.ok();
-- A chunked body cut short, the last chunk never sent: 08006.
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/tgi", "count": -1, "action": "truncate"}'
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl faults-clear
\! test/fake/hfctl fault '{"path": "/v2/endpoint/fake-user", "count": -1, "action": "truncate"}'
SELECT count(*) FROM hfendpoints.list_endpoints();
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl faults-clear
SELECT * FROM pg_temp.ok();
--
-- Bodies too large: the cap trips (54000) and memory stays flat
--
SET hfendpoints.max_response_size = '1MB';
-- 50 MB announced with Content-Length: refused before the body is read.
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/tgi", "count": -1, "action": "oversized"}'
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl faults-clear
-- 50 MB chunked, no length announced: the body is cut off at the cap.
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/", "count": -1, "action": "oversized", "chunked": true}'
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT ord, error FROM hfendpoints.infer_batch('any', ARRAY['{}', '{}']::jsonb[], on_error => 'null');
\! test/fake/hfctl faults-clear
\! test/fake/hfctl fault '{"path": "/v2/endpoint/fake-user/tgi", "count": -1, "action": "oversized", "chunked": true}'
SELECT hfendpoints.get_endpoint('tgi');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl faults-clear
-- Twenty oversized responses in one statement leave the backend's memory
-- where it was (each held at most the 1 MB cap, freed with its call).
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/tgi", "count": 20, "action": "oversized", "chunked": true}'
SELECT count(*) FILTER (WHERE o.state = '54000') AS capped
FROM generate_series(1, 20) AS i,
LATERAL pg_temp.outcome(format('SELECT hfendpoints.text_generation(%L, %L)', 'tgi', 'x' || i)) AS o;
SELECT pg_temp.mem() - :mem_warm < 512 * 1024 AS memory_flat;
RESET hfendpoints.max_response_size;
SELECT * FROM pg_temp.ok();

--
-- Bodies that are not what they claim
--
-- Invalid UTF-8 (bytes FF FE in a string): 22021, on the data plane ...
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/tgi", "count": -1, "action": "invalid_utf8"}'
SELECT hfendpoints.chat_completion('tgi', '[{"role": "user", "content": "x"}]');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.infer('tgi', '{"inputs": "x"}');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl faults-clear
-- ... on the control plane (nothing invalid may reach a text or jsonb value) ...
\! test/fake/hfctl fault '{"path": "/v2/endpoint/fake-user/tgi", "count": -1, "action": "invalid_utf8"}'
SELECT hfendpoints.get_endpoint('tgi');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl faults-clear
\! test/fake/hfctl fault '{"path": "/v2/endpoint/fake-user", "method": "GET", "count": -1, "action": "invalid_utf8"}'
SELECT count(*) FROM hfendpoints.list_endpoints();
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl faults-clear
\! test/fake/hfctl fault '{"path": "/v2/provider/", "count": -1, "action": "invalid_utf8"}'
SELECT count(*) FROM hfendpoints.list_hardware();
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl faults-clear
-- ... and in an error's body, where it becomes "?" in the detail.  The
-- body is the endpoint's, cut to the detail's length limit where its
-- creation time (the clock's) begins: only the start of the detail is shown.
\! test/fake/hfctl fault '{"path": "/v2/endpoint/fake-user/tgi", "count": -1, "action": "invalid_utf8", "status": 400}'
SELECT state, message, left(detail, 40) AS detail_start, detail LIKE '%...' AS detail_cut
FROM pg_temp.outcome($$SELECT hfendpoints.get_endpoint('tgi')$$);
\! test/fake/hfctl faults-clear
SELECT * FROM pg_temp.ok();
-- JSON nested 100000 deep: refused by the parser (08P01), no stack overflow.
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/tgi", "count": -1, "action": "deep_json"}'
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.infer('tgi', '{"inputs": "x"}');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl faults-clear
\! test/fake/hfctl fault '{"path": "/v2/endpoint/fake-user/tgi", "count": -1, "action": "deep_json"}'
SELECT hfendpoints.get_endpoint('tgi');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl faults-clear
\! test/fake/hfctl fault '{"path": "/v2/endpoint/fake-user/tgi", "count": -1, "action": "deep_json", "status": 500}'
SELECT state, message, length(detail) AS detail_length FROM pg_temp.outcome($$SELECT hfendpoints.get_endpoint('tgi')$$);
\! test/fake/hfctl faults-clear
-- ... while 900 levels, which the parser accepts, come back whole.
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/any", "count": 1, "action": "deep_json", "depth": 900}'
SELECT length(hfendpoints.infer('any', '{"inputs": "x"}')::text) AS deep_length;
SELECT * FROM pg_temp.ok();

--
-- Every endpoint field of the wrong JSON type (08P01, naming the field)
--
-- The fake's wrong_types fault: every leaf of the wrong type, or every
-- top-level field, on get_endpoint and list_endpoints.
\! test/fake/hfctl fault '{"path": "/v2/endpoint/fake-user/tgi", "count": 1, "action": "wrong_types"}'
SELECT hfendpoints.get_endpoint('tgi');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl fault '{"path": "/v2/endpoint/fake-user/tgi", "count": 1, "action": "wrong_types", "mode": "top"}'
SELECT hfendpoints.get_endpoint('tgi');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl fault '{"path": "/v2/endpoint/fake-user", "method": "GET", "count": 1, "action": "wrong_types"}'
SELECT count(*) FROM hfendpoints.list_endpoints();
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl fault '{"path": "/v2/endpoint/fake-user", "method": "GET", "count": 1, "action": "wrong_types", "mode": "top"}'
SELECT count(*) FROM hfendpoints.list_endpoints();
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl fault '{"path": "/v2/provider/", "count": 1, "action": "wrong_types"}'
SELECT count(*) FROM hfendpoints.list_hardware('fake-user');
\echo :LAST_ERROR_SQLSTATE
-- One field at a time: each field of a good endpoint object replaced by a
-- value of the wrong type, or removed when it is required (table mutation,
-- above).
SELECT format('[%s]', string_agg(jsonb_build_object(
           'path', '/v2/endpoint/fake-user/tgi', 'method', 'GET', 'count', 1, 'status', 200,
           'body', CASE WHEN m.path = '{}' THEN m.value
                        WHEN m.value IS NULL THEN e.raw #- m.path
                        ELSE jsonb_set(e.raw, m.path, m.value) END)::text, ',' ORDER BY m.n))
FROM mutation m, hfendpoints.get_endpoint('tgi') e
\g (format=unaligned tuples_only=on) |xargs -0 test/fake/hfctl fault
SELECT m.path, coalesce(m.value::text, '(removed)') AS value, o.state, o.detail
FROM mutation m,
LATERAL pg_temp.outcome(format('SELECT hfendpoints.get_endpoint(%L) /* %s */', 'tgi', m.n)) AS o
ORDER BY m.n;
-- A list in which one endpoint is broken fails as a whole, naming the field.
SELECT jsonb_build_object('path', '/v2/endpoint/fake-user', 'method', 'GET', 'count', 1, 'status', 200,
    'body', jsonb_build_object('items', jsonb_build_array(e.raw, jsonb_set(e.raw, '{compute,scaling,maxReplica}', '"two"'))))
FROM hfendpoints.get_endpoint('tgi') e
\g (format=unaligned tuples_only=on) |xargs -0 test/fake/hfctl fault
SELECT count(*) FROM hfendpoints.list_endpoints();
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pg_temp.ok();

--
-- A 429 storm whose Retry-After exceeds the request timeout: not waited
-- for, at once 53400 (statement_timeout would cancel a sleeping call).
--
SET hfendpoints.max_retries = 5;
SET hfendpoints.request_timeout = '2s';
SET statement_timeout = '10s';
\! test/fake/hfctl requests-clear
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/tgi", "count": -1, "status": 429, "headers": {"Retry-After": "3600"}, "body": {"error": "Too many requests"}}'
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT ord, error FROM hfendpoints.text_generation_batch('tgi', ARRAY['a', 'b', 'c'], on_error => 'null');
\! test/fake/hfctl faults-clear
-- ... and a 503 storm alike: 08006.
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/tgi", "count": -1, "status": 503, "headers": {"Retry-After": "3600"}, "body": "busy"}'
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl faults-clear
-- One request for each of those five inputs: nothing was retried.
\! test/fake/hfctl requests --path /endpoints/ --status --headers none | grep -c '^POST'
-- A storm with a short Retry-After is retried hfendpoints.max_retries times,
-- then 53400.
\! test/fake/hfctl requests-clear
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/tgi", "count": -1, "status": 429, "headers": {"Retry-After": "0"}, "body": {"error": "rate limited"}}'
SET hfendpoints.max_retries = 2;
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl faults-clear
\! test/fake/hfctl requests --path /endpoints/ --status --headers none | grep -c '^POST'
RESET statement_timeout;
RESET hfendpoints.request_timeout;
SET hfendpoints.max_retries = 0;
SELECT * FROM pg_temp.ok();

-- After every fault above: no descriptor and no memory left behind.
SELECT pg_temp.fds() <= current_setting('regress.fds_warm')::bigint AS no_fd_leak,
       pg_temp.mem() - :mem_warm < 512 * 1024 AS memory_flat;

-- With concurrency, a batch keeps one connection per request it had in
-- flight; measured after such a batch, failing batches leave no more.
SET hfendpoints.max_concurrency = 4;
SELECT count(output) FROM hfendpoints.text_generation_batch('tgi', ARRAY['echo:1', 'echo:2', 'echo:3', 'echo:4']);
SELECT set_config('regress.fds_warm', pg_temp.fds()::text, false) IS NOT NULL AS warm;
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/tgi", "count": -1, "action": "reset"}'
SELECT ord, error FROM hfendpoints.text_generation_batch('tgi', ARRAY['a', 'b', 'c', 'd', 'e', 'f'], on_error => 'null');
\! test/fake/hfctl faults-clear
SET hfendpoints.request_timeout = '300ms';
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/tgi", "count": -1, "action": "hang"}'
SELECT ord, error FROM hfendpoints.text_generation_batch('tgi', ARRAY['a', 'b', 'c', 'd', 'e', 'f'], on_error => 'null');
\! test/fake/hfctl faults-clear
RESET hfendpoints.request_timeout;
SELECT * FROM pg_temp.ok();
