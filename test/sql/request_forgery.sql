-- Server-side request forgery: an inference URL, whether given directly or
-- handed out by the control plane for an endpoint name, must pass the
-- server's rules (http or https only, plain http only with allow_http, no
-- user-info, no fragment, a host in allowed_hosts) before any connection
-- is made, and redirects are never followed.
--
-- inference_errors shows the message of each rule.  Here every refused URL
-- points at a live server -- the fake service itself, under a name or in a
-- form the rules refuse -- so that a request that slipped through would be
-- recorded: the fake's request log and connection count prove none did.
\i test/include/setup.psql
SET client_min_messages = warning;
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
RESET client_min_messages;
SET hfendpoints.max_retries = 0;
\! test/fake/hfctl seed fake-user/tgi
\! test/fake/hfctl seed fake-user/other
SELECT replace(:'fake_url', 'http://127.0.0.1:', '') AS port \gset
-- refused(url): the SQLSTATE, message and detail of text_generation(url), or 'sent'
CREATE FUNCTION pg_temp.refused(url text, OUT state text, OUT message text, OUT detail text)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hfendpoints.text_generation(url, 'echo:x');
    state := 'sent';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL;
END
$$;

--
-- 1. Direct URLs that reach the fake service if they are not refused.
--
\! test/fake/hfctl requests-clear
\! test/fake/hfctl stats-reset
SELECT n, r.state, r.message
FROM unnest(ARRAY[
    -- the same machine under a name that is not in allowed_hosts
    'http://localhost:PORT/endpoints/fake-user/tgi',
    'http://LOCALHOST:PORT/endpoints/fake-user/tgi',
    'http://[::ffff:127.0.0.1]:PORT/endpoints/fake-user/tgi',
    'http://127.0.0.1.:PORT/endpoints/fake-user/tgi',
    -- parser confusion: what a naive check takes for the host is not it
    'http://localhost:PORT?@127.0.0.1:PORT/endpoints/fake-user/tgi',
    'http://localhost:PORT#@127.0.0.1:PORT/endpoints/fake-user/tgi',
    'http://localhost:PORT\@127.0.0.1:PORT/endpoints/fake-user/tgi',
    'http://127.0.0.1:PORT@localhost:PORT/endpoints/fake-user/tgi',
    -- user-info, even empty, on an allowed host
    'http://user:secret@127.0.0.1:PORT/endpoints/fake-user/tgi',
    'http://:secret@127.0.0.1:PORT/endpoints/fake-user/tgi',
    'http://@127.0.0.1:PORT/endpoints/fake-user/tgi',
    -- fragments, even empty, on an allowed host
    'http://127.0.0.1:PORT/endpoints/fake-user/tgi#frag',
    'http://127.0.0.1:PORT/endpoints/fake-user/tgi#',
    -- schemes other than http and https, on an allowed host
    'gopher://127.0.0.1:PORT/_POST%20/endpoints/fake-user/tgi',
    'dict://127.0.0.1:PORT/x',
    'ftp://127.0.0.1:PORT/x',
    'ws://127.0.0.1:PORT/endpoints/fake-user/tgi',
    'ldap://127.0.0.1:PORT/x',
    'telnet://127.0.0.1:PORT',
    'file://127.0.0.1/etc/passwd',
    'https+http://127.0.0.1:PORT/x',
    -- URLs that do not parse: control characters, spaces
    E'http://127.0.0.1:PORT/endpoints/fake-user/tgi\r\nX-Injected: 1',
    'http://127.0.0.1:PORT/endpoints/fake-user/tgi x',
    ' http://127.0.0.1:PORT/endpoints/fake-user/tgi'
]) WITH ORDINALITY AS t(u, n),
LATERAL pg_temp.refused(replace(u, 'PORT', :'port')) AS r
ORDER BY n;
-- Nothing reached the fake service: no request, not even a connection.
\! test/fake/hfctl stats
\! test/fake/hfctl requests

-- What is checked is the host libcurl connects to: spellings of 127.0.0.1
-- that libcurl normalizes pass the check and reach 127.0.0.1 itself, and
-- nothing else.
SELECT n, r.state
FROM unnest(ARRAY[
    'HTTP://127.0.0.1:PORT/endpoints/fake-user/tgi',
    'http://2130706433:PORT/endpoints/fake-user/tgi',
    'http://0x7f.1:PORT/endpoints/fake-user/tgi',
    'http://%31%32%37.0.0.1:PORT/endpoints/fake-user/tgi'
]) WITH ORDINALITY AS t(u, n),
LATERAL pg_temp.refused(replace(u, 'PORT', :'port')) AS r
ORDER BY n;
\! test/fake/hfctl requests --headers none

-- Plain http is refused unless the server allows it, before any
-- connection.
ALTER SERVER huggingface OPTIONS (SET allow_http 'false');
\! test/fake/hfctl stats-reset
SELECT * FROM pg_temp.refused(:'fake_url' || '/endpoints/fake-user/tgi');
SELECT * FROM pg_temp.refused('HTTP://127.0.0.1:' || :'port' || '/endpoints/fake-user/tgi');
\! test/fake/hfctl stats
ALTER SERVER huggingface OPTIONS (SET allow_http 'true');

-- infer()'s route is a path under the endpoint URL: it cannot change the
-- host, and the whole URL is checked again.
\! test/fake/hfctl requests-clear
SELECT hfendpoints.infer(:'fake_url', '{"inputs": "x"}', route => '@localhost/x');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.infer(:'fake_url', '{"inputs": "x"}', route => '//localhost/x');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.infer(:'fake_url', '{"inputs": "x"}', route => '/x#@localhost');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl requests --headers none

--
-- 2. Redirects are never followed, on the data plane or the control plane:
-- a 3xx is an error (38000), and its Location is not visited.
--
\set target_url :fake_url/endpoints/fake-user/other
\! test/fake/hfctl requests-clear
SELECT format('[%s]', string_agg(jsonb_build_object(
           'path', '/endpoints/fake-user/tgi', 'count', 1, 'status', s, 'body', '',
           'headers', jsonb_build_object('Location', :'target_url'))::text, ',' ORDER BY s))
FROM unnest(ARRAY[301, 302, 303, 307, 308]) AS s
\g (format=unaligned tuples_only=on) |xargs -0 test/fake/hfctl fault
SELECT s AS status, r.state, r.message, r.detail
FROM unnest(ARRAY[301, 302, 303, 307, 308]) AS s,
LATERAL pg_temp.refused(CASE WHEN s > 0 THEN 'tgi' END) AS r
ORDER BY s;
SELECT jsonb_build_object('path', '/v2/endpoint/fake-user/tgi', 'count', 1, 'status', 302, 'body', '',
           'headers', jsonb_build_object('Location', :'api_url' || '/endpoint/fake-user/other'))
\g (format=unaligned tuples_only=on) |xargs -0 test/fake/hfctl fault
SELECT name FROM hfendpoints.get_endpoint('tgi');
\echo :LAST_ERROR_SQLSTATE
-- the name's lookup, five data-plane requests answered with a redirect, one
-- control-plane request answered with a redirect: "other" was never asked
\! test/fake/hfctl requests --status --headers none

--
-- 3. A name whose URL, as the control plane hands it out, breaks the rules is
-- refused before any request to that URL: a control plane that sends a
-- client elsewhere (compromised, or a man in the middle on plain http)
-- gets no request and no token through hfendpoints.
--
-- elsewhere(name, url): the next lookups of "name" answer with tgi's
-- endpoint object, renamed, with status.url = url.
CREATE FUNCTION pg_temp.elsewhere(ep_name text, ep_url text) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT jsonb_build_object('path', '/v2/endpoint/fake-user/' || ep_name, 'method', 'GET',
        'count', -1, 'status', 200,
        'body', jsonb_set(jsonb_set(e.raw, '{name}', to_jsonb(ep_name)), '{status,url}', to_jsonb(ep_url)))
    FROM hfendpoints.get_endpoint('tgi') AS e
$$;
SELECT jsonb_build_array(
    pg_temp.elsewhere('via-localhost', replace(:'fake_url', '127.0.0.1', 'localhost') || '/endpoints/fake-user/tgi'),
    pg_temp.elsewhere('via-userinfo', replace(:'fake_url', '127.0.0.1', 'u:p@127.0.0.1') || '/endpoints/fake-user/tgi'),
    pg_temp.elsewhere('via-fragment', :'fake_url' || '/endpoints/fake-user/tgi#x'),
    pg_temp.elsewhere('via-gopher', replace(:'fake_url', 'http:', 'gopher:') || '/_x'),
    pg_temp.elsewhere('via-metadata', 'http://169.254.169.254/latest/meta-data'))
\g (format=unaligned tuples_only=on) |xargs -0 test/fake/hfctl fault
\! test/fake/hfctl requests-clear
SELECT n AS name, r.state, r.message
FROM unnest(ARRAY['via-localhost', 'via-userinfo', 'via-fragment', 'via-gopher', 'via-metadata']) AS n,
LATERAL pg_temp.refused(n) AS r
ORDER BY n;
-- every other path to the data plane applies the same rules: batches ...
SELECT * FROM hfendpoints.text_generation_batch('via-localhost', ARRAY['a', 'b']);
\echo :LAST_ERROR_SQLSTATE
SELECT ord, output, error FROM hfendpoints.infer_batch('via-localhost', ARRAY['{}'::jsonb], on_error => 'null');
\echo :LAST_ERROR_SQLSTATE
-- ... other tasks ...
SELECT hfendpoints.chat('via-localhost', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.feature_extraction('via-localhost', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.infer('via-localhost', '{}', route => '/generate');
\echo :LAST_ERROR_SQLSTATE
-- ... and wait_endpoint(), whose health check would carry the token.
SELECT name, status FROM hfendpoints.wait_endpoint('via-localhost', timeout => '5 s', refresh_every => '20 ms');
\echo :LAST_ERROR_SQLSTATE
-- Plain http from the control plane is refused too when the server does
-- not allow it (a name resolved before is checked again).
ALTER SERVER huggingface OPTIONS (SET allow_http 'false');
SELECT * FROM pg_temp.refused('tgi');
SELECT name, status FROM hfendpoints.wait_endpoint('tgi', timeout => '5 s');
\echo :LAST_ERROR_SQLSTATE
ALTER SERVER huggingface OPTIONS (SET allow_http 'true');
-- Only control-plane lookups were made; no data-plane request at all.
\! test/fake/hfctl requests --path /endpoints/
\! test/fake/hfctl faults-clear
-- The endpoint the rules allow still works, health check included.
SELECT name, status FROM hfendpoints.wait_endpoint('tgi', timeout => '5 s');
SELECT hfendpoints.text_generation('tgi', 'echo:allowed', return_full_text => false) AS allowed;
