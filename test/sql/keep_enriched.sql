-- Keeping a column enriched: keep_enriched() puts a trigger on the table,
-- which clears the output when an UPDATE changes the input, and schedules
-- CALL hfendpoints.enrich(...) with pg_cron, which fills what is NULL: new
-- rows and edited ones.  This database is pg_cron's (cron.database_name in
-- test/regress.conf), so the job is scheduled here; from any other
-- database keep_enriched says what to run in this one.
\i test/include/setup.psql
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
CREATE EXTENSION IF NOT EXISTS pg_cron;
RESET client_min_messages;
\! test/fake/hfctl seed fake-user/gen '{"task": "text-generation"}'

-- 1. A table whose summaries come from the model ("echo:x" answers "x"),
-- filled once.
CREATE TABLE articles (id int PRIMARY KEY, body text, summary text);
INSERT INTO articles VALUES (1, 'echo:first', NULL), (2, 'echo:second', NULL), (3, 'echo:third', NULL);
SET client_min_messages = warning;
CALL hfendpoints.enrich('articles', 'body', 'summary', 'gen', parameters => '{"return_full_text": false}');
RESET client_min_messages;

-- 2. Keep it so.  (February 31st never comes: this test runs the job
-- itself, below, rather than wait for pg_cron.)
SELECT hfendpoints.keep_enriched('articles', 'body', 'summary', 'gen',
                                 parameters => '{"return_full_text": false}',
                                 schedule => '0 0 31 2 *');
SELECT source, input_column, output_column, endpoint, task, parameters, key_column, filter,
       schedule, job_name, created_by
  FROM hfendpoints.enrichments;
-- the trigger, and the pg_cron job with enrich's arguments
SELECT tgname, pg_get_triggerdef(oid) AS definition FROM pg_trigger WHERE tgrelid = 'articles'::regclass;
SELECT jobname, schedule, command, database, username, active
  FROM cron.job WHERE jobname LIKE 'hfendpoints: %';

-- 3. Editing an input clears its output, whoever edits (no hfendpoints
-- right is needed); an UPDATE that sets the output too keeps it, and one
-- that leaves the input as it was changes nothing.  New rows come with no
-- output.
CREATE ROLE regress_keep_editor;
GRANT SELECT, UPDATE ON articles TO regress_keep_editor;
SET ROLE regress_keep_editor;
UPDATE articles SET body = 'echo:second, edited' WHERE id = 2;
RESET ROLE;
UPDATE articles SET body = 'echo:third, edited', summary = 'written by hand' WHERE id = 3;
UPDATE articles SET body = body WHERE id = 1;
INSERT INTO articles VALUES (4, 'echo:fourth', NULL);
SELECT id, body, summary FROM articles ORDER BY id;
-- two rows wait for the job; the last run is the first enrich
SELECT source, input_column, output_column, endpoint, task, schedule, backlog,
       finished_at IS NOT NULL AS finished, filled, failed, error
  FROM hfendpoints.enrichment_status;

-- 4. The job's command, run as pg_cron would run it, fills exactly those.
SELECT command AS job_command FROM cron.job WHERE jobname = 'hfendpoints: public.articles.summary' \gset
SET client_min_messages = warning;
:job_command;
RESET client_min_messages;
SELECT id, body, summary FROM articles ORDER BY id;
SELECT output_column, backlog, finished_at IS NOT NULL AS finished, filled, failed, error
  FROM hfendpoints.enrichment_status;

-- 5. Bad arguments are refused before anything is created, with enrich's
-- own checks.
SELECT hfendpoints.keep_enriched('articles', 'body', 'summary', 'gen');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE drafts (id int PRIMARY KEY, body text, summary text, words int);
SELECT hfendpoints.keep_enriched('drafts', 'body', 'body', 'gen');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.keep_enriched('drafts', 'body', 'summary', 'gen', task => 'text-to-image');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.keep_enriched('drafts', 'title', 'summary', 'gen');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.keep_enriched('drafts', 'body', 'words', 'gen');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.keep_enriched('drafts', 'body', 'summary', 'gen', parameters => '{"max_new_token": 5}');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.keep_enriched('drafts', 'body', 'summary', 'gen', filter => $$lang = 'en'$$);
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.keep_enriched('drafts', 'body', 'summary', 'gen', key_column => 'words');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.keep_enriched('drafts', 'body', 'summary', 'gen', schedule => NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS kept FROM hfendpoints.enrichments;

-- 6. drop_enrichment removes the trigger, the job and the row.
SELECT hfendpoints.drop_enrichment('articles', 'summary');
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'articles'::regclass;
SELECT count(*) AS jobs FROM cron.job WHERE jobname LIKE 'hfendpoints: %';
SELECT count(*) AS kept FROM hfendpoints.enrichment_status;
UPDATE articles SET body = 'echo:first, edited' WHERE id = 1;
SELECT id, summary FROM articles WHERE id = 1;
SELECT hfendpoints.drop_enrichment('articles', 'summary');
\echo :LAST_ERROR_SQLSTATE

-- 7. A table with inheritance children: each child gets the trigger too,
-- since an UPDATE fires the triggers of the table that holds the row.
CREATE TABLE posts (id int PRIMARY KEY, body text, summary text);
CREATE TABLE posts_archived (PRIMARY KEY (id)) INHERITS (posts);
INSERT INTO posts_archived VALUES (1, 'echo:child', 'child');
SET client_min_messages = warning;
SELECT hfendpoints.keep_enriched('posts', 'body', 'summary', 'gen', schedule => '0 0 31 2 *');
RESET client_min_messages;
SELECT tgrelid::regclass AS tbl, tgname FROM pg_trigger WHERE tgname LIKE 'hfendpoints_keep_%' ORDER BY 1;
UPDATE posts SET body = 'echo:child, edited';
SELECT tableoid::regclass AS tbl, id, summary FROM posts;
SELECT hfendpoints.drop_enrichment('posts', 'summary');
SELECT count(*) AS triggers FROM pg_trigger WHERE tgname LIKE 'hfendpoints_keep_%';

-- 8. From a database other than pg_cron's, keep_enriched installs the
-- trigger and says what to run in pg_cron's database; so does
-- drop_enrichment.  The job names that database.
CREATE DATABASE regress_keep_elsewhere;
\c regress_keep_elsewhere
SET client_min_messages = warning;
CREATE EXTENSION hfendpoints;
RESET client_min_messages;
CREATE TABLE articles (id int PRIMARY KEY, body text, summary text);
SELECT hfendpoints.keep_enriched('articles', 'body', 'summary', 'gen', schedule => '0 0 31 2 *');
SELECT tgname FROM pg_trigger WHERE tgrelid = 'articles'::regclass;
SELECT job_name, schedule, command FROM hfendpoints.enrichments \gset
\c regression
-- (what the notice's hint says, run in pg_cron's database)
SELECT cron.schedule_in_database(:'job_name', :'schedule', :'command', 'regress_keep_elsewhere') > 0 AS scheduled;
SELECT jobname, database FROM cron.job WHERE jobname LIKE 'hfendpoints: %';
\c regress_keep_elsewhere
SELECT hfendpoints.drop_enrichment('articles', 'summary');
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'articles'::regclass;
\c regression
SELECT cron.unschedule(:'job_name');
DROP DATABASE regress_keep_elsewhere;

DROP TABLE articles, drafts, posts CASCADE;
DROP ROLE regress_keep_editor;
DROP EXTENSION pg_cron;
