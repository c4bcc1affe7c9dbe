-- Endpoint states on the inference path: paused and failed endpoints are
-- clear errors; scaled-to-zero endpoints are woken with X-Scale-Up-Timeout;
-- starting ones are waited for, up to hfendpoints.cold_start_timeout, and
-- every wait can be cancelled; a cached name whose endpoint changed under
-- it (deleted, paused, scaled to zero) is resolved again.
\i test/include/setup.psql
SET client_min_messages = warning;
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
RESET client_min_messages;
SET hfendpoints.retry_base_delay = '10ms';

-- Paused: 55000, and the hint says how to resume it (with the namespace
-- when the call named one).  No inference request is sent.
\! test/fake/hfctl seed fake-user/sleepy '{"state":"paused"}'
SELECT hfendpoints.text_generation('sleepy', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.chat('fake-user/sleepy', 'x');
\echo :LAST_ERROR_SQLSTATE
-- Failed: 55000, the service's message in the detail.
\! test/fake/hfctl seed fake-user/broken '{"state":"failed"}'
SELECT hfendpoints.feature_extraction('broken', 'x');
\echo :LAST_ERROR_SQLSTATE
-- No such endpoint: 42704.
SELECT hfendpoints.infer('fake-org/missing', '{}');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl requests --path /endpoints/

-- Scaled to zero: the request carries X-Scale-Up-Timeout (the cold-start
-- timeout in seconds), the proxy holds it while a replica starts, and the
-- endpoint is running afterwards.
\! test/fake/hfctl seed fake-user/zero '{"state":"scaledToZero"}'
\! test/fake/hfctl endpoint fake-user/zero '{"cold_start_ms": 300}'
SET hfendpoints.cold_start_timeout = '30s';
SELECT hfendpoints.text_generation('zero', 'echo:good morning', return_full_text => false) AS woke;
\! test/fake/hfctl requests --path /endpoints/fake-user/zero --status
\! test/fake/hfctl state fake-user/zero
RESET hfendpoints.cold_start_timeout;
-- ... also when the proxy answers 503 instead of holding the request: 503s
-- are retried until the cold-start timeout.
\! test/fake/hfctl endpoint fake-user/zero '{"state": "scaledToZero"}'
\! test/fake/hfctl fault '{"path":"/endpoints/fake-user/zero","count":3,"status":503,"body":{"error":"Service Unavailable"}}'
SET hfendpoints.max_retries = 0;
SELECT hfendpoints.chat('zero', 'echo:503, 503, 503, then served') AS woke;
RESET hfendpoints.max_retries;
-- A replica that takes longer than hfendpoints.cold_start_timeout: 08006,
-- and the hint names the setting.
\! test/fake/hfctl endpoint fake-user/zero '{"state": "scaledToZero", "cold_start_ms": 60000}'
SET hfendpoints.cold_start_timeout = '1s';
SELECT hfendpoints.text_generation('zero', 'x');
\echo :LAST_ERROR_SQLSTATE
-- The wait is cancellable: statement_timeout stops it with the ordinary
-- cancel error (57014).
SET hfendpoints.cold_start_timeout = '60s';
SET statement_timeout = '300ms';
SELECT hfendpoints.text_generation('zero', 'x');
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;
RESET hfendpoints.cold_start_timeout;

-- Starting endpoints (pending, initializing: no URL yet) are waited for
-- through the control plane, then served.
\! test/fake/hfctl seed fake-user/waker '{"state":"paused"}'
SELECT (hfendpoints.resume_endpoint('waker')).status AS after_resume;
SELECT hfendpoints.text_generation('waker', 'echo:worth the wait', return_full_text => false) AS served;
\! test/fake/hfctl state fake-user/waker
-- ... but not longer than hfendpoints.cold_start_timeout (55000) ...
\! test/fake/hfctl seed fake-user/stuck '{"state":"pending"}'
SET hfendpoints.cold_start_timeout = '1s';
SELECT hfendpoints.text_generation('stuck', 'x');
\echo :LAST_ERROR_SQLSTATE
-- ... and that wait is cancellable too (57014).
SET hfendpoints.cold_start_timeout = '60s';
SET statement_timeout = '300ms';
SELECT hfendpoints.text_generation('stuck', 'x');
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;
RESET hfendpoints.cold_start_timeout;
-- An endpoint being updated keeps its URL; the request is held until the
-- update is done.
\! test/fake/hfctl seed fake-user/upd
SELECT (hfendpoints.update_endpoint('upd', max_replica => 2)).status AS after_update;
SELECT hfendpoints.text_generation('upd', 'echo:updated', return_full_text => false) AS served;
\! test/fake/hfctl requests --path /endpoints/fake-user/upd --status
-- An endpoint whose update failed still serves its previous version.
\! test/fake/hfctl endpoint fake-user/upd '{"state": "updateFailed"}'
SELECT hfendpoints.text_generation('upd', 'echo:old version', return_full_text => false) AS served;

-- A cached name whose endpoint was deleted: the data plane answers 404,
-- the name is resolved again, and the error says the endpoint is gone.
\! test/fake/hfctl seed fake-user/doomed
SELECT hfendpoints.text_generation('doomed', 'echo:cached', return_full_text => false) AS cached;
SELECT hfendpoints.delete_endpoint('doomed');
\! test/fake/hfctl requests-clear
SELECT hfendpoints.text_generation('doomed', 'x');
\echo :LAST_ERROR_SQLSTATE
\! test/fake/hfctl requests --status --headers none
-- A cached name whose endpoint was paused: the proxy's 400 leads to a
-- fresh look, and the paused error.
\! test/fake/hfctl seed fake-user/napper
SELECT hfendpoints.text_generation('napper', 'echo:cached', return_full_text => false) AS cached;
SELECT (hfendpoints.pause_endpoint('napper')).status AS paused;
SELECT hfendpoints.text_generation('napper', 'x');
\echo :LAST_ERROR_SQLSTATE
-- A cached name whose endpoint was scaled to zero since: its 503s lead to a
-- fresh look, which finds it starting, and the request is sent again with
-- X-Scale-Up-Timeout.
\! test/fake/hfctl seed fake-user/dozer
SELECT hfendpoints.text_generation('dozer', 'echo:cached', return_full_text => false) AS cached;
SELECT (hfendpoints.scale_to_zero_endpoint('dozer')).status AS scaled;
\! test/fake/hfctl endpoint fake-user/dozer '{"cold_start_ms": 500}'
\! test/fake/hfctl requests-clear
SET hfendpoints.max_retries = 1;
SELECT hfendpoints.text_generation('dozer', 'echo:awake again', return_full_text => false) AS served;
RESET hfendpoints.max_retries;
\! test/fake/hfctl requests --status
-- Errors that are not about a stale URL do not re-resolve.  (The look at
-- the control plane before the request is because the endpoint was still
-- starting when last seen: a cold endpoint is not cached.)
\! test/fake/hfctl requests-clear
SELECT hfendpoints.text_generation('dozer', '');
\! test/fake/hfctl requests --status --headers none
