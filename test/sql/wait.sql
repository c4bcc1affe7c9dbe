-- wait_endpoint(): wait until an endpoint runs and its health route answers,
-- as huggingface_hub's InferenceEndpoint.wait(); fail on failed or
-- updateFailed; time out; and stop at once on a cancel.
\i test/include/setup.psql
SET client_min_messages = warning;
DROP USER MAPPING IF EXISTS FOR CURRENT_USER SERVER huggingface;
RESET client_min_messages;
CREATE USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
-- Quick transitions: pending -> initializing -> running in 0.2 s.
\! test/fake/hfctl config '{"pending_ms": 100, "initializing_ms": 100, "updating_ms": 100}'

--
-- Success: a new endpoint is pending, then initializing, then running.
--
SELECT name, status FROM hfendpoints.create_endpoint('wait-demo',
    repository => 'openai-community/gpt2', framework => 'pytorch',
    accelerator => 'cpu', instance_size => 'x2', instance_type => 'intel-icl',
    region => 'us-east-1', vendor => 'aws', task => 'text-generation');
SELECT name, status, url IS NOT NULL AS has_url
FROM hfendpoints.wait_endpoint('wait-demo', timeout => '30 s', refresh_every => '20 ms');
-- Once running, the health route was asked exactly once, with the token.
\! test/fake/hfctl requests --path /endpoints/fake-user/wait-demo --headers authorization
-- A running endpoint is ready at once (the namespace may be given).
SELECT name, status FROM hfendpoints.wait_endpoint('wait-demo', 'fake-user', timeout => '0');

-- The health route named by the image is the one asked.
SELECT name, health_route FROM hfendpoints.create_endpoint('wait-custom',
    repository => 'openai-community/gpt2', framework => 'custom',
    accelerator => 'cpu', instance_size => 'x2', instance_type => 'intel-icl',
    region => 'us-east-1', vendor => 'aws',
    custom_image => '{"url": "ghcr.io/acme/server:1.0", "healthRoute": "/ready"}');
SELECT name, status FROM hfendpoints.wait_endpoint('wait-custom', refresh_every => '20 ms');
\! test/fake/hfctl requests --path /endpoints/fake-user/wait-custom --headers authorization

-- Running is not enough: the health route must answer 200.
\! test/fake/hfctl endpoint fake-user/wait-demo '{"health_status": 503}'
SELECT name, status FROM hfendpoints.wait_endpoint('wait-demo', timeout => '100 ms', refresh_every => '20 ms');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl endpoint fake-user/wait-demo '{"health_status": 200}'
SELECT name, status FROM hfendpoints.wait_endpoint('wait-demo', timeout => '5 s', refresh_every => '20 ms');

-- After an update, the endpoint is updating, then running again.
SELECT name, status FROM hfendpoints.update_endpoint('wait-demo', max_replica => 2);
SELECT name, status, max_replica
FROM hfendpoints.wait_endpoint('wait-demo', timeout => '30 s', refresh_every => '20 ms');

--
-- Failure: failed to deploy, failed to update (SQLSTATE 55000)
--
\! test/fake/hfctl endpoint fake-user/wait-broken '{"fail_deploy": true}'
SELECT name, status FROM hfendpoints.create_endpoint('wait-broken',
    repository => 'openai-community/gpt2', framework => 'pytorch',
    accelerator => 'cpu', instance_size => 'x2', instance_type => 'intel-icl',
    region => 'us-east-1', vendor => 'aws');
SELECT name, status FROM hfendpoints.wait_endpoint('wait-broken', timeout => '30 s', refresh_every => '20 ms');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl endpoint fake-user/wait-demo '{"fail_update": true}'
SELECT name, status FROM hfendpoints.update_endpoint('wait-demo', min_replica => 0);
SELECT name, status FROM hfendpoints.wait_endpoint('wait-demo', timeout => '30 s', refresh_every => '20 ms');
\echo :LAST_ERROR_SQLSTATE
-- A failure is reported even with no time left to wait.
SELECT name, status FROM hfendpoints.wait_endpoint('wait-demo', timeout => '0');
\echo :LAST_ERROR_SQLSTATE

--
-- Timeout (SQLSTATE 55000): a paused endpoint never starts on its own, nor
-- does one scaled to zero; the hint says what to do.
--
\! test/fake/hfctl endpoint fake-user/wait-custom '{"state": "paused"}'
SELECT name, status FROM hfendpoints.wait_endpoint('wait-custom', timeout => '100 ms', refresh_every => '20 ms');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl endpoint fake-user/wait-custom '{"state": "scaledToZero"}'
SELECT name, status FROM hfendpoints.wait_endpoint('wait-custom', timeout => '100 ms', refresh_every => '20 ms');
\echo :LAST_ERROR_SQLSTATE
-- A pending endpoint that is not ready in time.
\! test/fake/hfctl endpoint fake-user/wait-custom '{"state": "pending"}'
SELECT name, status FROM hfendpoints.wait_endpoint('wait-custom', timeout => '50 ms', refresh_every => '1 h');
\echo :LAST_ERROR_SQLSTATE

--
-- Cancel: the sleeps between looks are interruptible.  statement_timeout
-- stops a wait with no timeout of its own (the real 57014), and the
-- session goes on working.
--
\! test/fake/hfctl endpoint fake-user/wait-custom '{"state": "paused"}'
SET statement_timeout = '300 ms';
SELECT name, status FROM hfendpoints.wait_endpoint('wait-custom', refresh_every => '1 h');
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;
SELECT name, status FROM hfendpoints.resume_endpoint('wait-custom');
SELECT name, status FROM hfendpoints.wait_endpoint('wait-custom', timeout => '30 s', refresh_every => '20 ms');

--
-- Arguments
--
SELECT hfendpoints.wait_endpoint('wait-custom', timeout => '-1 s');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.wait_endpoint('wait-custom', refresh_every => '0');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.wait_endpoint('wait-custom', refresh_every => NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.wait_endpoint('no-such-endpoint', timeout => '1 s');
\echo :LAST_ERROR_SQLSTATE

DROP USER MAPPING FOR CURRENT_USER SERVER huggingface;
