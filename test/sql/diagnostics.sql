-- What the service and an endpoint say about themselves: logs, metrics,
-- the engine's /info, a health check, the model catalog and the full
-- hardware rows.
\i test/include/setup.psql
SET client_min_messages = warning;
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
RESET client_min_messages;
SET hfendpoints.retry_base_delay = '10ms';
\set catalog_url :fake_url/api/catalog
ALTER SERVER huggingface OPTIONS (ADD catalog_url :'catalog_url');

\! test/fake/hfctl seed fake-user/diag '{"task": "text-generation", "repository": "openai-community/gpt2"}'
\! test/fake/hfctl seed fake-user/diag-emb '{"task": "feature-extraction"}'
\! test/fake/hfctl seed fake-user/diag-vllm '{"task": "text-generation", "image": {"vLLM": {"url": "vllm/vllm-openai:v0.10.1"}}}'
\! test/fake/hfctl seed fake-user/diag-paused '{"state": "paused"}'

-- Logs, whole or their tail, with the token masked and control
-- characters replaced (what a server sends is hostile).
SELECT hfendpoints.endpoint_logs('diag');
\! test/fake/hfctl requests-clear
SELECT length(hfendpoints.endpoint_logs('diag', tail => 50)) > 0 AS tail_read;
\! test/fake/hfctl requests --path /v2/endpoint/fake-user/diag/logs --headers none
\! test/fake/hfctl fault '{"path": "/logs", "status": 200, "content_type": "text/plain", "body": "token hf_fake_token\u001b[31m red\r\nnext line\ttab\n"}'
SELECT hfendpoints.endpoint_logs('diag');
SELECT hfendpoints.endpoint_logs('diag', tail => 0);
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.endpoint_logs('missing');
\echo :LAST_ERROR_SQLSTATE

-- Metrics: one series as jsonb, or the OpenMetrics text.
SELECT hfendpoints.endpoint_metrics('diag', 'request-count');
SELECT hfendpoints.endpoint_metrics('diag', '../pause');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.endpoint_open_metrics('diag') LIKE '%# EOF%' AS open_metrics;

-- The engine's own description: TGI's and TEI's /info.
SELECT info ->> 'router' AS router, info ? 'max_total_tokens' AS has_limits
FROM hfendpoints.endpoint_info('diag') AS info;
SELECT info -> 'model_type' AS model_type, info ? 'max_client_batch_size' AS has_batch
FROM hfendpoints.endpoint_info('diag-emb') AS info;
\set VERBOSITY default
SELECT hfendpoints.endpoint_info('diag-vllm');
\set VERBOSITY terse
SELECT hfendpoints.endpoint_info('diag-paused');

-- Health: 200 or not, now; nothing is woken or waited for.
SELECT hfendpoints.health_check('diag') AS healthy;
SELECT url AS diag_url FROM hfendpoints.get_endpoint('diag') \gset
SELECT hfendpoints.health_check(:'diag_url') AS healthy_by_url;
\! test/fake/hfctl endpoint fake-user/diag '{"health_status": 503}'
SELECT hfendpoints.health_check('diag') AS healthy;
SELECT hfendpoints.health_check('diag-paused') AS paused_is_healthy;
SELECT hfendpoints.health_check('https://elsewhere.example.com');
\echo :LAST_ERROR_SQLSTATE

-- The catalog: its models, and an endpoint deployed from one.
SELECT repository FROM hfendpoints.list_catalog();
SELECT name, repository, task, accelerator, instance_type, min_replica, scale_to_zero_timeout
FROM hfendpoints.create_endpoint_from_catalog('BAAI/bge-small-en-v1.5', name => 'from-catalog');
\! test/fake/hfctl last-body --path /api/catalog/deploy
SELECT name, status FROM hfendpoints.wait_endpoint('from-catalog', timeout => '1 min');
SELECT array_length(hfendpoints.feature_extraction('from-catalog', 'hi'), 1) > 0 AS serves;
SELECT hfendpoints.create_endpoint_from_catalog('nobody/not-in-catalog');
SELECT hfendpoints.create_endpoint_from_catalog('BAAI/bge-small-en-v1.5', accelerator => 'tpu');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.delete_endpoint('from-catalog');
ALTER SERVER huggingface OPTIONS (SET catalog_url 'ftp://catalog');

-- Hardware: every field of the service's rows.
SELECT id, vendor, vendor_status, region, region_label, region_status, accelerator,
       instance_type, instance_size, num_accelerators, architecture, num_cpus, memory_gb,
       gpu_memory_gb, price_per_hour, status, max_accelerators, used_accelerators
FROM hfendpoints.list_hardware() WHERE instance_type IN ('nvidia-l4', 'intel-icl') ORDER BY id;

ALTER SERVER huggingface OPTIONS (DROP catalog_url);
