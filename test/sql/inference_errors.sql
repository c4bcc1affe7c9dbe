-- How inference fails: arguments refused before any request, endpoint URLs
-- outside the server's rules, each class of server error (TGI error_type,
-- axum plain-text rejections, proxy HTML pages, 413), responses that cannot
-- be returned (bad JSON, invalid UTF-8, NUL characters), each with its
-- SQLSTATE and the server's text in the detail.
\i test/include/setup.psql
SET client_min_messages = warning;
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
RESET client_min_messages;
SET hfendpoints.retry_base_delay = '10ms';
\! test/fake/hfctl seed fake-user/tgi
\! test/fake/hfctl seed fake-user/emb '{"task":"feature-extraction"}'
\! test/fake/hfctl seed fake-user/prot '{"type":"protected"}'
\set tgi_url :fake_url/endpoints/fake-user/tgi
\set prot_url :fake_url/endpoints/fake-user/prot

-- Arguments checked before any request (22023, 22004, 2202E).
\! test/fake/hfctl requests-clear
SELECT hfendpoints.text_generation('tgi', 'x', seed => -1);
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.text_generation('tgi', 'x', temperature => 'NaN');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.text_generation('tgi', 'x', top_p => 'Infinity');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.text_generation('tgi', 'x', stop => ARRAY['a', NULL]);
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.text_generation('tgi', 'x', stop => ARRAY[['a'], ['b']]);
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.text_generation('tgi', 'x', extra_parameters => '[1, 2]');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.chat_completion('tgi', '{"role": "user"}');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.chat('tgi', 'x', extra => '"text"');
\echo :LAST_ERROR_SQLSTATE
-- an option never replaces a key the function sets itself: the input,
-- TGI's "parameters", the chat's "messages" and "stream"
SELECT hfendpoints.text_generation('tgi', 'x', extra_parameters => '{"inputs": "INJECTED"}');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.text_generation('tgi', 'x', max_new_tokens => 5,
                                   extra_parameters => '{"parameters": {"max_new_tokens": 1}}');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.chat('tgi', 'x', extra => '{"messages": [{"role": "user", "content": "INJECTED"}]}');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.chat_completion('tgi', '[{"role": "user", "content": "x"}]', extra => '{"stream": true}');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.feature_extraction('emb', 'x', truncation_direction => 'up');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.feature_extraction('emb', 'x', dimensions => 0);
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.infer('tgi', '{}', route => '/generate now');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.infer('tgi', '{}', route => 'http://example.com/x');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.text_generation(NULL, 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.text_generation('', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.text_generation('fake-user/', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.text_generation('a/b/c', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.text_generation('Not_A_Name', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.text_generation('bad ns/tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl requests --path /endpoints/

-- Direct URLs must pass the server's rules, before any connection: host in
-- allowed_hosts (42501), http or https only, no user-info, no fragment.
SELECT hfendpoints.text_generation('http://localhost:1/generate', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.text_generation('http://169.254.169.254/latest/meta-data', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.text_generation('ftp://127.0.0.1/x', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.text_generation('file:///etc/passwd', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.text_generation('http://user:secret@127.0.0.1/x', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.text_generation('http://127.0.0.1/x#frag', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.text_generation('http://', 'x');
\echo :LAST_ERROR_SQLSTATE
-- An allowed host that does not answer: 08001, and no URL in the message.
SET hfendpoints.max_retries = 0;
SELECT hfendpoints.text_generation('http://127.0.0.1:1/x', 'x');
\echo :LAST_ERROR_SQLSTATE
RESET hfendpoints.max_retries;
-- With allow_http false, only https is accepted (the https URL passes the
-- rules and fails to connect).
ALTER SERVER huggingface OPTIONS (SET allow_http 'false');
SELECT hfendpoints.text_generation(:'tgi_url', 'x');
\echo :LAST_ERROR_SQLSTATE
SET hfendpoints.max_retries = 0;
SELECT hfendpoints.text_generation('https://127.0.0.1:1/x', 'x');
\echo :LAST_ERROR_SQLSTATE
RESET hfendpoints.max_retries;
ALTER SERVER huggingface OPTIONS (SET allow_http 'true');
-- A name whose URL (from the control plane) is outside allowed_hosts is
-- refused too, whether freshly resolved or cached.
SELECT hfendpoints.text_generation('tgi', 'echo:cached', return_full_text => false) AS cached;
ALTER SERVER huggingface OPTIONS (SET allowed_hosts '*.endpoints.huggingface.cloud');
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl seed fake-user/fresh
SELECT hfendpoints.text_generation('fresh', 'x');
\echo :LAST_ERROR_SQLSTATE
ALTER SERVER huggingface OPTIONS (SET allowed_hosts '127.0.0.1');
-- Redirects are not followed: a 3xx is an error.
\! test/fake/hfctl fault '{"path":"/endpoints/fake-user/tgi","count":1,"status":307,"headers":{"Location":"http://169.254.169.254/"},"body":""}'
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE

-- Tokens: a URL is called without a token when the role has none (401,
-- with a hint to store one); a name needs one to be resolved at all.
CREATE ROLE regress_infer_notoken IN ROLE hfendpoints_user;
CREATE ROLE regress_infer_other IN ROLE hfendpoints_user;
CREATE USER MAPPING FOR regress_infer_other SERVER huggingface OPTIONS (token 'hf_other_token');
SET regress.tgi_url = :'tgi_url';
SET regress.prot_url = :'prot_url';
SET ROLE regress_infer_notoken;
SELECT hfendpoints.text_generation(current_setting('regress.tgi_url'), 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- Another user's token on a protected endpoint: 403 (42501).
SET ROLE regress_infer_other;
SELECT hfendpoints.text_generation(current_setting('regress.prot_url'), 'x');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP USER MAPPING FOR regress_infer_other SERVER huggingface;
DROP ROLE regress_infer_other;
DROP ROLE regress_infer_notoken;

-- TGI validation errors (422 "validation"): 22023, the server's text in the detail.
SELECT hfendpoints.text_generation('tgi', '');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.text_generation('tgi', 'x', temperature => 0);
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.text_generation('tgi', 'x', stop => ARRAY['a', 'b', 'c', 'd', 'e']);
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.chat('tgi', 'x', top_p => 1.5);
\echo :LAST_ERROR_SQLSTATE
-- axum's plain-text 422 for a body of the wrong shape (22023).
SELECT hfendpoints.text_generation('tgi', 'x', grammar => '{"type": "yaml", "value": 1}');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.chat_completion('tgi', '[{"content": "no role"}]');
\echo :LAST_ERROR_SQLSTATE
-- TEI: an empty input is a tokenizer error (22023).
SELECT hfendpoints.feature_extraction('emb', '');
\echo :LAST_ERROR_SQLSTATE
-- Generation failed (424 "generation"): 38000.
SELECT hfendpoints.text_generation('tgi', 'fail:boom');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.chat('tgi', 'fail:boom');
\echo :LAST_ERROR_SQLSTATE
-- An incomplete generation (500 "incomplete_generation"): 58000, not retried.
\! test/fake/hfctl fault '{"path":"/endpoints/fake-user/tgi","count":1,"status":500,"body":{"error":"Incomplete generation","error_type":"incomplete_generation"}}'
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
-- Overloaded (429 "overloaded") is retried ...
\! test/fake/hfctl fault '{"path":"/endpoints/fake-user/tgi","count":2,"status":429,"body":{"error":"Model is overloaded","error_type":"overloaded"}}'
SELECT hfendpoints.text_generation('tgi', 'echo:after two 429s', return_full_text => false) AS retried;
-- ... and an error (53000) once hfendpoints.max_retries is spent.
SET hfendpoints.max_retries = 1;
\! test/fake/hfctl fault '{"path":"/endpoints/fake-user/tgi","count":2,"status":429,"body":{"error":"Model is overloaded","error_type":"overloaded"}}'
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
-- HTML pages from a proxy: 502 and 503 are retried, then an error (08006)
-- whose detail is the page's title.
\! test/fake/hfctl fault '{"path":"/endpoints/fake-user/tgi","count":1,"status":503,"content_type":"text/html","body":"<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503</h1></center><hr><center>nginx</center></body></html>"}'
SELECT hfendpoints.text_generation('tgi', 'echo:after a 503', return_full_text => false) AS retried;
\! test/fake/hfctl fault '{"path":"/endpoints/fake-user/tgi","count":2,"status":502,"content_type":"text/html","body":"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"}'
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
RESET hfendpoints.max_retries;
-- Input over the server's payload limit: 413, 54000.
\! test/fake/hfctl endpoint fake-user/tgi '{"payload_limit": 1000}'
SELECT hfendpoints.text_generation('tgi', repeat('long input ', 200));
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl endpoint fake-user/tgi '{"payload_limit": null}'
-- A slow server: hfendpoints.request_timeout (08006).
\! test/fake/hfctl endpoint fake-user/tgi '{"latency_ms": 2000}'
SET hfendpoints.request_timeout = '200ms';
SET hfendpoints.max_retries = 0;
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
RESET hfendpoints.request_timeout;
RESET hfendpoints.max_retries;
\! test/fake/hfctl endpoint fake-user/tgi '{"latency_ms": null}'

-- Responses that cannot be returned.
-- not JSON: 08P01
\! test/fake/hfctl fault '{"path":"/endpoints/fake-user/tgi","count":1,"action":"malformed_json","body":"[{\"generated_text\": \"unterminated"}'
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
-- JSON of the wrong shape: 08P01
\! test/fake/hfctl fault '{"path":"/endpoints/fake-user/tgi","count":1,"action":"wrong_types"}'
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl fault '{"path":"/endpoints/fake-user/tgi","count":1,"status":200,"body":[]}'
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl fault '{"path":"/endpoints/fake-user/tgi","count":1,"status":200,"body":{"error":"CUDA out of memory","error_type":"generation"}}'
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl fault '{"path":"/endpoints/fake-user/tgi","count":1,"status":200,"body":{"choices":[]}}'
SELECT hfendpoints.chat('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl fault '{"path":"/endpoints/fake-user/emb","count":1,"status":200,"body":[[[0.1, 0.2], [0.3, 0.4]]]}'
SELECT hfendpoints.feature_extraction('emb', 'x');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl fault '{"path":"/endpoints/fake-user/emb","count":1,"status":200,"body":[[0.1, "x"]]}'
SELECT hfendpoints.feature_extraction('emb', 'x');
\echo :LAST_ERROR_SQLSTATE
-- ... a bare [...] row is accepted too
\! test/fake/hfctl fault '{"path":"/endpoints/fake-user/emb","count":1,"status":200,"body":[0.5, -0.25]}'
SELECT hfendpoints.feature_extraction('emb', 'x') AS bare_row;
-- a value beyond real's range is an error (08P01), not Infinity, with the
-- server's text in the detail; one too small for real becomes 0
\! test/fake/hfctl fault '{"path":"/endpoints/fake-user/emb","count":1,"status":200,"body":"[[0.5, -1e39]]"}'
SELECT hfendpoints.feature_extraction('emb', 'x');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl fault '{"path":"/endpoints/fake-user/emb","count":1,"status":200,"body":"[ 1e999999 ]"}'
SELECT hfendpoints.feature_extraction('emb', 'x');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl fault '{"path":"/endpoints/fake-user/emb","count":1,"status":200,"body":"[[3.4e38, -1e-50, 1E-3]]"}'
SELECT hfendpoints.feature_extraction('emb', 'x') AS in_range;
-- NaN and Infinity are not JSON
\! test/fake/hfctl fault '{"path":"/endpoints/fake-user/emb","count":1,"status":200,"body":"[[0.5, NaN]]"}'
SELECT hfendpoints.feature_extraction('emb', 'x');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl fault '{"path":"/endpoints/fake-user/emb","count":1,"status":200,"body":"[[-Infinity]]"}'
SELECT hfendpoints.feature_extraction('emb', 'x');
\echo :LAST_ERROR_SQLSTATE
-- invalid UTF-8: 22021
\! test/fake/hfctl fault '{"path":"/endpoints/fake-user/tgi","count":1,"action":"invalid_utf8"}'
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
-- larger than hfendpoints.max_response_size: 54000
SET hfendpoints.max_response_size = '64kB';
\! test/fake/hfctl fault '{"path":"/endpoints/fake-user/tgi","count":1,"action":"oversized","size":1000000}'
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
RESET hfendpoints.max_response_size;
-- A NUL character in generated text: text and jsonb cannot hold it (22P05).
SELECT hfendpoints.text_generation('tgi', 'nul:x');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.chat('tgi', 'nul:x');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.chat_completion('tgi', '[{"role": "user", "content": "nul:x"}]');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.infer('tgi', '{"inputs": "nul:x"}');
\echo :LAST_ERROR_SQLSTATE
-- ... while an escaped backslash followed by "u0000" is ordinary text.
SELECT hfendpoints.text_generation('tgi', 'echo:\u0000', return_full_text => false) AS not_nul;
-- The session is still healthy after all of this.
SELECT hfendpoints.text_generation('tgi', 'echo:still fine', return_full_text => false) AS ok;
