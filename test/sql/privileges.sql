-- Privileges: only members of hfendpoints_user may call what spends money
-- or changes remote state; using a server, or storing a token for it,
-- needs USAGE on it; changing where a server points needs its owner.
-- (credentials has the first example of each; this file checks them all.)
\i test/include/setup.psql
SET client_min_messages = warning;
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
RESET client_min_messages;
\! test/fake/hfctl seed fake-user/tgi
\set tgi_url :fake_url/endpoints/fake-user/tgi
SET regress.tgi_url = :'tgi_url';
CREATE ROLE regress_priv_plain;                          -- no hfendpoints_user
CREATE ROLE regress_priv_user IN ROLE hfendpoints_user;  -- the role an admin grants
CREATE ROLE regress_priv_owner;                          -- will own a server
-- Even with a valid token of its own, a plain role may not spend money.
CREATE USER MAPPING FOR regress_priv_plain SERVER huggingface OPTIONS (token 'hf_fake_token');
CREATE USER MAPPING FOR regress_priv_user SERVER huggingface OPTIONS (token 'hf_fake_token');

--
-- 1. Every routine, checked from the catalog.
--
-- No routine runs with its owner's rights: each call uses the caller's own
-- user mapping, never the extension owner's.
SELECT p.oid::regprocedure AS security_definer
FROM pg_proc p
WHERE p.pronamespace = 'hfendpoints'::regnamespace AND p.prosecdef;
-- The only routines a role without hfendpoints_user may execute.  None of
-- them reaches the service: the validator checks option syntax, and the
-- guard raises inside a transaction block.
SELECT p.oid::regprocedure AS executable_without_hfendpoints_user
FROM pg_proc p
WHERE p.pronamespace = 'hfendpoints'::regnamespace
  AND has_function_privilege('regress_priv_plain', p.oid, 'EXECUTE')
ORDER BY p.oid::regprocedure::text COLLATE "C";
-- ... so every other routine is closed to PUBLIC, including ones added later
-- (this query names any that is not).
SELECT p.oid::regprocedure AS open_to_public
FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) AS a
WHERE p.pronamespace = 'hfendpoints'::regnamespace
  AND a.grantee = 0 AND a.privilege_type = 'EXECUTE'
  AND p.proname NOT IN ('fdw_validator', '_prevent_in_transaction_block');
-- Every function that spends money or changes remote state, by name
-- (each overload): closed to a plain role, open to hfendpoints_user.
SELECT f.name,
       count(p.oid) AS overloads,
       bool_or(has_function_privilege('regress_priv_plain', p.oid, 'EXECUTE')) AS plain_may,
       bool_and(has_function_privilege('regress_priv_user', p.oid, 'EXECUTE')) AS member_may
FROM unnest(ARRAY['whoami', 'create_endpoint', 'get_endpoint', 'list_endpoints',
                  'pause_endpoint', 'resume_endpoint', 'scale_to_zero_endpoint',
                  'update_endpoint', 'delete_endpoint', 'wait_endpoint', 'list_hardware',
                  'text_generation', 'chat_completion', 'chat', 'feature_extraction', 'infer',
                  'text_generation_batch', 'chat_batch', 'feature_extraction_batch',
                  'infer_batch', '_enrich_run', 'enrich', 'keep_enriched', 'drop_enrichment']) AS f(name)
LEFT JOIN pg_proc p ON p.proname = f.name AND p.pronamespace = 'hfendpoints'::regnamespace
GROUP BY f.name
ORDER BY f.name;

--
-- 2. Real calls by a plain role: refused (42501) before any request.
--
CREATE TABLE regress_priv_docs (id int PRIMARY KEY, body text, summary text);
INSERT INTO regress_priv_docs VALUES (1, 'hello', NULL);
GRANT ALL ON regress_priv_docs TO regress_priv_plain, regress_priv_user;
\! test/fake/hfctl requests-clear
SET ROLE regress_priv_plain;
SELECT hfendpoints.whoami();
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.create_endpoint('regress-x', repository => 'gpt2', framework => 'pytorch',
    accelerator => 'cpu', instance_size => 'x2', instance_type => 'intel-icl',
    region => 'us-east-1', vendor => 'aws');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.pause_endpoint('tgi');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.update_endpoint('tgi', min_replica => 0);
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.delete_endpoint('tgi');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM hfendpoints.text_generation_batch('tgi', ARRAY['x']);
\echo :LAST_ERROR_SQLSTATE
CALL hfendpoints._enrich_run('regress_priv_docs', 'summary', 'tgi', 'text-generation', NULL,
    '', '', '', '', '', 1, NULL, 3, 1, true, NULL, NULL, NULL, NULL);
\echo :LAST_ERROR_SQLSTATE
CALL hfendpoints.enrich('regress_priv_docs', 'body', 'summary', 'tgi');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.keep_enriched('regress_priv_docs', 'body', 'summary', 'tgi');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- nothing was sent, and the table is untouched
\! test/fake/hfctl requests
SELECT id, summary FROM regress_priv_docs;

--
-- 3. USAGE on the server: needed to use it, and to store a token for it.
--
CREATE SERVER regress_priv_srv FOREIGN DATA WRAPPER hfendpoints
    OPTIONS (api_url :'api_url', hub_url :'fake_url', allowed_hosts '127.0.0.1', allow_http 'true');
SET ROLE regress_priv_user;
-- no USAGE: no mapping of one's own ...
CREATE USER MAPPING FOR CURRENT_USER SERVER regress_priv_srv OPTIONS (token 'hf_priv_token');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- ... and a mapping made for the role by the server's owner is no use either
CREATE USER MAPPING FOR regress_priv_user SERVER regress_priv_srv OPTIONS (token 'hf_fake_token');
SET ROLE regress_priv_user;
SET hfendpoints.server = 'regress_priv_srv';
SELECT hfendpoints.whoami();
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.get_endpoint('tgi');
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
-- a direct URL needs no token, but still the server: its rules decide
SELECT hfendpoints.text_generation(current_setting('regress.tgi_url', true), 'x');
\echo :LAST_ERROR_SQLSTATE
-- without USAGE the role cannot even see the options of its own mapping
SELECT srvname, usename, umoptions FROM pg_user_mappings WHERE srvname = 'regress_priv_srv';
RESET ROLE;
\! test/fake/hfctl requests
-- With USAGE it works; once USAGE is revoked it stops at once, warm
-- per-session caches notwithstanding.
GRANT USAGE ON FOREIGN SERVER regress_priv_srv TO regress_priv_user;
SET ROLE regress_priv_user;
SELECT hfendpoints.whoami() ->> 'name' AS whoami;
SELECT hfendpoints.text_generation('tgi', 'echo:with usage', return_full_text => false) AS generated;
RESET ROLE;
REVOKE USAGE ON FOREIGN SERVER regress_priv_srv FROM regress_priv_user;
\! test/fake/hfctl requests-clear
SET ROLE regress_priv_user;
SELECT hfendpoints.whoami();
\echo :LAST_ERROR_SQLSTATE
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
\! test/fake/hfctl requests
RESET hfendpoints.server;

--
-- 4. Where a server points is its owner's business.
--
-- A role with USAGE (even WITH GRANT OPTION) may change nothing about the
-- server: not its URLs, not its allowlist, not its scheme rule.
GRANT USAGE ON FOREIGN SERVER regress_priv_srv TO regress_priv_user WITH GRANT OPTION;
SET ROLE regress_priv_user;
DO $$
DECLARE
    stmt text;
    srv text;
    state text;
BEGIN
    FOREACH stmt IN ARRAY ARRAY[
        'ALTER SERVER %s OPTIONS (SET api_url ''http://127.0.0.1:1/v2'')',
        'ALTER SERVER %s OPTIONS (SET hub_url ''http://127.0.0.1:1'')',
        'ALTER SERVER %s OPTIONS (SET allowed_hosts ''*'')',
        'ALTER SERVER %s OPTIONS (SET allow_http ''false'')',
        'ALTER SERVER %s OPTIONS (DROP allowed_hosts)',
        'ALTER SERVER %s OWNER TO regress_priv_user',
        'ALTER SERVER %s RENAME TO regress_priv_renamed',
        'DROP SERVER %s CASCADE']
    LOOP
        FOREACH srv IN ARRAY ARRAY['huggingface', 'regress_priv_srv'] LOOP
            BEGIN
                EXECUTE format(stmt, srv);
                RAISE NOTICE '%: allowed', format(stmt, srv);
            EXCEPTION WHEN OTHERS THEN
                GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE;
                RAISE NOTICE '%: % %', format(stmt, srv), state, SQLERRM;
            END;
        END LOOP;
    END LOOP;
END
$$;
-- nor make a server of its own: that needs USAGE on the wrapper
CREATE SERVER regress_priv_mine FOREIGN DATA WRAPPER hfendpoints OPTIONS (api_url 'http://127.0.0.1:1/v2');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- The options are unchanged.
SELECT srvname, option_name, replace(option_value, :'fake_url', 'http://127.0.0.1:PORT') AS option_value
FROM pg_foreign_server s, pg_options_to_table(s.srvoptions)
WHERE srvname IN ('huggingface', 'regress_priv_srv')
ORDER BY srvname, option_name;
-- The owner, even one who is not a superuser, may change them ...
GRANT USAGE ON FOREIGN DATA WRAPPER hfendpoints TO regress_priv_owner;
ALTER SERVER regress_priv_srv OWNER TO regress_priv_owner;
SET ROLE regress_priv_owner;
ALTER SERVER regress_priv_srv OPTIONS (SET allowed_hosts '*.endpoints.huggingface.cloud');
-- ... which is why the owner is trusted: but even the owner cannot read the
-- tokens of the roles that use the server.
SELECT usename, umoptions FROM pg_user_mappings WHERE srvname = 'regress_priv_srv';
RESET ROLE;
-- The owner's change is in force for the next call of every user.
GRANT USAGE ON FOREIGN SERVER regress_priv_srv TO regress_priv_user;
SET ROLE regress_priv_user;
SET hfendpoints.server = 'regress_priv_srv';
SELECT hfendpoints.text_generation('tgi', 'x');
\echo :LAST_ERROR_SQLSTATE
RESET hfendpoints.server;
RESET ROLE;

--
-- 5. enrich's failure log: each role sees and clears only its own rows
-- (they hold input text).
--
SET ROLE regress_priv_user;
INSERT INTO regress_priv_docs VALUES (2, 'fail:private input of regress_priv_user', NULL);
SET client_min_messages = warning;
CALL hfendpoints.enrich('regress_priv_docs', 'body', 'summary', 'tgi', parameters => '{"max_new_tokens": 2}');
RESET client_min_messages;
SELECT row_key, input, role FROM hfendpoints.enrich_failures;
RESET ROLE;
GRANT hfendpoints_user TO regress_priv_plain;
SET ROLE regress_priv_plain;
SELECT count(*) AS others_failures_seen FROM hfendpoints.enrich_failures;
DELETE FROM hfendpoints.enrich_failures;
INSERT INTO hfendpoints.enrich_failures (source, output_column, row_table, row_key, input, error, role)
VALUES ('regress_priv_docs', 'summary', 'regress_priv_docs', '{"id": 2}', 'forged', 'forged', 'regress_priv_user');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT count(*) AS failures_left FROM hfendpoints.enrich_failures;

-- Clean up.
DELETE FROM hfendpoints.enrich_failures;
DROP TABLE regress_priv_docs;
DROP SERVER regress_priv_srv CASCADE;
REVOKE USAGE ON FOREIGN DATA WRAPPER hfendpoints FROM regress_priv_owner;
DROP USER MAPPING FOR regress_priv_plain SERVER huggingface;
DROP USER MAPPING FOR regress_priv_user SERVER huggingface;
DROP ROLE regress_priv_plain;
DROP ROLE regress_priv_user;
DROP ROLE regress_priv_owner;
