-- Secrets.  A role's token never appears in an error (message, detail,
-- hint, context), a NOTICE or log line, a raw column, a batch's error
-- column, enrich's failure log or pg_stat_activity, whatever fails -- even
-- when a server sends the token back in its error; the values of an
-- endpoint's model.secrets are redacted in every output; and no role can
-- read or use another role's token.
--
-- The server log is checked as well: the test cluster logs everything from
-- DEBUG1 up, verbosely (test/regress.conf), and after the suite scripts/test
-- runs test/scan_log_for_secrets.sh over it for the tokens used here:
-- hf_fake_token (valid), api_org_fake_token (an organization's) and
-- hf_invalid_secret_marker_5e1f (refused by the service).  PostgreSQL itself
-- logs the text of a statement that fails, so no statement in the suite
-- that fails may spell one of them: the ones here that must fail run
-- inside attempt(), which catches the error.
\i test/include/setup.psql
SET client_min_messages = warning;
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
RESET client_min_messages;
SET hfendpoints.retry_base_delay = '1ms';
SET hfendpoints.max_retries = 1;
SET regress.secret = 'hf_fake_token|api_org_fake_token|hf_invalid_secret_marker_5e1f|hf_fake_toke|hf_in_a_url_5e1f';
\! test/fake/hfctl seed fake-user/tgi
\! test/fake/hfctl seed fake-user/emb '{"task": "feature-extraction"}'
-- seen(text): does a text hold a token, or most of one?  (The tokens are
-- in regress.secret, separated by "|".)
CREATE FUNCTION pg_temp.seen(t text) RETURNS boolean LANGUAGE sql
AS $$ SELECT bool_or(strpos(t, s) > 0)
      FROM unnest(string_to_array(current_setting('regress.secret'), '|')) AS s $$;
-- attempt(stmt): how stmt failed, and whether any part of the error --
-- message, detail, hint or context -- holds a token.  The context quotes
-- stmt itself, which is left out of the search.
CREATE FUNCTION pg_temp.attempt(stmt text, OUT state text, OUT message text, OUT token_seen boolean,
                                 OUT detail text)
LANGUAGE plpgsql AS $$
DECLARE
    h text;
    c text;
BEGIN
    EXECUTE stmt;
    state := '00000';
    token_seen := false;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT,
                            c = PG_EXCEPTION_CONTEXT;
    c := replace(c, format('SQL statement "%s"', stmt), '');
    token_seen := pg_temp.seen(concat_ws(' ', message, detail, h, c));
END
$$;

--
-- 1. Errors of every kind, with a valid token in the user mapping.
--
-- The user mapping itself: the validator never echoes a value.
SELECT state, message, token_seen FROM pg_temp.attempt($$ALTER USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (ADD tokne 'hf_fake_token')$$);
SELECT state, message, token_seen FROM pg_temp.attempt($$ALTER USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (SET token 'hf_fake_token?')$$);
SELECT state, message, token_seen FROM pg_temp.attempt($$ALTER USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (ADD token 'hf_invalid_secret_marker_5e1f')$$);
SELECT state, message, token_seen FROM pg_temp.attempt($$CREATE SERVER regress_sec FOREIGN DATA WRAPPER hfendpoints OPTIONS (token 'hf_fake_token')$$);
-- Arguments, URLs (one holding a token, hf_in_a_url_5e1f, is not echoed
-- either: a DEBUG1 line logged during such a statement would quote it), the
-- control plane's own errors.
CREATE TEMP TABLE sec_case (n serial, label text, stmt text);
INSERT INTO sec_case (label, stmt) VALUES
    ('bad name', $$SELECT hfendpoints.get_endpoint('Bad_Name')$$),
    ('token as user-info', $$SELECT hfendpoints.text_generation('http://u:hf_in_a_url_5e1f@127.0.0.1:1/x', 'x')$$),
    ('token in query, refused', $$SELECT hfendpoints.text_generation('http://127.0.0.1:1/x?access_token=hf_in_a_url_5e1f', 'x')$$),
    ('token in fragment', $$SELECT hfendpoints.text_generation('http://127.0.0.1:1/x#hf_in_a_url_5e1f', 'x')$$),
    ('host not allowed', $$SELECT hfendpoints.text_generation('http://localhost:1/x?t=hf_in_a_url_5e1f', 'x')$$),
    ('404', $$SELECT hfendpoints.get_endpoint('nope')$$),
    ('401 other namespace', $$SELECT hfendpoints.get_endpoint('tgi', 'other-user')$$),
    ('409 duplicate', $$SELECT hfendpoints.create_endpoint('tgi', repository => 'gpt2', framework => 'pytorch',
        accelerator => 'cpu', instance_size => 'x2', instance_type => 'intel-icl', region => 'us-east-1', vendor => 'aws')$$),
    ('400 no such compute', $$SELECT hfendpoints.create_endpoint('x', repository => 'gpt2', framework => 'pytorch',
        accelerator => 'cpu', instance_size => 'x9', instance_type => 'intel-icl', region => 'us-east-1', vendor => 'aws')$$),
    ('paused', $$SELECT hfendpoints.text_generation('sleepy', 'x')$$),
    ('422 validation', $$SELECT hfendpoints.text_generation('tgi', 'x', temperature => 0)$$),
    ('424 generation', $$SELECT hfendpoints.chat('tgi', 'fail:boom')$$),
    ('413 payload', $$SELECT hfendpoints.text_generation('tgi', repeat('long ', 500000))$$),
    ('NUL in output', $$SELECT hfendpoints.text_generation('tgi', 'nul:x')$$),
    ('bad secrets argument', $$SELECT hfendpoints.update_endpoint('tgi', secrets => '{"API_KEY": ["s3cr3t-value"]}')$$);
\! test/fake/hfctl seed fake-user/sleepy '{"state": "paused"}'
SELECT c.label, a.state, a.token_seen, a.message
FROM sec_case c, LATERAL pg_temp.attempt(c.stmt) AS a
ORDER BY c.n;
-- Transport failures and broken responses, on both planes: each fault
-- applies to every request until cleared; both() runs get_endpoint() and
-- text_generation() (whose endpoint name is cached by now) under it.
CREATE FUNCTION pg_temp.both(label text, OUT fault text, OUT get_state text, OUT get_token_seen boolean,
                             OUT generate_state text, OUT generate_token_seen boolean)
LANGUAGE plpgsql AS $$
BEGIN
    fault := label;
    SELECT a.state, a.token_seen INTO get_state, get_token_seen
    FROM pg_temp.attempt($q$SELECT hfendpoints.get_endpoint('tgi')$q$) AS a;
    SELECT a.state, a.token_seen INTO generate_state, generate_token_seen
    FROM pg_temp.attempt($q$SELECT hfendpoints.text_generation('tgi', 'x')$q$) AS a;
END
$$;
SET hfendpoints.request_timeout = '300ms';
\! test/fake/hfctl fault '{"path": "/", "count": -1, "action": "hang"}'
SELECT * FROM pg_temp.both('hang');
\! test/fake/hfctl faults-clear
\! test/fake/hfctl fault '{"path": "/", "count": -1, "action": "drop"}'
SELECT * FROM pg_temp.both('drop');
\! test/fake/hfctl faults-clear
\! test/fake/hfctl fault '{"path": "/", "count": -1, "action": "reset"}'
SELECT * FROM pg_temp.both('reset');
\! test/fake/hfctl faults-clear
\! test/fake/hfctl fault '{"path": "/", "count": -1, "action": "truncate"}'
SELECT * FROM pg_temp.both('truncate');
\! test/fake/hfctl faults-clear
\! test/fake/hfctl fault '{"path": "/", "count": -1, "action": "drip", "interval_ms": 100}'
SELECT * FROM pg_temp.both('drip');
\! test/fake/hfctl faults-clear
\! test/fake/hfctl fault '{"path": "/", "count": -1, "action": "malformed_json"}'
SELECT * FROM pg_temp.both('malformed_json');
\! test/fake/hfctl faults-clear
SET hfendpoints.max_response_size = '64kB';
\! test/fake/hfctl fault '{"path": "/", "count": -1, "action": "oversized", "chunked": true}'
SELECT * FROM pg_temp.both('oversized');
\! test/fake/hfctl faults-clear
RESET hfendpoints.max_response_size;
\! test/fake/hfctl fault '{"path": "/", "count": -1, "action": "invalid_utf8"}'
SELECT * FROM pg_temp.both('invalid_utf8');
\! test/fake/hfctl faults-clear
\! test/fake/hfctl fault '{"path": "/", "count": -1, "action": "deep_json"}'
SELECT * FROM pg_temp.both('deep_json');
\! test/fake/hfctl faults-clear
\! test/fake/hfctl fault '{"path": "/", "count": -1, "action": "wrong_types"}'
SELECT * FROM pg_temp.both('wrong_types');
\! test/fake/hfctl faults-clear
\! test/fake/hfctl fault '{"path": "/", "count": -1, "status": 429, "headers": {"Retry-After": "0"}, "body": {"error": "slow down"}}'
SELECT * FROM pg_temp.both('429');
\! test/fake/hfctl faults-clear
\! test/fake/hfctl fault '{"path": "/", "count": -1, "status": 503, "content_type": "text/html", "body": "<html><head><title>503 Service Temporarily Unavailable</title></head></html>"}'
SELECT * FROM pg_temp.both('503 page');
\! test/fake/hfctl faults-clear
\! test/fake/hfctl fault '{"path": "/", "count": -1, "status": 302, "headers": {"Location": "http://127.0.0.1:1/?token=hf_fake_token"}, "body": ""}'
SELECT * FROM pg_temp.both('302');
\! test/fake/hfctl faults-clear
RESET hfendpoints.request_timeout;
-- Nothing listening, no such host.
ALTER SERVER huggingface OPTIONS (SET api_url 'http://127.0.0.1:1/v2');
SELECT state, message, token_seen FROM pg_temp.attempt($$SELECT hfendpoints.get_endpoint('tgi')$$);
ALTER SERVER huggingface OPTIONS (SET api_url 'http://no-such-host.invalid/v2');
SELECT state, message, token_seen FROM pg_temp.attempt($$SELECT hfendpoints.get_endpoint('tgi')$$);
ALTER SERVER huggingface OPTIONS (SET api_url :'api_url');

--
-- 2. A server that sends the token back in its error (as a debugging
-- proxy or a careless server may): the token is masked wherever the
-- server's text is shown -- the detail, the reason, a batch's error
-- column, enrich's failure log, and the DEBUG1 lines of skipped
-- namespaces and failed health checks.
--
\! test/fake/hfctl fault '{"path": "/v2/endpoint/fake-user/tgi", "count": 1, "status": 400, "body": {"error": "Authorization: Bearer hf_fake_token is not valid here"}}'
\! test/fake/hfctl fault '{"path": "/v2/endpoint/fake-user/tgi", "count": 1, "status": 400, "body": "bad header: Bearer hf_fake_token"}'
\! test/fake/hfctl fault '{"path": "/v2/endpoint/fake-user/tgi", "count": 1, "status": 502, "content_type": "text/html", "body": "<html><head><title>Bad token hf_fake_token</title></head></html>"}'
\! test/fake/hfctl fault '{"path": "/v2/endpoint/fake-user/tgi", "count": 1, "status": 422, "body": {"error": "bad", "error_type": "hf_fake_token"}}'
\! test/fake/hfctl fault '{"path": "/v2/endpoint/fake-user/tgi", "count": 1, "status": 400, "body": {"error": "bad", "error_description": "token hf_fake_token"}}'
SET hfendpoints.max_retries = 0;
SELECT n, a.state, a.token_seen, a.message, a.detail
FROM generate_series(1, 5) AS n,
LATERAL pg_temp.attempt(format($$SELECT hfendpoints.get_endpoint('tgi') /* %s */$$, n)) AS a
ORDER BY n;
-- where the token would straddle the cut of a long detail
SELECT jsonb_build_object('path', '/v2/endpoint/fake-user/tgi', 'count', 1, 'status', 400,
    'body', jsonb_build_object('error', repeat('x', 487) || ' hf_fake_token'))
\g (format=unaligned tuples_only=on) |xargs -0 test/fake/hfctl fault
SELECT state, token_seen, right(detail, 20) AS detail_ends
FROM pg_temp.attempt($$SELECT hfendpoints.get_endpoint('tgi')$$);
-- the data plane, its success-with-error bodies, and a batch's error column
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/tgi", "count": 1, "status": 401, "body": {"error": "token hf_fake_token has expired", "error_type": "authorization"}}'
SELECT state, message, token_seen FROM pg_temp.attempt($$SELECT hfendpoints.text_generation('tgi', 'x')$$);
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/tgi", "count": 1, "status": 200, "body": {"error": "cannot use hf_fake_token", "error_type": "generation"}}'
SELECT state, message, token_seen FROM pg_temp.attempt($$SELECT hfendpoints.text_generation('tgi', 'x')$$);
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/emb", "count": 1, "status": 200, "body": {"error": "cannot use hf_fake_token"}}'
SELECT state, message, token_seen FROM pg_temp.attempt($$SELECT hfendpoints.feature_extraction('emb', 'x')$$);
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/tgi", "count": 2, "status": 403, "body": {"error": "hf_fake_token may not use this endpoint"}}'
SELECT ord, pg_temp.seen(error) AS token_seen, error
FROM hfendpoints.text_generation_batch('tgi', ARRAY['a', 'b'], on_error => 'null');
-- enrich records the masked error, and its NOTICEs go to the log
CREATE TABLE sec_docs (id int PRIMARY KEY, body text, summary text);
INSERT INTO sec_docs VALUES (1, 'echo:a', NULL), (2, 'echo:b', NULL);
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/tgi", "match_body": "echo:b", "count": 1, "status": 400, "body": {"error": "rejected hf_fake_token"}}'
SET client_min_messages = warning;
CALL hfendpoints.enrich('sec_docs', 'body', 'summary', 'tgi');
RESET client_min_messages;
SELECT row_key, pg_temp.seen(error) AS token_seen, error FROM hfendpoints.enrich_failures;
DELETE FROM hfendpoints.enrich_failures;
DROP TABLE sec_docs;
-- an endpoint's status message, in the errors of wait_endpoint and of
-- inference (its line break cleaned too)
\! test/fake/hfctl fault '{"path": "/v2/endpoint/fake-user/sec-failed", "method": "GET", "count": -1, "status": 200, "body": {"name": "sec-failed", "model": {"repository": "gpt2"}, "status": {"state": "failed", "message": "Deploy failed: token hf_fake_token was refused\nsee the logs"}}}'
SELECT state, token_seen, detail
FROM pg_temp.attempt($$SELECT hfendpoints.wait_endpoint('sec-failed')$$);
SELECT state, token_seen, detail
FROM pg_temp.attempt($$SELECT hfendpoints.text_generation('sec-failed', 'x')$$);
-- an endpoint's state, the same: a line break and a fake log line after
-- the token, in wait_endpoint's timeout detail and its DEBUG1 poll lines
-- (the log scan checks them), in inference's "has no URL" detail; in raw
-- and the row's columns only the token is masked, the rest as sent
\! test/fake/hfctl fault '{"path": "/v2/endpoint/fake-user/sec-odd", "method": "GET", "count": -1, "status": 200, "body": {"name": "sec-odd", "model": {"repository": "gpt2"}, "status": {"state": "Bearer hf_fake_token\nFAKE LOG LINE: forged", "message": "see hf_fake_token\r\nFAKE LOG LINE: forged"}}}'
SELECT state, token_seen, detail
FROM pg_temp.attempt($$SELECT hfendpoints.wait_endpoint('sec-odd', timeout => '50 ms', refresh_every => '10 ms')$$);
SELECT state, token_seen, message, detail
FROM pg_temp.attempt($$SELECT hfendpoints.text_generation('sec-odd', 'x')$$);
SELECT to_json(status) AS status, to_json(message) AS message, raw -> 'status' AS raw_status,
       pg_temp.seen(e::text) AS token_seen
FROM hfendpoints.get_endpoint('sec-odd') AS e;
-- DEBUG1 lines: a namespace skipped by list_endpoints('*'), a health check
-- that failed during wait_endpoint (the log scan checks them)
\! test/fake/hfctl fault '{"path": "/v2/endpoint/fake-org", "method": "GET", "count": 1, "status": 403, "body": {"error": "hf_fake_token has no access to fake-org"}}'
SELECT count(*) FROM hfendpoints.list_endpoints('*');
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/tgi/health", "count": 1, "status": 503, "body": {"error": "hf_fake_token: not ready"}}'
SELECT name, status FROM hfendpoints.wait_endpoint('tgi', timeout => '10 s', refresh_every => '10 ms');
\! test/fake/hfctl faults-clear
SET hfendpoints.max_retries = 1;

--
-- 3. A token the service refuses (401), and an organization's token.
--
ALTER USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (SET token 'hf_invalid_secret_marker_5e1f');
SELECT label, a.state, a.token_seen, a.message
FROM (VALUES ('whoami', $$SELECT hfendpoints.whoami()$$),
             ('get', $$SELECT hfendpoints.get_endpoint('tgi', 'fake-user')$$),
             ('list', $$SELECT hfendpoints.list_endpoints('fake-user')$$),
             ('hardware', $$SELECT hfendpoints.list_hardware('fake-user')$$),
             ('delete', $$SELECT hfendpoints.delete_endpoint('tgi', 'fake-user')$$),
             ('infer by name', $$SELECT hfendpoints.infer('fake-user/tgi', '{}')$$),
             ('infer by URL', format($$SELECT hfendpoints.infer(%L, '{}')$$, :'fake_url' || '/endpoints/fake-user/tgi')),
             ('batch by URL', format($$SELECT * FROM hfendpoints.infer_batch(%L, ARRAY['{}'::jsonb])$$, :'fake_url' || '/endpoints/fake-user/tgi')))
     AS c(label, stmt),
LATERAL pg_temp.attempt(c.stmt) AS a;
ALTER USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (SET token 'api_org_fake_token');
SELECT state, message, token_seen FROM pg_temp.attempt($$SELECT hfendpoints.list_endpoints()$$);
SELECT state, message, token_seen FROM pg_temp.attempt($$SELECT hfendpoints.get_endpoint('tgi', 'fake-user')$$);
ALTER USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (SET token 'hf_fake_token');
-- whoami's answer is remote text too: its type is shown cleaned and masked
-- (whoami() only masks it), and its name is checked as a namespace before
-- it goes in a URL path: a name that would make the client request a path
-- the server chose is refused (08P01) and nothing else is sent.  The
-- answer is cached for its token, so the tokens alternate.
\! test/fake/hfctl fault '{"path": "/api/whoami-v2", "count": 1, "status": 200, "body": {"type": "Bearer hf_fake_token\nFAKE LOG LINE: forged", "name": "fake-user"}}'
SELECT state, token_seen, message, detail FROM pg_temp.attempt($$SELECT hfendpoints.list_endpoints()$$);
SELECT hfendpoints.whoami() -> 'type' AS whoami_type;
ALTER USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (SET token 'api_org_fake_token');
\! test/fake/hfctl fault '{"path": "/api/whoami-v2", "count": 1, "status": 200, "body": {"type": "user", "name": "fake-user/../../v2/endpoint/fake-user/tgi?x=", "orgs": []}}'
\! test/fake/hfctl requests-clear
SELECT state, token_seen, message, detail FROM pg_temp.attempt($$SELECT hfendpoints.get_endpoint('tgi')$$);
\! test/fake/hfctl requests --status --headers none
ALTER USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (SET token 'hf_fake_token');
-- ... and so are the organizations list_endpoints('*') goes through
\! test/fake/hfctl fault '{"path": "/api/whoami-v2", "count": 1, "status": 200, "body": {"type": "user", "name": "fake-user", "orgs": [{"name": "../fake-user/tgi?x="}]}}'
SELECT state, token_seen, message, detail FROM pg_temp.attempt($$SELECT hfendpoints.list_endpoints('*')$$);
ALTER USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (SET token 'api_org_fake_token');
SELECT hfendpoints.whoami() ->> 'name' AS whoami_again;
ALTER USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (SET token 'hf_fake_token');

--
-- 4. Outputs: whoami, the endpoint row and its raw column hold no token,
-- and model.secrets values are redacted in every function that returns an
-- endpoint (the fake service echoes them in full, as the real one may).
--
SELECT pg_temp.seen(hfendpoints.whoami()::text) AS whoami_token_seen;
CREATE TEMP TABLE sec_out (fn text, e hfendpoints.endpoint);
INSERT INTO sec_out SELECT 'create', hfendpoints.create_endpoint('sec-ep', repository => 'gpt2',
    framework => 'pytorch', accelerator => 'cpu', instance_size => 'x2', instance_type => 'intel-icl',
    region => 'us-east-1', vendor => 'aws',
    env => '{"MODE": "plain"}', secrets => '{"API_KEY": "s3cr3t-value-1", "DB_PASSWORD": "s3cr3t-value-2"}');
INSERT INTO sec_out SELECT 'get', hfendpoints.get_endpoint('sec-ep');
INSERT INTO sec_out SELECT 'list', e FROM hfendpoints.list_endpoints() AS e WHERE e.name = 'sec-ep';
INSERT INTO sec_out SELECT 'list *', e FROM hfendpoints.list_endpoints('*') AS e WHERE e.name = 'sec-ep';
INSERT INTO sec_out SELECT 'update', hfendpoints.update_endpoint('sec-ep', secrets => '{"API_KEY": "s3cr3t-value-3"}');
\! test/fake/hfctl endpoint fake-user/sec-ep '{"state": "running"}'
INSERT INTO sec_out SELECT 'wait', hfendpoints.wait_endpoint('sec-ep', timeout => '10 s');
INSERT INTO sec_out SELECT 'scale_to_zero', hfendpoints.scale_to_zero_endpoint('sec-ep');
INSERT INTO sec_out SELECT 'pause', hfendpoints.pause_endpoint('sec-ep');
INSERT INTO sec_out SELECT 'resume', hfendpoints.resume_endpoint('sec-ep');
SELECT fn, (e).raw -> 'model' -> 'secrets' AS secrets, (e).raw -> 'model' -> 'env' AS env,
       strpos(row_to_json(sec_out)::text, 's3cr3t') > 0 AS secret_value_seen,
       pg_temp.seen(row_to_json(sec_out)::text) AS token_seen
FROM sec_out;
-- the values did reach the service
\! test/fake/hfctl last-body --path /v2/endpoint/fake-user/sec-ep --method PUT
-- Secrets of unexpected shapes are masked whole; registry passwords too.
SELECT jsonb_build_object('path', '/v2/endpoint/fake-user/sec-ep', 'method', 'GET', 'count', 1, 'status', 200,
    'body', jsonb_set(jsonb_set((e).raw, '{model,secrets}', to_jsonb('s3cr3t-as-a-string'::text)),
        '{model,image}', '{"custom": {"url": "ghcr.io/x/y:1", "credentials": {"username": "bot", "password": 12345}}}'))
FROM sec_out WHERE fn = 'get'
\g (format=unaligned tuples_only=on) |xargs -0 test/fake/hfctl fault
SELECT raw -> 'model' -> 'secrets' AS secrets, raw -> 'model' -> 'image' AS image
FROM hfendpoints.get_endpoint('sec-ep');
SELECT hfendpoints.delete_endpoint('sec-ep');

--
-- 5. pg_stat_activity: a call in flight shows its query, never a token.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
RESET client_min_messages;
SELECT dblink_connect('regress_sec', 'dbname=' || current_database());
\! test/fake/hfctl fault '{"path": "/endpoints/fake-user/tgi", "count": -1, "action": "hang"}'
SELECT dblink_send_query('regress_sec', $$SELECT * FROM hfendpoints.text_generation_batch('tgi', ARRAY['a', 'b'])$$);
DO $$
BEGIN
    FOR i IN 1..200 LOOP
        EXIT WHEN EXISTS (SELECT 1 FROM pg_stat_activity
                          WHERE query LIKE '%text_generation_batch%' AND pid <> pg_backend_pid()
                            AND wait_event_type = 'Extension');
        PERFORM pg_sleep(0.05);
    END LOOP;
END
$$;
-- (the backend is in flight, though not always in its wait at this instant)
SELECT query, pg_temp.seen(query) AS token_seen
FROM pg_stat_activity
WHERE backend_type = 'client backend' AND state = 'active'
  AND query LIKE '%text_generation_batch%' AND pid <> pg_backend_pid();
SELECT count(*) AS backends_showing_a_token
FROM pg_stat_activity
WHERE pg_temp.seen(query) AND pid <> pg_backend_pid();
SELECT pg_cancel_backend(pid) FROM pg_stat_activity
WHERE backend_type = 'client backend' AND query LIKE '%text_generation_batch%'
  AND pid <> pg_backend_pid();
SELECT * FROM dblink_get_result('regress_sec', false) AS t(ord int, output text, error text);
SELECT * FROM dblink_get_result('regress_sec', false) AS t(ord int, output text, error text);
SELECT dblink_disconnect('regress_sec');
\! test/fake/hfctl faults-clear

--
-- 6. Another role can neither read a role's token nor use it.
--
CREATE ROLE regress_sec_alice IN ROLE hfendpoints_user;
CREATE ROLE regress_sec_bob IN ROLE hfendpoints_user;
CREATE USER MAPPING FOR regress_sec_alice SERVER huggingface OPTIONS (token 'hf_fake_token');
SET ROLE regress_sec_bob;
-- not through the catalogs ...
SELECT usename, umoptions FROM pg_user_mappings WHERE usename = 'regress_sec_alice';
SELECT option_name, option_value FROM information_schema.user_mapping_options
WHERE authorization_identifier = 'regress_sec_alice';
SELECT umoptions FROM pg_user_mapping;
\echo :LAST_ERROR_SQLSTATE
-- ... nor by changing, dropping or making her mapping
SELECT state, message, token_seen FROM pg_temp.attempt($$ALTER USER MAPPING FOR regress_sec_alice SERVER huggingface OPTIONS (SET token 'hf_bob_token')$$);
SELECT state, message, token_seen FROM pg_temp.attempt($$DROP USER MAPPING FOR regress_sec_alice SERVER huggingface$$);
SELECT state, message, token_seen FROM pg_temp.attempt($$CREATE USER MAPPING FOR regress_sec_alice SERVER huggingface OPTIONS (token 'hf_bob_token')$$);
RESET ROLE;
-- In one session, alice's calls warm every per-session cache ...
SET ROLE regress_sec_alice;
SELECT hfendpoints.whoami() ->> 'name' AS alice_is;
SELECT hfendpoints.text_generation('tgi', 'echo:for alice', return_full_text => false) AS alice_gets;
RESET ROLE;
-- ... yet bob, without a mapping, gets nothing of hers: names need a token,
-- and a URL is called without one.
SET ROLE regress_sec_bob;
\! test/fake/hfctl requests-clear
SELECT state, message, token_seen FROM pg_temp.attempt($$SELECT hfendpoints.whoami()$$);
SELECT state, message, token_seen FROM pg_temp.attempt($$SELECT hfendpoints.text_generation('tgi', 'x')$$);
SELECT state, message, token_seen FROM pg_temp.attempt(format($$SELECT hfendpoints.text_generation(%L, 'x')$$, :'fake_url' || '/endpoints/fake-user/tgi'));
\! test/fake/hfctl requests --show-auth
RESET ROLE;
-- With a mapping of his own, every request bob makes carries his token.
CREATE USER MAPPING FOR regress_sec_bob SERVER huggingface OPTIONS (token 'hf_other_token');
SET ROLE regress_sec_bob;
SELECT hfendpoints.whoami() ->> 'name' AS bob_is;
SELECT state, message, token_seen FROM pg_temp.attempt($$SELECT hfendpoints.text_generation('fake-user/tgi', 'x')$$);
SELECT state, message, token_seen FROM pg_temp.attempt(format($$SELECT hfendpoints.text_generation(%L, 'x')$$, :'fake_url' || '/endpoints/fake-user/tgi'));
RESET ROLE;
\! test/fake/hfctl requests --show-auth | grep -c 'Bearer hf_other_token'
\! test/fake/hfctl requests --show-auth | grep -c 'Bearer hf_fake_token'
DROP USER MAPPING FOR regress_sec_alice SERVER huggingface;
DROP USER MAPPING FOR regress_sec_bob SERVER huggingface;
DROP ROLE regress_sec_alice;
DROP ROLE regress_sec_bob;

--
-- 7. Endpoint secrets kept in the user mapping, as options
-- "secret.<NAME>", and sent with secrets_from_mapping: their values are in
-- no hfendpoints call's text, reach the service, and come back redacted.
--
-- The validator: letters, digits and underscores after "secret."; a value
-- of any text but control characters, never echoed; user mappings only.
SELECT state, message, detail, strpos(concat(message, detail), 's3cr3t') > 0 AS value_seen
FROM (VALUES ($$ALTER USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (ADD "secret.API-KEY" 's3cr3t')$$),
             ($$ALTER USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (ADD "secret." 's3cr3t')$$),
             ($$ALTER USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (ADD "secret.API_KEY" E's3cr3t\nFAKE LOG LINE')$$),
             ($$ALTER USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (ADD secret 's3cr3t')$$),
             ($$CREATE SERVER regress_sec FOREIGN DATA WRAPPER hfendpoints OPTIONS ("secret.API_KEY" 's3cr3t')$$))
     AS c(stmt),
LATERAL pg_temp.attempt(c.stmt) AS a;
-- the hint names the form
ALTER USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (ADD secret 'x');
ALTER USER MAPPING FOR CURRENT_USER SERVER huggingface
    OPTIONS (ADD "secret.API_KEY" 's3cr3t-mapped-1', ADD "secret.db_password_2" 's3cr3t mapped "2" é');
-- create: mapped secrets merged with those given inline; on the wire, the
-- values; in the result, masks.
SELECT name, raw -> 'model' -> 'secrets' AS secrets, strpos(raw::text, 's3cr3t') > 0 AS secret_value_seen
FROM hfendpoints.create_endpoint('sec-mapped', repository => 'gpt2', framework => 'pytorch',
    accelerator => 'cpu', instance_size => 'x2', instance_type => 'intel-icl',
    region => 'us-east-1', vendor => 'aws', secrets => '{"INLINE": "s3cr3t-inline"}',
    secrets_from_mapping => ARRAY['API_KEY', 'db_password_2']);
\! test/fake/hfctl last-body --path /v2/endpoint/fake-user --method POST
-- update: the map sent is the mapped secrets (an empty array sends an
-- empty map, which clears them, as secrets => '{}' does)
SELECT raw -> 'model' -> 'secrets' AS secrets, strpos(raw::text, 's3cr3t') > 0 AS secret_value_seen
FROM hfendpoints.update_endpoint('sec-mapped', secrets_from_mapping => ARRAY['db_password_2']);
\! test/fake/hfctl last-body --path /v2/endpoint/fake-user/sec-mapped --method PUT
SELECT raw -> 'model' -> 'secrets' AS secrets
FROM hfendpoints.update_endpoint('sec-mapped', secrets_from_mapping => '{}');
\! test/fake/hfctl last-body --path /v2/endpoint/fake-user/sec-mapped --method PUT
-- Errors, before anything is sent: a name the mapping lacks (the hint
-- shows the command), a name given twice, an invalid name, a null.
\! test/fake/hfctl requests-clear
SELECT hfendpoints.update_endpoint('sec-mapped', secrets_from_mapping => ARRAY['API_KEY', 'NOPE']);
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.create_endpoint('sec-mapped-2', repository => 'gpt2', framework => 'pytorch',
    accelerator => 'cpu', instance_size => 'x2', instance_type => 'intel-icl',
    region => 'us-east-1', vendor => 'aws', secrets_from_mapping => ARRAY['Api_Key']);
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.update_endpoint('sec-mapped', secrets => '{"API_KEY": "s3cr3t-inline"}',
    secrets_from_mapping => ARRAY['API_KEY']);
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.update_endpoint('sec-mapped', secrets_from_mapping => ARRAY['API_KEY', 'API_KEY']);
SELECT hfendpoints.update_endpoint('sec-mapped', secrets_from_mapping => ARRAY['API-KEY']);
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.update_endpoint('sec-mapped', secrets_from_mapping => ARRAY[NULL]);
\! test/fake/hfctl requests | wc -l
SELECT hfendpoints.delete_endpoint('sec-mapped');
ALTER USER MAPPING FOR CURRENT_USER SERVER huggingface
    OPTIONS (DROP "secret.API_KEY", DROP "secret.db_password_2");

--
-- 8. Secrets stay secret in memory too: a backend holds the same small
-- number of copies of its token after 1 round of requests as after 100
-- (the ones SECURITY.md names), once DISCARD ALL has run; buffers that
-- held it are zeroed before they are freed.
--
\! test/token_copies.sh 1 100
-- The per-session caches are keyed by the user mapping's OID, not the
-- token, and forgotten when a mapping or server changes: a new token, or
-- a new hub_url, is used at once.
SELECT hfendpoints.whoami() ->> 'name' AS cached;
ALTER USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (SET token 'hf_other_token');
SELECT hfendpoints.whoami() ->> 'name' AS after_new_token;
ALTER USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (SET token 'hf_fake_token');
SELECT hfendpoints.whoami() ->> 'name' AS after_old_token;
ALTER SERVER huggingface OPTIONS (SET hub_url 'http://127.0.0.1:1');
SELECT state, message, token_seen FROM pg_temp.attempt($$SELECT hfendpoints.whoami()$$);
ALTER SERVER huggingface OPTIONS (SET hub_url :'fake_url');
SELECT hfendpoints.whoami() ->> 'name' AS after_server_change;
