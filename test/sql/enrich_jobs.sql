\i test/include/setup.psql
\set SHOW_CONTEXT never
-- The job loop of enrich: up to hfendpoints.max_concurrency requests in
-- flight for the whole job, answers written and committed as they come;
-- rows claimed, so that many workers share one table and each row is sent
-- once and written once; a row whose write fails is a failure, not the
-- end of the job; an endpoint paused mid-job ends it cleanly.
SET client_min_messages = warning;
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
CREATE EXTENSION IF NOT EXISTS dblink;
RESET client_min_messages;
\! test/fake/hfctl seed fake-user/gen '{"task": "text-generation"}'
-- each row counts the writes of its output
CREATE TABLE shared_docs (id int PRIMARY KEY, body text, summary text, writes int NOT NULL DEFAULT 0);
CREATE FUNCTION count_output_writes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.summary IS DISTINCT FROM OLD.summary AND NEW.summary IS NOT NULL THEN
        NEW.writes := OLD.writes + 1;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER count_output_writes BEFORE UPDATE ON shared_docs
    FOR EACH ROW EXECUTE FUNCTION count_output_writes();
INSERT INTO shared_docs (id, body) SELECT g, 'echo:shared ' || g FROM generate_series(1, 400) g;

-- 1. Four workers at once on one table: they divide the rows.
\! test/fake/hfctl endpoint fake-user/gen '{"latency_ms": 20}'
\! test/fake/hfctl requests-clear
SELECT dblink_connect('w' || n, 'dbname=' || current_database()) FROM generate_series(1, 4) n;
SELECT dblink_exec('w' || n, 'SET client_min_messages = warning') FROM generate_series(1, 4) n;
SELECT dblink_exec('w' || n, 'SET hfendpoints.max_concurrency = 8') FROM generate_series(1, 4) n;
SELECT dblink_send_query('w' || n, $$CALL hfendpoints.enrich('shared_docs', 'body', 'summary', 'gen',
    parameters => '{"return_full_text": false}', batch_size => 10)$$) FROM generate_series(1, 4) n;
SELECT n, status FROM generate_series(1, 4) n, dblink_get_result('w' || n) AS t(status text) ORDER BY n;
SELECT count(*) AS more_results FROM generate_series(1, 4) n, dblink_get_result('w' || n) AS t(status text);
-- every row filled with its own output, written once, requested once
SELECT count(*) FILTER (WHERE summary = substr(body, 6)) AS filled,
       count(*) FILTER (WHERE writes <> 1) AS not_written_once
  FROM shared_docs;
\! test/fake/hfctl requests --path /endpoints/fake-user/gen | grep -c '^POST'

-- 2. A worker terminated mid-job releases its rows at once: a second run
-- fills the rest, each row written once.  (The requests that were in
-- flight when it died are lost.)
UPDATE shared_docs SET summary = NULL, writes = 0;
\! test/fake/hfctl endpoint fake-user/gen '{"latency_ms": 50}'
SELECT dblink_exec('w1', 'SET hfendpoints.max_concurrency = 4');
SELECT dblink_send_query('w1', $$CALL hfendpoints.enrich('shared_docs', 'body', 'summary', 'gen',
    parameters => '{"return_full_text": false}', batch_size => 5)$$);
CREATE FUNCTION pg_temp.wait_for(query text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE ok boolean;
BEGIN
    FOR i IN 1..400 LOOP
        EXECUTE query INTO ok;
        IF ok THEN RETURN true; END IF;
        PERFORM pg_sleep(0.025);
    END LOOP;
    RETURN false;
END
$$;
SELECT pg_temp.wait_for($$SELECT count(summary) >= 20 FROM shared_docs$$) AS some_rows_done;
SELECT pg_terminate_backend(pid) FROM hfendpoints.jobs WHERE source = 'shared_docs';
SELECT pg_temp.wait_for($$SELECT NOT EXISTS (SELECT FROM hfendpoints.jobs)$$) AS worker_gone;
SELECT dblink_disconnect('w1');
\! test/fake/hfctl endpoint fake-user/gen '{"latency_ms": 0}'
SET client_min_messages = warning;
CALL hfendpoints.enrich('shared_docs', 'body', 'summary', 'gen', parameters => '{"return_full_text": false}');
RESET client_min_messages;
SELECT count(*) FILTER (WHERE summary = substr(body, 6)) AS filled,
       count(*) FILTER (WHERE writes <> 1) AS not_written_once
  FROM shared_docs;
-- no claim is left behind by any worker
SELECT count(*) AS claims_left FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 18502;

-- A cancelled worker's session lives on, and it holds no claim: a claim
-- survives COMMIT, so the job releases its own on the way out of an error.
UPDATE shared_docs SET summary = NULL, writes = 0;
\! test/fake/hfctl endpoint fake-user/gen '{"latency_ms": 50}'
SELECT dblink_exec('w3', 'SET hfendpoints.max_concurrency = 4');
SELECT dblink_send_query('w3', $$CALL hfendpoints.enrich('shared_docs', 'body', 'summary', 'gen',
    parameters => '{"return_full_text": false}', batch_size => 5)$$);
SELECT pg_temp.wait_for($$SELECT count(summary) >= 20 FROM shared_docs$$) AS some_rows_done;
SELECT pid AS w3_pid FROM hfendpoints.jobs WHERE source = 'shared_docs' \gset
SELECT pg_cancel_backend(:w3_pid);
SET client_min_messages = warning;
SELECT * FROM dblink_get_result('w3', false) AS t(status text);
SELECT * FROM dblink_get_result('w3', false) AS t(status text);
RESET client_min_messages;
SELECT count(*) AS claims_of_cancelled_worker FROM pg_locks
 WHERE locktype = 'advisory' AND objsubid = 18502 AND pid = :w3_pid;
SELECT * FROM dblink('w3', 'SELECT true') AS t(session_alive boolean);
\! test/fake/hfctl endpoint fake-user/gen '{"latency_ms": 0}'
SET client_min_messages = warning;
CALL hfendpoints.enrich('shared_docs', 'body', 'summary', 'gen', parameters => '{"return_full_text": false}');
RESET client_min_messages;
SELECT count(*) FILTER (WHERE summary = substr(body, 6)) AS filled,
       count(*) FILTER (WHERE writes <> 1) AS not_written_once
  FROM shared_docs;

-- A cancel that lands while a page's rows, just claimed, are read again
-- leaves no claim behind either.  (A row-level security policy cancels
-- the job's own query at that moment: the first time it sees a claim.)
CREATE ROLE regress_enrich_owner IN ROLE hfendpoints_user;
CREATE USER MAPPING FOR regress_enrich_owner SERVER huggingface OPTIONS (token 'hf_fake_token');
CREATE TABLE recheck_docs (id int PRIMARY KEY, body text, summary text);
INSERT INTO recheck_docs SELECT g, 'echo:recheck ' || g FROM generate_series(1, 5) g;
CREATE FUNCTION cancel_once_claimed() RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    IF EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 18502
                                      AND pid = pg_backend_pid()) THEN
        PERFORM pg_cancel_backend(pg_backend_pid());
        PERFORM pg_sleep(5);
    END IF;
    RETURN true;
END
$$;
ALTER TABLE recheck_docs OWNER TO regress_enrich_owner;
ALTER TABLE recheck_docs ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY cancel_in_recheck ON recheck_docs USING (cancel_once_claimed());
SET ROLE regress_enrich_owner;
SET client_min_messages = warning;
CALL hfendpoints.enrich('recheck_docs', 'body', 'summary', 'gen', parameters => '{"return_full_text": false}');
RESET client_min_messages;
RESET ROLE;
SELECT count(*) AS claims_left FROM pg_locks
 WHERE locktype = 'advisory' AND objsubid = 18502 AND pid = pg_backend_pid();
DROP TABLE recheck_docs;
DROP FUNCTION cancel_once_claimed();
DROP USER MAPPING FOR regress_enrich_owner SERVER huggingface;
DROP ROLE regress_enrich_owner;

-- A worker claims at most 1024 rows at a time.  A batch_size above that
-- commits what is answered when it reaches that limit, and goes on.
CREATE TABLE many_docs (id int PRIMARY KEY, body text, summary text);
INSERT INTO many_docs SELECT g, 'echo:many ' || g FROM generate_series(1, 1500) g;
SET client_min_messages = warning;
CALL hfendpoints.enrich('many_docs', 'body', 'summary', 'gen', parameters => '{"return_full_text": false}',
    batch_size => 2000);
RESET client_min_messages;
SELECT count(*) FILTER (WHERE summary = substr(body, 6)) AS filled FROM many_docs;
DROP TABLE many_docs;

-- max_rows counts the rows another worker held when this one reached
-- them: here a worker on a slow endpoint holds rows 1 to 10, a run with
-- max_rows => 5 fills 11 to 15, and when the first worker is cancelled
-- (releasing its rows unfilled), the run has already stopped at 5.
\! test/fake/hfctl seed fake-user/slow '{"task": "text-generation"}'
\! test/fake/hfctl endpoint fake-user/slow '{"latency_ms": 60000}'
CREATE TABLE capped_docs (id int PRIMARY KEY, body text, summary text);
INSERT INTO capped_docs SELECT g, 'echo:capped ' || g FROM generate_series(1, 30) g;
SELECT dblink_connect(w, 'dbname=' || current_database()) FROM unnest(ARRAY['holder', 'capped']) w;
SELECT dblink_exec(w, 'SET client_min_messages = warning') FROM unnest(ARRAY['holder', 'capped']) w;
SELECT dblink_exec('holder', 'SET hfendpoints.max_concurrency = 2');
SELECT dblink_send_query('holder', $$CALL hfendpoints.enrich('capped_docs', 'body', 'summary', 'slow',
    parameters => '{"return_full_text": false}', batch_size => 10)$$);
SELECT pg_temp.wait_for($$SELECT count(*) = 10 FROM pg_locks l JOIN hfendpoints.jobs j USING (pid)
                           WHERE l.locktype = 'advisory' AND l.objsubid = 18502$$) AS rows_held;
SELECT dblink_send_query('capped', $$CALL hfendpoints.enrich('capped_docs', 'body', 'summary', 'gen',
    parameters => '{"return_full_text": false}', max_rows => 5)$$);
SELECT pg_temp.wait_for($$SELECT count(summary) >= 5 FROM capped_docs$$) AS five_filled;
SELECT pg_cancel_backend(pid) FROM hfendpoints.jobs WHERE endpoint LIKE '%slow%';
SET client_min_messages = warning;
SELECT * FROM dblink_get_result('holder', false) AS t(status text);
SELECT * FROM dblink_get_result('holder', false) AS t(status text);
RESET client_min_messages;
SELECT * FROM dblink_get_result('capped') AS t(status text);
SELECT * FROM dblink_get_result('capped') AS t(status text);
SELECT count(summary) AS filled, min(id) FILTER (WHERE summary IS NOT NULL) AS first_filled,
       max(id) FILTER (WHERE summary IS NOT NULL) AS last_filled
  FROM capped_docs;
SELECT dblink_disconnect(w) FROM unnest(ARRAY['holder', 'capped']) w;
DROP TABLE capped_docs;

-- 3. A row whose output cannot be written (here, too long for its
-- column) is recorded as a failure; the others are written.
CREATE TABLE short_docs (id int PRIMARY KEY, body text, summary varchar(5));
INSERT INTO short_docs VALUES (1, 'echo:ok', NULL), (2, 'echo:far too long', NULL), (3, 'echo:fine', NULL);
SET client_min_messages = warning;
CALL hfendpoints.enrich('short_docs', 'body', 'summary', 'gen', parameters => '{"return_full_text": false}');
RESET client_min_messages;
SELECT id, summary FROM short_docs ORDER BY id;
SELECT row_key, error FROM hfendpoints.enrich_failures WHERE source = 'short_docs'::regclass;

-- A write that waits past lock_timeout for a row another session has
-- locked is the moment's fault, not the row's: the job stops with the
-- error, records no failure, and the next run fills the row.
CREATE TABLE locked_docs (id int PRIMARY KEY, body text, summary text);
INSERT INTO locked_docs SELECT g, 'echo:locked ' || g FROM generate_series(1, 3) g;
SELECT dblink_connect('locker', 'dbname=' || current_database());
SELECT dblink_exec('locker', 'BEGIN');
SELECT * FROM dblink('locker', 'SELECT id FROM locked_docs WHERE id = 2 FOR UPDATE') AS t(id int);
SET lock_timeout = '200ms';
SET client_min_messages = warning;
CALL hfendpoints.enrich('locked_docs', 'body', 'summary', 'gen', parameters => '{"return_full_text": false}');
RESET client_min_messages;
RESET lock_timeout;
SELECT count(*) AS failures FROM hfendpoints.enrich_failures WHERE source = 'locked_docs'::regclass;
SELECT dblink_exec('locker', 'ROLLBACK');
SELECT dblink_disconnect('locker');
SET client_min_messages = warning;
CALL hfendpoints.enrich('locked_docs', 'body', 'summary', 'gen', parameters => '{"return_full_text": false}');
RESET client_min_messages;
SELECT count(*) FILTER (WHERE summary = substr(body, 6)) AS filled FROM locked_docs;
DROP TABLE locked_docs;

-- 4. An endpoint paused mid-job: what was answered is written and
-- committed, then the job stops with an error that says why; the rows
-- left are not failures, and the next run fills them.
UPDATE shared_docs SET summary = NULL, writes = 0;
\! test/fake/hfctl endpoint fake-user/gen '{"latency_ms": 40}'
SELECT dblink_exec('w2', 'SET hfendpoints.max_concurrency = 4');
SELECT dblink_send_query('w2', $$CALL hfendpoints.enrich('shared_docs', 'body', 'summary', 'gen',
    parameters => '{"return_full_text": false}', batch_size => 5, resume_endpoint => false)$$);
SELECT pg_temp.wait_for($$SELECT count(summary) >= 20 FROM shared_docs$$) AS some_rows_done;
\! test/fake/hfctl endpoint fake-user/gen '{"state": "paused"}'
-- (the error comes back as a NOTICE with the run's counts: hidden here)
SET client_min_messages = warning;
SELECT * FROM dblink_get_result('w2', false) AS t(status text);
SELECT * FROM dblink_get_result('w2', false) AS t(status text);
RESET client_min_messages;
SELECT count(summary) BETWEEN 20 AND 399 AS part_written,
       count(*) FILTER (WHERE summary IS NOT NULL AND summary <> substr(body, 6)) AS wrong
  FROM shared_docs;
SELECT count(*) AS failures FROM hfendpoints.enrich_failures WHERE source = 'shared_docs'::regclass;
SELECT source, output_column, filled BETWEEN 20 AND 399 AS part_filled, failed, error
  FROM hfendpoints.enrich_runs WHERE source = 'shared_docs'::regclass;
\! test/fake/hfctl endpoint fake-user/gen '{"state": "running", "latency_ms": 0}'
SET client_min_messages = warning;
CALL hfendpoints.enrich('shared_docs', 'body', 'summary', 'gen', parameters => '{"return_full_text": false}');
RESET client_min_messages;
SELECT count(*) FILTER (WHERE summary = substr(body, 6)) AS filled FROM shared_docs;

SELECT dblink_disconnect('w' || n) FROM generate_series(2, 4) n;
-- (the failures and runs of a table stay when it is dropped)
DELETE FROM hfendpoints.enrich_failures;
DELETE FROM hfendpoints.enrich_runs;
DROP TABLE shared_docs, short_docs;
DROP FUNCTION count_output_writes();
