-- hfendpoints.jobs: the enrich and batch calls running now, seen from any
-- session, with their state and progress.  A job leaves the view when it
-- ends, fails, is cancelled or its backend exits.  While an HTTP request is
-- in flight, pg_stat_activity shows an extension wait event.
\i test/include/setup.psql
SET client_min_messages = warning;
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
RESET client_min_messages;
RESET client_min_messages;
\set SHOW_CONTEXT never
-- every data-plane request takes 400 ms
\! test/fake/hfctl seed fake-user/slow '{"task": "text-generation", "state": "paused"}'
\! test/fake/hfctl endpoint fake-user/slow '{"latency_ms": 400, "pending_ms": 800, "initializing_ms": 800}'

-- Polls a boolean query until it is true (at most 10 s).
CREATE FUNCTION wait_for(query text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    ok boolean;
BEGIN
    FOR i IN 1..400 LOOP
        EXECUTE query INTO ok;
        IF ok THEN
            RETURN true;
        END IF;
        PERFORM pg_sleep(0.025);
    END LOOP;
    RETURN false;
END
$$;

CREATE TABLE job_docs (id int PRIMARY KEY, body text, summary text);
INSERT INTO job_docs SELECT g, 'echo:doc ' || g, NULL FROM generate_series(1, 6) g;
SELECT count(*) AS jobs_before FROM hfendpoints.jobs;

-- An enrich in another session: the endpoint is paused, so it is resumed
-- and waited for; then its 6 rows, 2 in flight at a time; then it is
-- paused again (and the pause answers slowly).
SELECT dblink_connect('regress_job', 'dbname=' || current_database());
SELECT dblink_exec('regress_job', 'SET hfendpoints.max_concurrency = 2');
\! test/fake/hfctl fault '{"path": "/v2/endpoint/fake-user/slow/pause", "action": "drip", "delay_ms": 1500, "interval_ms": 0}'
SELECT dblink_send_query('regress_job',
    $$CALL hfendpoints.enrich('job_docs', 'body', 'summary', 'slow',
        parameters => '{"return_full_text": false}', batch_size => 2, pause_after => 'pause')$$);
SELECT wait_for($$SELECT EXISTS (SELECT FROM hfendpoints.jobs WHERE state = 'waiting for endpoint')$$);
SELECT job, endpoint, source, state, rows_total, rows_done, rows_failed
  FROM hfendpoints.jobs;
-- then running, with its progress ...
SELECT wait_for($$SELECT EXISTS (SELECT FROM hfendpoints.jobs WHERE state = 'running' AND rows_done >= 2)$$);
SELECT database = current_database() AS same_database, pid <> pg_backend_pid() AS other_session,
       role = current_user AS same_role, job, endpoint, source, state, rows_total,
       rows_done BETWEEN 2 AND 6 AS progressing, rows_failed, rows_per_second > 0 AS has_rate,
       started_at <= now() AS started, rows_in_flight BETWEEN 0 AND 2 AS in_flight,
       eta >= interval '0' AS has_eta
  FROM hfendpoints.jobs;
-- ... then pausing the endpoint
SELECT wait_for($$SELECT EXISTS (SELECT FROM hfendpoints.jobs WHERE state = 'pausing')$$);
SELECT job, endpoint, state, rows_total, rows_done, rows_failed FROM hfendpoints.jobs;
SELECT * FROM dblink_get_result('regress_job') AS t(status text);
SELECT * FROM dblink_get_result('regress_job') AS t(status text);
-- done: the job is gone, the rows are filled
SELECT count(*) AS jobs_after FROM hfendpoints.jobs;
SELECT count(summary) AS filled FROM job_docs;
\! test/fake/hfctl state fake-user/slow

-- A batch call: 8 prompts, 2 at a time.  While its requests are in flight,
-- its backend waits on an extension wait event.
\! test/fake/hfctl endpoint fake-user/slow '{"state": "running"}'
SELECT dblink_send_query('regress_job',
    $$SELECT count(*) FROM hfendpoints.text_generation_batch('slow',
        ARRAY(SELECT 'echo:p' || g FROM generate_series(1, 8) g))$$);
SELECT wait_for($$SELECT EXISTS (SELECT FROM hfendpoints.jobs WHERE rows_done >= 2)$$);
SELECT job, endpoint, source, state, rows_total, rows_done BETWEEN 2 AND 8 AS progressing, rows_failed
  FROM hfendpoints.jobs;
SELECT wait_for($$SELECT EXISTS (SELECT FROM pg_stat_activity a JOIN hfendpoints.jobs j USING (pid)
                                  WHERE a.wait_event_type = 'Extension')$$) AS http_wait_event;
SELECT * FROM dblink_get_result('regress_job') AS t(n bigint);
SELECT * FROM dblink_get_result('regress_job') AS t(n bigint);
SELECT count(*) AS jobs_after FROM hfendpoints.jobs;

-- A cancelled enrich leaves the view (the transaction's abort clears it).
UPDATE job_docs SET summary = NULL;
SELECT dblink_send_query('regress_job',
    $$CALL hfendpoints.enrich('job_docs', 'body', 'summary', 'slow', batch_size => 2)$$);
SELECT wait_for($$SELECT EXISTS (SELECT FROM hfendpoints.jobs WHERE rows_done >= 2)$$);
SELECT pg_cancel_backend(pid) FROM hfendpoints.jobs;
SELECT * FROM dblink_get_result('regress_job', false) AS t(status text);
SELECT * FROM dblink_get_result('regress_job', false) AS t(status text);
SELECT wait_for($$SELECT NOT EXISTS (SELECT FROM hfendpoints.jobs)$$) AS cleared_after_cancel;

-- So does a job whose backend is terminated.
SELECT dblink_send_query('regress_job',
    $$SELECT count(*) FROM hfendpoints.text_generation_batch('slow',
        ARRAY(SELECT 'echo:p' || g FROM generate_series(1, 8) g))$$);
SELECT wait_for($$SELECT EXISTS (SELECT FROM hfendpoints.jobs)$$);
SELECT pg_terminate_backend(pid) FROM hfendpoints.jobs;
SELECT wait_for($$SELECT NOT EXISTS (SELECT FROM hfendpoints.jobs)$$) AS cleared_after_terminate;
SELECT dblink_disconnect('regress_job');

-- Only a job that runs makes a row: no function a user may call plants
-- one or changes another's.
SELECT p.oid::regprocedure AS job_functions FROM pg_proc p
 WHERE p.pronamespace = 'hfendpoints'::regnamespace AND p.proname LIKE '\_job%';

DROP TABLE job_docs;
DROP FUNCTION wait_for(text);
