-- Cancelling: statement_timeout and pg_cancel_backend stop a request in
-- flight at once with SQLSTATE 57014, and the next call in the same
-- session works.
\i test/include/setup.psql
SET client_min_messages = warning;
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
RESET client_min_messages;

-- A server that accepts and never answers, and a statement_timeout.
\! test/fake/hfctl fault '{"path":"/v2/endpoint/fake-user/hung","count":1,"action":"hang"}'
SET statement_timeout = '300ms';
SELECT hfendpoints.get_endpoint('hung');
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;

-- The same backend goes on working.
SELECT hfendpoints.whoami() ->> 'name' AS name;

-- A slow response, cancelled from another session.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
RESET client_min_messages;
SELECT dblink_connect('regress_bg', 'dbname=' || current_database());
\! test/fake/hfctl fault '{"path":"/v2/endpoint/fake-user/slow","count":1,"action":"hang"}'
SELECT dblink_send_query('regress_bg', 'SELECT hfendpoints.get_endpoint(''slow'')');
-- wait until the request has reached the fake (it is in flight, held
-- there by the fault), then cancel it
\! for i in $(seq 300); do test/fake/hfctl requests --path /v2/endpoint/fake-user/slow | grep -q slow && break; sleep 0.1; done
SELECT pg_cancel_backend(pid) AS cancelled FROM pg_stat_activity
 WHERE query LIKE '%get_endpoint(''slow'')%' AND pid <> pg_backend_pid();
SELECT * FROM dblink_get_result('regress_bg', false) AS t(e hfendpoints.endpoint);
SELECT * FROM dblink_get_result('regress_bg', false) AS t(e hfendpoints.endpoint);
-- the other session works again too
SELECT * FROM dblink('regress_bg', 'SELECT hfendpoints.whoami() ->> ''name''') AS t(name text);
SELECT dblink_disconnect('regress_bg');
