-- hfendpoints loaded without shared_preload_libraries (test/nopreload.sh):
-- the views that need shared memory say how to get it, and everything
-- else works, batch and enrich included (they report no progress then).
\set VERBOSITY default
\i test/include/setup.psql
SHOW shared_preload_libraries;
SET client_min_messages = warning;
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
RESET client_min_messages;
\! test/fake/hfctl seed fake-user/np '{"task": "text-generation"}'

SELECT * FROM hfendpoints.stats;
SELECT * FROM hfendpoints.jobs;
SELECT hfendpoints.stats_reset();

SELECT hfendpoints.text_generation('np', 'echo:still works', return_full_text => false);
SELECT ord, output, error FROM hfendpoints.text_generation_batch('np',
       ARRAY['echo:one', 'fail:two', 'echo:three'], return_full_text => false, on_error => 'null');
CREATE TABLE notes (id int PRIMARY KEY, body text, summary text);
INSERT INTO notes SELECT g, 'echo:note ' || g, NULL FROM generate_series(1, 5) g;
SET client_min_messages = warning;
CALL hfendpoints.enrich('notes', 'body', 'summary', 'np',
                        parameters => '{"return_full_text": false}', batch_size => 2);
RESET client_min_messages;
SELECT id, summary FROM notes ORDER BY id;
