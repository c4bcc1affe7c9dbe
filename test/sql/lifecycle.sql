-- Lifecycle: create, read, list, pause, resume, update, scale to zero and
-- delete Inference Endpoints; what each call sends over the wire; and the
-- errors a caller can get, with their SQLSTATEs.
\i test/include/setup.psql
SET timezone = 'UTC';
SET datestyle = 'ISO';
SET client_min_messages = warning;
DROP USER MAPPING IF EXISTS FOR CURRENT_USER SERVER huggingface;
RESET client_min_messages;
-- Endpoints stay in the state they are put in: no transition happens on
-- its own during this test (hfctl endpoint ... '{"state": ...}' forces one).
\! test/fake/hfctl config '{"pending_ms": 3600000, "updating_ms": 3600000}'

--
-- Credentials
--
-- Without a user mapping nothing is sent, and the hint shows the fix.
SELECT hfendpoints.get_endpoint('gpt2-demo');
\echo :LAST_ERROR_SQLSTATE
CREATE USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');

-- whoami: the token's user and its organizations.
SELECT w ->> 'type' AS type, w ->> 'name' AS name,
       jsonb_path_query_array(w, '$.orgs[*].name') AS orgs
FROM hfendpoints.whoami() AS w;

--
-- Hardware: the combinations create_endpoint() accepts.
--
SELECT * FROM hfendpoints.list_hardware() WHERE region = 'us-east-1';

--
-- Create
--
-- The namespace defaults to the whoami user.  The endpoint comes back
-- pending, without a URL yet.
SELECT name, namespace, repository, revision, task, framework, status,
       url IS NULL AS no_url, type, accelerator, vendor, region,
       instance_type, instance_size, min_replica, max_replica,
       scale_to_zero_timeout, health_route, message,
       pg_typeof(created_at) AS created_at_type
FROM hfendpoints.create_endpoint('gpt2-demo',
    repository => 'openai-community/gpt2', framework => 'pytorch',
    accelerator => 'cpu', instance_size => 'x2', instance_type => 'intel-icl',
    region => 'us-east-1', vendor => 'aws') \gx
-- On the wire, exactly huggingface_hub's body: accountId, revision and
-- scaleToZeroTimeout null, no task, the default image, type authenticated.
\! test/fake/hfctl last-body --path /v2/endpoint/fake-user --method POST

-- A task is sent when given; type, revision and account_id too.
SELECT name, task, type, revision
FROM hfendpoints.create_endpoint('gpt2-task',
    repository => 'openai-community/gpt2', framework => 'pytorch',
    accelerator => 'cpu', instance_size => 'x1', instance_type => 'intel-spr',
    region => 'eu-west-1', vendor => 'aws', task => 'text-generation',
    type => 'protected', revision => 'main', account_id => 'acct-1');
\! test/fake/hfctl last-body --path /v2/endpoint/fake-user --method POST

-- A flat custom image (it has a "url") is wrapped as {"custom": ...}.
SELECT name, raw -> 'model' -> 'image' AS image
FROM hfendpoints.create_endpoint('custom-flat',
    repository => 'openai-community/gpt2', framework => 'custom',
    accelerator => 'cpu', instance_size => 'x2', instance_type => 'intel-icl',
    region => 'us-east-1', vendor => 'aws',
    custom_image => '{"url": "ghcr.io/acme/server:1.0", "healthRoute": "/ready", "port": 8080}');
\! test/fake/hfctl last-body --path /v2/endpoint/fake-user --method POST

-- An image keyed by variant goes as it is.
SELECT name, health_route
FROM hfendpoints.create_endpoint('custom-tgi',
    repository => 'openai-community/gpt2', framework => 'pytorch',
    accelerator => 'gpu', instance_size => 'x1', instance_type => 'nvidia-l4',
    region => 'us-east-1', vendor => 'aws',
    custom_image => '{"tgi": {"url": "ghcr.io/huggingface/text-generation-inference:3.1.1", "healthRoute": "/health"}}');
\! test/fake/hfctl last-body --path /v2/endpoint/fake-user --method POST

-- Scaling: replicas and scale-to-zero timeout are integers on the wire; a
-- scaling metric becomes "measure" with its threshold (or null).
SELECT name, min_replica, max_replica, scale_to_zero_timeout,
       raw -> 'compute' -> 'scaling' -> 'measure' AS measure
FROM hfendpoints.create_endpoint('scaling-demo',
    repository => 'openai-community/gpt2', framework => 'pytorch',
    accelerator => 'cpu', instance_size => 'x4', instance_type => 'intel-spr',
    region => 'us-east-1', vendor => 'aws', min_replica => 0, max_replica => 3,
    scale_to_zero_timeout => 15, scaling_metric => 'pendingRequests',
    scaling_threshold => 1.5);
\! test/fake/hfctl last-body --path /v2/endpoint/fake-user --method POST
SELECT name, raw -> 'compute' -> 'scaling' -> 'measure' AS measure
FROM hfendpoints.create_endpoint('metric-only',
    repository => 'openai-community/gpt2', framework => 'pytorch',
    accelerator => 'cpu', instance_size => 'x1', instance_type => 'intel-spr',
    region => 'us-east-1', vendor => 'aws', scaling_metric => 'hardwareUsage');
\! test/fake/hfctl last-body --path /v2/endpoint/fake-user --method POST

-- Container command and arguments are sent when given, even empty; env
-- and secrets only when not empty; route, cache and tags when given.
-- Secret values never come back: raw shows them redacted.
SELECT name, raw -> 'model' -> 'env' AS env, raw -> 'model' -> 'secrets' AS secrets,
       raw -> 'route' AS route, raw -> 'tags' AS tags
FROM hfendpoints.create_endpoint('container-demo',
    repository => 'openai-community/gpt2', framework => 'custom',
    accelerator => 'cpu', instance_size => 'x2', instance_type => 'intel-spr',
    region => 'us-east-1', vendor => 'aws',
    container_command => ARRAY['python', '-m', 'server'], container_args => '{}',
    env => '{"MODE": "fast"}', secrets => '{"API_KEY": "s3cr3t"}',
    path => '/v1', cache_http_responses => false, tags => ARRAY['dev', 'demo']);
\! test/fake/hfctl last-body --path /v2/endpoint/fake-user --method POST
SELECT name
FROM hfendpoints.create_endpoint('empty-maps',
    repository => 'openai-community/gpt2', framework => 'pytorch',
    accelerator => 'cpu', instance_size => 'x1', instance_type => 'intel-icl',
    region => 'us-east-1', vendor => 'aws', env => '{}', secrets => '{}',
    domain => 'api.example.com');
\! test/fake/hfctl last-body --path /v2/endpoint/fake-user --method POST

--
-- Get and list
--
SELECT name, namespace, repository, status, accelerator, instance_type
FROM hfendpoints.get_endpoint('gpt2-demo');
SELECT name, status FROM hfendpoints.get_endpoint('gpt2-task', namespace => 'fake-user');
SELECT name, namespace, status FROM hfendpoints.list_endpoints();
-- '*' lists your own namespace, then each of your organizations.
\! test/fake/hfctl seed fake-org/org-model '{"state": "running"}'
SELECT namespace, name, status FROM hfendpoints.list_endpoints('*');
SELECT namespace, name, status FROM hfendpoints.list_endpoints(namespace => 'fake-org');
-- An organization that refuses the listing (no billing, no access) is
-- skipped by '*', as huggingface_hub does; asked for by name, it is an error.
\! test/fake/hfctl fault '{"method": "GET", "path": "/v2/endpoint/fake-org", "status": 401, "body": {"error": "Billing required"}}'
SELECT namespace, count(*) FROM hfendpoints.list_endpoints('*') GROUP BY 1 ORDER BY 1;
\! test/fake/hfctl fault '{"method": "GET", "path": "/v2/endpoint/fake-org", "status": 401, "body": {"error": "Billing required"}}'
SELECT count(*) FROM hfendpoints.list_endpoints('fake-org');
\echo :LAST_ERROR_SQLSTATE

-- Timestamps go through timestamptz input, whatever the number of
-- fractional digits (9 here, as the real service sends them, then none).
-- Secret values and registry passwords never reach raw, even when the
-- service sends them.
\! test/fake/hfctl fault '{"method": "GET", "path": "/v2/endpoint/fake-user/mock-running", "status": 200, "body": {"name": "mock-running", "type": "protected", "accountId": null, "provider": {"vendor": "aws", "region": "us-east-1"}, "healthRoute": "/health", "compute": {"accelerator": "cpu", "instanceType": "intel-icl", "instanceSize": "x2", "scaling": {"minReplica": 0, "maxReplica": 1}}, "model": {"repository": "gpt2", "revision": "11c5a3d5811f50298f278a704980280950aedb10", "task": "text-generation", "framework": "pytorch", "image": {"custom": {"url": "ghcr.io/acme/private:1", "credentials": {"username": "bot", "password": "hunter2"}}}, "secrets": {"token": "my-token"}}, "status": {"createdAt": "2023-10-26T12:41:53.263078506Z", "createdBy": {"id": "6273f303f6d63a28483fde12", "name": "Wauplin"}, "updatedAt": "2023-10-26T12:42:02Z", "updatedBy": {"id": "6273f303f6d63a28483fde12", "name": "Wauplin"}, "private": null, "state": "running", "message": "Endpoint is ready", "url": "https://vksrvs8pc1xnifhq.us-east-1.aws.endpoints.huggingface.cloud", "readyReplica": 1, "targetReplica": 1}}}'
SELECT name, status, url, scale_to_zero_timeout, created_at, updated_at,
       raw -> 'model' -> 'secrets' AS secrets, raw -> 'model' -> 'image' AS image
FROM hfendpoints.get_endpoint('mock-running') \gx

--
-- Pause, resume, scale to zero
--
\! test/fake/hfctl endpoint fake-user/gpt2-demo '{"state": "running"}'
SELECT name, status, url IS NOT NULL AS has_url FROM hfendpoints.get_endpoint('gpt2-demo');
SELECT name, status, url IS NOT NULL AS has_url FROM hfendpoints.pause_endpoint('gpt2-demo');
\! test/fake/hfctl requests --path /v2/endpoint/fake-user/gpt2-demo/pause --headers authorization,content-length,content-type
SELECT name, status FROM hfendpoints.resume_endpoint('gpt2-demo');
\! test/fake/hfctl endpoint fake-user/gpt2-demo '{"state": "running"}'
-- Resuming a running endpoint: the service answers 400 "already running";
-- with running_ok (the default) that is success and the endpoint is read back.
SELECT name, status FROM hfendpoints.resume_endpoint('gpt2-demo');
SELECT name, status FROM hfendpoints.resume_endpoint('gpt2-demo', running_ok => false);
\echo :LAST_ERROR_SQLSTATE
-- Scaled to zero, an endpoint keeps its URL: the next request wakes it.
SELECT name, status, url IS NOT NULL AS has_url FROM hfendpoints.scale_to_zero_endpoint('gpt2-demo');
\! test/fake/hfctl requests --path /v2/endpoint/fake-user/gpt2-demo/scale-to-zero --headers authorization,content-length

--
-- Update: a sparse PUT, only the arguments given
--
\! test/fake/hfctl endpoint fake-user/gpt2-demo '{"state": "running"}'
SELECT name, status, min_replica, max_replica, scale_to_zero_timeout
FROM hfendpoints.update_endpoint('gpt2-demo', min_replica => 0, max_replica => 2,
                                 scale_to_zero_timeout => 30);
\! test/fake/hfctl last-body --path /v2/endpoint/fake-user/gpt2-demo --method PUT
SELECT name, repository, revision, task, raw -> 'model' -> 'image' AS image
FROM hfendpoints.update_endpoint('gpt2-demo', repository => 'openai-community/gpt2-large',
    revision => 'main', task => 'text-generation',
    custom_image => '{"url": "ghcr.io/acme/server:2.0"}', container_args => '{}');
\! test/fake/hfctl last-body --path /v2/endpoint/fake-user/gpt2-demo --method PUT
SELECT name, instance_size, raw -> 'compute' -> 'scaling' -> 'measure' AS measure,
       raw -> 'model' -> 'secrets' AS secrets, raw -> 'tags' AS tags
FROM hfendpoints.update_endpoint('gpt2-demo', instance_size => 'x4',
    scaling_metric => 'hardwareUsage', scaling_threshold => 80,
    env => '{}', secrets => '{"API_KEY": "n3w"}', domain => 'x.example.com',
    path => '/api', cache_http_responses => true, tags => '{}');
\! test/fake/hfctl last-body --path /v2/endpoint/fake-user/gpt2-demo --method PUT
-- The service checks the hardware: an unknown combination is its 400.
SELECT hfendpoints.update_endpoint('gpt2-demo', instance_type => 'intel-xyz');
\echo :LAST_ERROR_SQLSTATE

--
-- Delete
--
SELECT hfendpoints.delete_endpoint('gpt2-demo');
\! test/fake/hfctl requests --path /v2/endpoint/fake-user/gpt2-demo --method DELETE
SELECT hfendpoints.get_endpoint('gpt2-demo');
\echo :LAST_ERROR_SQLSTATE

--
-- Errors from the service
--
-- An unknown endpoint: 42704, for every function.
SELECT hfendpoints.get_endpoint('no-such-endpoint');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.pause_endpoint('no-such-endpoint');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.delete_endpoint('no-such-endpoint');
\echo :LAST_ERROR_SQLSTATE
-- A name that is taken: 42710.
SELECT hfendpoints.create_endpoint('gpt2-task',
    repository => 'openai-community/gpt2', framework => 'pytorch',
    accelerator => 'cpu', instance_size => 'x1', instance_type => 'intel-spr',
    region => 'eu-west-1', vendor => 'aws');
\echo :LAST_ERROR_SQLSTATE
-- Hardware the service does not offer: its message is in the detail, 22023.
SELECT hfendpoints.create_endpoint('too-big',
    repository => 'openai-community/gpt2', framework => 'pytorch',
    accelerator => 'cpu', instance_size => 'x64', instance_type => 'intel-icl',
    region => 'us-east-1', vendor => 'aws');
\echo :LAST_ERROR_SQLSTATE
-- A namespace the token has no access to: 28000.
SELECT count(*) FROM hfendpoints.list_endpoints('other-user');
\echo :LAST_ERROR_SQLSTATE
-- A token the service does not accept: 28000, and the hint shows the fix.
ALTER USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (SET token 'hf_wrong_token');
SELECT hfendpoints.get_endpoint('gpt2-task', namespace => 'fake-user');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.whoami();
\echo :LAST_ERROR_SQLSTATE
ALTER USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (SET token 'hf_fake_token');

--
-- Argument errors: caught before anything is sent
--
\! test/fake/hfctl requests-clear
SELECT hfendpoints.get_endpoint('');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.get_endpoint('GPT2-Demo');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.get_endpoint(repeat('x', 33));
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.get_endpoint('gpt2-demo', namespace => 'fake-user/other');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.get_endpoint(NULL);
\echo :LAST_ERROR_SQLSTATE
-- create_endpoint checks every argument; each of these fails alone.
CREATE FUNCTION pg_temp.try_create(args jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    a jsonb := '{"name": "arg-test", "repository": "openai-community/gpt2",
                 "framework": "pytorch", "accelerator": "cpu", "instance_size": "x2",
                 "instance_type": "intel-icl", "region": "us-east-1", "vendor": "aws",
                 "min_replica": 1, "max_replica": 1}'::jsonb || args;
BEGIN
    PERFORM hfendpoints.create_endpoint(a ->> 'name',
        repository => a ->> 'repository', framework => a ->> 'framework',
        accelerator => a ->> 'accelerator', instance_size => a ->> 'instance_size',
        instance_type => a ->> 'instance_type', region => a ->> 'region',
        vendor => a ->> 'vendor', type => coalesce(a ->> 'type', 'authenticated'),
        min_replica => (a ->> 'min_replica')::int, max_replica => (a ->> 'max_replica')::int,
        scale_to_zero_timeout => (a ->> 'scale_to_zero_timeout')::int,
        scaling_metric => a ->> 'scaling_metric',
        scaling_threshold => (a ->> 'scaling_threshold')::float8,
        custom_image => a -> 'custom_image', env => a -> 'env', secrets => a -> 'secrets',
        container_command => (SELECT array_agg(x) FROM jsonb_array_elements_text(a -> 'container_command') x));
    RETURN 'created';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
SELECT args, pg_temp.try_create(args::jsonb) AS result
FROM (VALUES
    ('{"min_replica": 2, "max_replica": 1}'),
    ('{"min_replica": -1}'),
    ('{"max_replica": -1}'),
    ('{"scale_to_zero_timeout": -5}'),
    ('{"type": "secret"}'),
    ('{"accelerator": "c p u"}'),
    ('{"instance_type": "intel/icl"}'),
    ('{"region": ""}'),
    ('{"repository": null}'),
    ('{"scaling_metric": "cpuUsage"}'),
    ('{"scaling_threshold": 2}'),
    ('{"scaling_metric": "pendingRequests", "scaling_threshold": "NaN"}'),
    ('{"custom_image": ["ghcr.io/acme/server"]}'),
    ('{"custom_image": {}}'),
    ('{"custom_image": {"tgi": "ghcr.io/x"}}'),
    ('{"env": "MODE=fast"}'),
    ('{"env": {"WORKERS": 4}}'),
    ('{"secrets": [1, 2]}'),
    ('{"container_command": ["python", null]}')
) AS t(args);
-- The same checks hold in update_endpoint, which also needs something to change.
SELECT hfendpoints.update_endpoint('gpt2-task');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.update_endpoint('gpt2-task', min_replica => 3, max_replica => 2);
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.update_endpoint('gpt2-task', scale_to_zero_timeout => -1);
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.update_endpoint('gpt2-task', scaling_metric => 'latency');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.update_endpoint('gpt2-task', secrets => '"token"');
\echo :LAST_ERROR_SQLSTATE
-- Nothing reached the service.
\! test/fake/hfctl requests

--
-- Privileges: the functions belong to hfendpoints_user, not PUBLIC.
--
CREATE ROLE regress_lifecycle_nobody;
SET ROLE regress_lifecycle_nobody;
SELECT hfendpoints.list_endpoints();
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP ROLE regress_lifecycle_nobody;
SELECT p.proname, p.proparallel, p.provolatile,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_may,
       has_function_privilege('hfendpoints_user', p.oid, 'EXECUTE') AS user_may,
       d.description IS NOT NULL AS commented
FROM pg_proc p
LEFT JOIN pg_description d ON d.objoid = p.oid AND d.classoid = 'pg_proc'::regclass
WHERE p.pronamespace = 'hfendpoints'::regnamespace
  AND p.proname IN ('whoami', 'create_endpoint', 'get_endpoint', 'list_endpoints',
                    'pause_endpoint', 'resume_endpoint', 'scale_to_zero_endpoint',
                    'update_endpoint', 'delete_endpoint', 'wait_endpoint', 'list_hardware')
ORDER BY p.proname;

DROP USER MAPPING FOR CURRENT_USER SERVER huggingface;
