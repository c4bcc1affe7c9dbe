-- How failures of the service become errors: every one has a SQLSTATE,
-- a message that says what failed, and the service's own text in the detail.
\i test/include/setup.psql
SET client_min_messages = warning;
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
RESET client_min_messages;
SET hfendpoints.retry_base_delay = '10ms';

-- 404: no such endpoint (42704).
SELECT hfendpoints.get_endpoint('no-such-endpoint');
\echo :LAST_ERROR_SQLSTATE

-- A namespace of dots would be a path segment ("/endpoint/../x"): refused
-- before any request (22023).
SELECT hfendpoints.get_endpoint('x', namespace => '..');
\echo :LAST_ERROR_SQLSTATE

-- A 500 with an HTML page, as a proxy sends: the title is the detail.
\! test/fake/hfctl fault '{"path":"/v2/endpoint/fake-user/x1","count":1,"status":500,"content_type":"text/html","body":"<html><head><title>500 Internal Server Error</title></head><body>oops</body></html>"}'
SELECT hfendpoints.get_endpoint('x1');
\echo :LAST_ERROR_SQLSTATE

-- A success whose body is not JSON is a protocol violation (08P01).
\! test/fake/hfctl fault '{"path":"/v2/endpoint/fake-user/x2","count":1,"action":"malformed_json"}'
SELECT hfendpoints.get_endpoint('x2');
\echo :LAST_ERROR_SQLSTATE

-- 429 is retried, honouring Retry-After; two 429s then success.
SELECT (hfendpoints.whoami()) IS NOT NULL AS warmed_whoami_cache;
\! test/fake/hfctl fault '{"path":"/v2/endpoint/fake-user","method":"GET","count":2,"status":429,"headers":{"Retry-After":"0"},"body":"{\"error\":\"Too many requests\"}"}'
SELECT count(*) FROM hfendpoints.list_endpoints();
-- ... and 503s likewise, with backoff.
\! test/fake/hfctl fault '{"path":"/v2/endpoint/fake-user","method":"GET","count":2,"status":503,"body":"{\"error\":\"busy\"}"}'
SELECT count(*) FROM hfendpoints.list_endpoints();
-- More 429s than hfendpoints.max_retries allows: 53400, the server's text in the detail.
SET hfendpoints.max_retries = 1;
\! test/fake/hfctl fault '{"path":"/v2/endpoint/fake-user","method":"GET","count":2,"status":429,"headers":{"Retry-After":"0"},"body":"{\"error\":\"Too many requests\"}"}'
SELECT count(*) FROM hfendpoints.list_endpoints();
\echo :LAST_ERROR_SQLSTATE
-- A Retry-After longer than hfendpoints.request_timeout is not waited for.
SET hfendpoints.max_retries = 5;
SET hfendpoints.request_timeout = '2s';
\! test/fake/hfctl fault '{"path":"/v2/endpoint/fake-user","method":"GET","count":1,"status":429,"headers":{"Retry-After":"3600"},"body":"{\"error\":\"Too many requests\"}"}'
SELECT count(*) FROM hfendpoints.list_endpoints();
\echo :LAST_ERROR_SQLSTATE
RESET hfendpoints.max_retries;

-- The connection dropped without a response: 08006.  (libcurl itself
-- retries once on a fresh connection when a kept-alive one dies, so the
-- fault drops two requests.)
SET hfendpoints.max_retries = 0;
\! test/fake/hfctl fault '{"path":"/v2/endpoint/fake-user/x3","count":2,"action":"drop"}'
SELECT hfendpoints.get_endpoint('x3');
\echo :LAST_ERROR_SQLSTATE
RESET hfendpoints.max_retries;

-- A server that never answers: hfendpoints.request_timeout ends the wait (08006).
SET hfendpoints.request_timeout = '300ms';
\! test/fake/hfctl fault '{"path":"/v2/endpoint/fake-user/x4","count":1,"action":"hang"}'
SELECT hfendpoints.get_endpoint('x4');
\echo :LAST_ERROR_SQLSTATE
RESET hfendpoints.request_timeout;

-- A body over hfendpoints.max_response_size (54000).
SET hfendpoints.max_response_size = '64kB';
\! test/fake/hfctl fault '{"path":"/v2/endpoint/fake-user/x5","count":1,"action":"oversized","size":1000000}'
SELECT hfendpoints.get_endpoint('x5');
\echo :LAST_ERROR_SQLSTATE
RESET hfendpoints.max_response_size;

-- Nothing listening at the API URL: 08001, and the hint says what to check.
ALTER SERVER huggingface OPTIONS (SET api_url 'http://127.0.0.1:1/v2');
SELECT hfendpoints.get_endpoint('x6');
\echo :LAST_ERROR_SQLSTATE
ALTER SERVER huggingface OPTIONS (SET api_url :'api_url');

-- After all that, the session still works.
SELECT hfendpoints.whoami() ->> 'name' AS name;
