\i test/include/setup.psql
\set SHOW_CONTEXT never
-- enrich names each row by its key, never by ctid (which moves on update,
-- is reused after VACUUM, changes on VACUUM FULL and repeats across
-- partitions): whatever happens to the table while a job runs, every row
-- ends with the output of its own current input.  Failures are recorded
-- by key and role, tried at most max_attempts runs, and a job with nothing
-- to fill sends no request at all.
SET client_min_messages = warning;
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
CREATE EXTENSION IF NOT EXISTS dblink;
RESET client_min_messages;
\! test/fake/hfctl seed fake-user/gen '{"task": "text-generation"}'
-- every row holds the output of its own input ("echo:x" answers "x")
CREATE FUNCTION pg_temp.wrong_rows(t regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM %s WHERE summary IS DISTINCT FROM substr(body, 6)', t) INTO n;
    RETURN n;
END
$$;

-- 1. The key: the primary key, or key_column (a unique NOT NULL column or a
-- unique index).  A table without one is refused before anything is sent.
CREATE TABLE nokey (body text, summary text);
INSERT INTO nokey VALUES ('echo:a', NULL);
CALL hfendpoints.enrich('nokey', 'body', 'summary', 'gen');
CALL hfendpoints.enrich('nokey', 'body', 'summary', 'gen', key_column => 'body');
CREATE TABLE bycode (code text NOT NULL, body text, summary text);
CREATE UNIQUE INDEX bycode_code ON bycode (code);
INSERT INTO bycode VALUES ('a', 'echo:first', NULL), ('b', 'echo:second', NULL);
SET client_min_messages = warning;
CALL hfendpoints.enrich('bycode', 'body', 'summary', 'gen', key_column => 'code',
                        parameters => '{"return_full_text": false}');
CALL hfendpoints.enrich('bycode', 'body', 'summary', 'gen', key_column => 'bycode_code',
                        parameters => '{"return_full_text": false}');
RESET client_min_messages;
SELECT pg_temp.wrong_rows('bycode') AS wrong_rows;
\! test/fake/hfctl requests-clear

-- 2. While a job runs in another session, this one deletes rows, vacuums,
-- edits others (which may move into the freed slots), inserts new ones and
-- rewrites the table with VACUUM FULL.  An edit clears the output, as
-- keep_enriched's trigger would.  No answer lands on a row whose input
-- changed since it was sent: it is dropped, and the next run fills the row.
CREATE TABLE keyed_docs (id int PRIMARY KEY, body text, summary text);
INSERT INTO keyed_docs SELECT g, 'echo:doc ' || g, NULL FROM generate_series(1, 300) g;
\! test/fake/hfctl endpoint fake-user/gen '{"latency_ms": 30}'
SELECT dblink_connect('regress_job', 'dbname=' || current_database());
SELECT dblink_exec('regress_job', 'SET client_min_messages = warning');
SELECT dblink_send_query('regress_job', $$CALL hfendpoints.enrich('keyed_docs', 'body', 'summary', 'gen',
    parameters => '{"return_full_text": false}', batch_size => 10)$$);
SELECT pg_sleep(0.3);
DELETE FROM keyed_docs WHERE id BETWEEN 250 AND 260;
VACUUM keyed_docs;
UPDATE keyed_docs SET body = 'echo:doc ' || id || ' edited', summary = NULL WHERE id BETWEEN 200 AND 209;
INSERT INTO keyed_docs SELECT g, 'echo:doc ' || g || ' new', NULL FROM generate_series(301, 320) g;
VACUUM FULL keyed_docs;
UPDATE keyed_docs SET body = 'echo:doc ' || id || ' edited again', summary = NULL WHERE id BETWEEN 1 AND 5;
SELECT * FROM dblink_get_result('regress_job') AS t(status text);
SELECT dblink_disconnect('regress_job');
\! test/fake/hfctl endpoint fake-user/gen '{"latency_ms": 0}'
-- rows filled so far hold their own output (or are left for the next run)
SELECT count(*) AS wrong_outputs FROM keyed_docs
 WHERE summary IS NOT NULL AND summary <> substr(body, 6);
SET client_min_messages = warning;
CALL hfendpoints.enrich('keyed_docs', 'body', 'summary', 'gen', parameters => '{"return_full_text": false}');
RESET client_min_messages;
SELECT count(*) AS rows, pg_temp.wrong_rows('keyed_docs') AS wrong_rows FROM keyed_docs;

-- 3. Partitions: ctid repeats across them, keys do not.
CREATE TABLE parted (id int PRIMARY KEY, body text, summary text) PARTITION BY RANGE (id);
CREATE TABLE parted_low PARTITION OF parted FOR VALUES FROM (1) TO (101);
CREATE TABLE parted_high PARTITION OF parted FOR VALUES FROM (101) TO (201);
INSERT INTO parted SELECT g, 'echo:part ' || g, NULL FROM generate_series(1, 105) g;
SET client_min_messages = warning;
CALL hfendpoints.enrich('parted', 'body', 'summary', 'gen', parameters => '{"return_full_text": false}',
                        batch_size => 7);
RESET client_min_messages;
SELECT count(*) AS rows, pg_temp.wrong_rows('parted') AS wrong_rows FROM parted;

-- 4. Inheritance: children do not inherit the parent's key, so rows are
-- named by (child, key), and each child needs a unique key of its own.
CREATE TABLE notes (id int PRIMARY KEY, body text, summary text);
CREATE TABLE notes_child () INHERITS (notes);
INSERT INTO notes SELECT g, 'echo:parent ' || g, NULL FROM generate_series(1, 5) g;
INSERT INTO notes_child SELECT g, 'echo:child ' || g, NULL FROM generate_series(1, 5) g;
CALL hfendpoints.enrich('notes', 'body', 'summary', 'gen');
ALTER TABLE notes_child ADD PRIMARY KEY (id);
SET client_min_messages = warning;
CALL hfendpoints.enrich('notes', 'body', 'summary', 'gen', parameters => '{"return_full_text": false}',
                        batch_size => 3);
RESET client_min_messages;
SELECT tableoid::regclass AS tbl, id, summary FROM notes ORDER BY 1, 2;

-- 5. A row that keeps failing is tried at most max_attempts runs (per
-- role), then skipped; its failure stays, with the attempts counted, until
-- retry_failures() or a new input.
CREATE TABLE flaky (id int PRIMARY KEY, body text, summary text);
INSERT INTO flaky VALUES (1, 'echo:fine', NULL), (2, 'fail:always', NULL);
\! test/fake/hfctl requests-clear
SET client_min_messages = warning;
CALL hfendpoints.enrich('flaky', 'body', 'summary', 'gen', max_attempts => 2);
CALL hfendpoints.enrich('flaky', 'body', 'summary', 'gen', max_attempts => 2);
RESET client_min_messages;
SELECT row_table, row_key, role, input, attempts FROM hfendpoints.enrich_failures;
-- the third run has nothing to do: no request at all
\! test/fake/hfctl requests-clear
CALL hfendpoints.enrich('flaky', 'body', 'summary', 'gen', max_attempts => 2);
\! test/fake/hfctl requests | wc -l
SELECT hfendpoints.retry_failures('flaky', 'summary') AS forgotten;
SET client_min_messages = warning;
CALL hfendpoints.enrich('flaky', 'body', 'summary', 'gen', max_attempts => 2);
RESET client_min_messages;
SELECT attempts FROM hfendpoints.enrich_failures;
-- a new input starts the count again, and a success clears the failure
UPDATE flaky SET body = 'fail:still' WHERE id = 2;
SET client_min_messages = warning;
CALL hfendpoints.enrich('flaky', 'body', 'summary', 'gen', max_attempts => 2);
RESET client_min_messages;
SELECT input, attempts FROM hfendpoints.enrich_failures;
UPDATE flaky SET body = 'echo:fixed' WHERE id = 2;
SET client_min_messages = warning;
CALL hfendpoints.enrich('flaky', 'body', 'summary', 'gen', parameters => '{"return_full_text": false}');
RESET client_min_messages;
SELECT count(*) AS failures_left FROM hfendpoints.enrich_failures;

-- 6. Nothing to fill on a paused endpoint: no request, not even a lookup,
-- and the endpoint stays paused.
\! test/fake/hfctl endpoint fake-user/gen '{"state": "paused"}'
\! test/fake/hfctl requests-clear
CALL hfendpoints.enrich('flaky', 'body', 'summary', 'gen');
\! test/fake/hfctl requests | wc -l
\! test/fake/hfctl state fake-user/gen

-- 7. filter picks the rows to fill, with the caller's rights.
\! test/fake/hfctl endpoint fake-user/gen '{"state": "running"}'
CREATE TABLE picked (id int PRIMARY KEY, lang text, body text, summary text);
INSERT INTO picked VALUES (1, 'en', 'echo:one', NULL), (2, 'fr', 'echo:deux', NULL), (3, 'en', 'echo:three', NULL);
SET client_min_messages = warning;
CALL hfendpoints.enrich('picked', 'body', 'summary', 'gen', parameters => '{"return_full_text": false}',
                        filter => $$lang = 'en'$$);
RESET client_min_messages;
SELECT id, summary FROM picked ORDER BY id;

-- 8. Any JSON task through infer: parameters' "payload" is the request
-- body, "{{input}}" in its strings the row's text; the answer is jsonb.
CREATE TABLE raw_docs (id int PRIMARY KEY, body text, answer jsonb, answer_text text);
INSERT INTO raw_docs VALUES (1, 'echo:one', NULL, NULL), (2, 'echo:two "quoted"', NULL, NULL);
SET client_min_messages = warning;
CALL hfendpoints.enrich('raw_docs', 'body', 'answer', 'gen', task => 'infer',
    parameters => '{"payload": {"inputs": "{{input}}", "parameters": {"return_full_text": false}}}');
CALL hfendpoints.enrich('raw_docs', 'body', 'answer_text', 'gen', task => 'infer',
    parameters => '{"payload": {"inputs": "{{input}}"}, "route": "/"}');
RESET client_min_messages;
SELECT id, answer, answer_text IS NOT NULL AS as_text FROM raw_docs ORDER BY id;
-- the payload is required, and must use the input
CALL hfendpoints.enrich('raw_docs', 'body', 'answer', 'gen', task => 'infer');
CALL hfendpoints.enrich('raw_docs', 'body', 'answer', 'gen', task => 'infer',
    parameters => '{"payload": {"inputs": "always the same"}}');
CALL hfendpoints.enrich('raw_docs', 'body', 'id', 'gen', task => 'infer',
    parameters => '{"payload": {"inputs": "{{input}}"}}');

DROP TABLE nokey, bycode, keyed_docs, parted, notes, raw_docs CASCADE;
DROP TABLE flaky, picked;
