-- CALL hfendpoints.enrich(): fill a column from a model, batch by batch,
-- committing after each batch; failed rows are recorded and retried on the
-- next run; an interrupted run loses at most one batch.
\i test/include/setup.psql
SET client_min_messages = warning;
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
RESET client_min_messages;
SET hfendpoints.retry_base_delay = '10ms';
\set SHOW_CONTEXT never
\! test/fake/hfctl config '{"pending_ms": 50, "initializing_ms": 50, "cold_start_ms": 50}'
\! test/fake/hfctl seed fake-user/gen '{"task": "text-generation"}'
\! test/fake/hfctl seed fake-user/emb '{"task": "feature-extraction"}'

CREATE TABLE reviews (id int PRIMARY KEY, body text, summary text, embedding real[]);
INSERT INTO reviews (id, body)
SELECT g, CASE WHEN g = 7 THEN NULL ELSE 'echo:review ' || g END FROM generate_series(1, 25) g;

-- Progress goes to NOTICEs (with rates and times, so this test hides them).
SET client_min_messages = warning;
CALL hfendpoints.enrich('reviews', 'body', 'summary', 'gen',
                        parameters => '{"return_full_text": false}', batch_size => 10);
RESET client_min_messages;
SELECT count(*) FILTER (WHERE summary = substr(body, 6)) AS filled,
       count(*) FILTER (WHERE summary IS NULL) AS left_null  -- the NULL body
  FROM reviews;
-- the parameters reached the wire (in the last request answered, whichever
-- of the last batch's rows that was)
\! test/fake/hfctl last-body --path /endpoints/fake-user/gen | sed 's/review [0-9]*/review N/'

-- Embeddings into real[], and max_rows.
SET client_min_messages = warning;
CALL hfendpoints.enrich('reviews', 'body', 'embedding', 'emb', task => 'feature-extraction', max_rows => 5);
RESET client_min_messages;
SELECT count(embedding) AS with_embedding, min(array_length(embedding, 1)) AS dims FROM reviews;

-- Failed rows do not stop the job: they are recorded, and retried next time.
UPDATE reviews SET summary = NULL, body = 'fail:' || id WHERE id IN (3, 4);
UPDATE reviews SET summary = NULL WHERE id = 5;
SET client_min_messages = warning;
CALL hfendpoints.enrich('reviews', 'body', 'summary', 'gen', parameters => '{"return_full_text": false}');
RESET client_min_messages;
SELECT input, error FROM hfendpoints.enrich_failures ORDER BY input;
SELECT id, summary FROM reviews WHERE id IN (3, 4, 5) ORDER BY id;
UPDATE reviews SET body = 'echo:fixed ' || id WHERE id IN (3, 4);
SET client_min_messages = warning;
CALL hfendpoints.enrich('reviews', 'body', 'summary', 'gen', parameters => '{"return_full_text": false}');
RESET client_min_messages;
SELECT count(*) AS failures_left FROM hfendpoints.enrich_failures;
SELECT id, summary FROM reviews WHERE id IN (3, 4) ORDER BY id;

-- A paused endpoint is resumed and waited for, and paused again at the end.
\! test/fake/hfctl endpoint fake-user/gen '{"state": "paused"}'
UPDATE reviews SET summary = NULL WHERE id <= 2;
CALL hfendpoints.enrich('reviews', 'body', 'summary', 'gen',
                        parameters => '{"return_full_text": false}', pause_after => 'pause');
\! test/fake/hfctl state fake-user/gen
SELECT count(*) FILTER (WHERE summary IS NULL) AS left_null FROM reviews;
-- ... or scaled to zero.
UPDATE reviews SET summary = NULL WHERE id <= 2;
SET client_min_messages = warning;
CALL hfendpoints.enrich('reviews', 'body', 'summary', 'gen',
                        parameters => '{"return_full_text": false}', pause_after => 'scale_to_zero');
RESET client_min_messages;
\! test/fake/hfctl state fake-user/gen

-- Mistakes are caught before anything is sent.
BEGIN;
CALL hfendpoints.enrich('reviews', 'body', 'summary', 'gen');
ROLLBACK;
SET default_transaction_isolation = 'repeatable read';
CALL hfendpoints.enrich('reviews', 'body', 'summary', 'gen');
\echo :LAST_ERROR_SQLSTATE
RESET default_transaction_isolation;
CALL hfendpoints.enrich('reviews', 'body', 'summary', 'gen', task => 'text-to-image');
CALL hfendpoints.enrich('reviews', 'nope', 'summary', 'gen');
CALL hfendpoints.enrich('reviews', 'body', 'id', 'gen');
CALL hfendpoints.enrich('reviews', 'body', 'summary', 'emb', task => 'feature-extraction');
CALL hfendpoints.enrich('reviews', 'body', 'summary', 'gen', batch_size => 0);
CALL hfendpoints.enrich('reviews', 'body', 'summary', 'gen', pause_after => 'stop');
CALL hfendpoints.enrich('reviews', 'body', 'summary', 'http://127.0.0.1:1/x', pause_after => 'pause');
\echo :LAST_ERROR_SQLSTATE

-- parameters are the task function's own arguments, by name: a misspelt
-- one is refused with the closest name, before the endpoint is touched.
-- Raw body members go in the function's extra argument, which never
-- replaces what enrich sends itself: the input of every task, TGI's
-- "parameters", the chat's "messages" and "stream".  Each raises 22023
-- before any inference request, and nothing is written.
UPDATE reviews SET summary = NULL, embedding = NULL WHERE id = 1;
\! test/fake/hfctl requests-clear
SET client_min_messages = warning;
CALL hfendpoints.enrich('reviews', 'body', 'summary', 'gen', parameters => '{"max_new_token": 5}');
\echo :LAST_ERROR_SQLSTATE
CALL hfendpoints.enrich('reviews', 'body', 'summary', 'gen', parameters => '{"inputs": "INJECTED"}');
CALL hfendpoints.enrich('reviews', 'body', 'summary', 'gen', parameters => '{"max_new_tokens": "5"}');
CALL hfendpoints.enrich('reviews', 'body', 'summary', 'gen', parameters => '{"max_new_tokens": 1.5}');
CALL hfendpoints.enrich('reviews', 'body', 'embedding', 'emb', task => 'feature-extraction',
                        parameters => '{"normalize": true}');
CALL hfendpoints.enrich('reviews', 'body', 'summary', 'gen',
                        parameters => '{"extra_parameters": {"inputs": "INJECTED"}}');
CALL hfendpoints.enrich('reviews', 'body', 'summary', 'gen',
                        parameters => '{"extra_parameters": {"parameters": {"max_new_tokens": 1}}}');
CALL hfendpoints.enrich('reviews', 'body', 'summary', 'gen', task => 'chat',
                        parameters => '{"system": "be brief", "extra": {"messages": []}}');
CALL hfendpoints.enrich('reviews', 'body', 'summary', 'gen', task => 'chat',
                        parameters => '{"extra": {"stream": true}}');
RESET client_min_messages;
\! test/fake/hfctl requests --path /endpoints/ | grep -c '^POST' || true
SELECT summary, embedding FROM reviews WHERE id = 1;
-- the chat body has "stream": false, as the chat functions send it
SET client_min_messages = warning;
CALL hfendpoints.enrich('reviews', 'body', 'summary', 'gen', task => 'chat',
                        parameters => '{"system": "be brief", "max_tokens": 5}');
RESET client_min_messages;
\! test/fake/hfctl last-body --path /endpoints/fake-user/gen
SELECT summary FROM reviews WHERE id = 1;

-- Killing the backend mid-job loses at most the batch in flight; running
-- the job again finishes the table with every row written exactly once.
CREATE TABLE docs (id int PRIMARY KEY, body text, summary text, writes int NOT NULL DEFAULT 0);
INSERT INTO docs (id, body) SELECT g, 'echo:doc ' || g FROM generate_series(1, 200) g;
CREATE FUNCTION count_writes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.summary IS DISTINCT FROM OLD.summary THEN
        NEW.writes := OLD.writes + 1;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER docs_writes BEFORE UPDATE ON docs FOR EACH ROW EXECUTE FUNCTION count_writes();
\! test/fake/hfctl endpoint fake-user/gen '{"state": "running", "latency_ms": 40}'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
RESET client_min_messages;
SELECT dblink_connect('regress_job', 'dbname=' || current_database());
SELECT dblink_exec('regress_job', 'SET hfendpoints.max_concurrency = 4');
SELECT dblink_send_query('regress_job',
    $$CALL hfendpoints.enrich('docs', 'body', 'summary', 'gen', parameters => '{"return_full_text": false}', batch_size => 10)$$);
-- wait for a few committed batches, then kill the job's backend
DO $$
DECLARE
    job int;
BEGIN
    FOR i IN 1..400 LOOP
        EXIT WHEN (SELECT count(*) FROM docs WHERE summary IS NOT NULL) >= 30;
        PERFORM pg_sleep(0.02);
    END LOOP;
    SELECT pid INTO job FROM pg_stat_activity WHERE query LIKE 'CALL hfendpoints.enrich(''docs''%';
    PERFORM pg_terminate_backend(job, 5000);
END
$$;
SELECT dblink_disconnect('regress_job');
SELECT count(*) FILTER (WHERE summary IS NOT NULL) BETWEEN 30 AND 199 AS interrupted_midway FROM docs;
SET client_min_messages = warning;
CALL hfendpoints.enrich('docs', 'body', 'summary', 'gen', parameters => '{"return_full_text": false}', batch_size => 10);
RESET client_min_messages;
SELECT count(*) AS rows, count(*) FILTER (WHERE summary = substr(body, 6)) AS right_summary,
       min(writes) AS min_writes, max(writes) AS max_writes
  FROM docs;
