-- A nightly enrichment job with pg_cron: schedule CALL hfendpoints.enrich(),
-- let it run, and find the table enriched and the endpoint paused.
\i test/include/setup.psql
SET client_min_messages = warning;
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
RESET client_min_messages;
\! test/fake/hfctl seed fake-user/nightly '{"task": "text-generation"}'
CREATE EXTENSION IF NOT EXISTS pg_cron;

CREATE TABLE notes (id int PRIMARY KEY, body text, summary text);
INSERT INTO notes (id, body) SELECT g, 'echo:note ' || g FROM generate_series(1, 50) g;

-- pg_cron 1.4 schedules by the minute: '* * * * *' runs within a minute.
SELECT cron.schedule('regress-enrich', '* * * * *',
    $$CALL hfendpoints.enrich('public.notes', 'body', 'summary', 'nightly',
                              parameters => '{"return_full_text": false}',
                              batch_size => 20, pause_after => 'pause')$$) > 0 AS scheduled;

-- wait for the first run to finish (at most two minutes)
DO $$
BEGIN
    FOR i IN 1..240 LOOP
        EXIT WHEN EXISTS (SELECT 1 FROM cron.job_run_details d JOIN cron.job j USING (jobid)
                           WHERE j.jobname = 'regress-enrich' AND d.status IN ('succeeded', 'failed'));
        PERFORM pg_sleep(0.5);
    END LOOP;
END
$$;
SELECT d.status, d.return_message
  FROM cron.job_run_details d JOIN cron.job j USING (jobid)
 WHERE j.jobname = 'regress-enrich'
 ORDER BY d.runid LIMIT 1;
SELECT cron.unschedule('regress-enrich');
SELECT count(*) AS rows, count(*) FILTER (WHERE summary = substr(body, 6)) AS enriched FROM notes;
\! test/fake/hfctl state fake-user/nightly
