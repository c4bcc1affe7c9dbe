-- Dump and restore keep everything a user configures: servers with their
-- options, owners and grants, user mappings with their tokens, the rows
-- enrich could not fill, and the columns kept enriched with their
-- triggers.  test/dump_restore.sh runs pg_dump and the restore; the
-- comparisons run here, through dblink, as the superuser.
\i test/include/setup.psql
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
RESET client_min_messages;
\! test/fake/hfctl seed fake-user/dumped '{"task": "text-generation"}'

-- regress_settings(db): every server, user mapping, failure row and kept
-- column (with the triggers of its table) of database db, one line each.
-- Tokens appear as a digest, ports as PORT.
CREATE FUNCTION regress_settings(db text) RETURNS SETOF text LANGUAGE sql AS $$
SELECT line FROM dblink('dbname=' || db, $q$
    WITH masked AS (
        SELECT o, CASE WHEN o LIKE 'token=%' THEN 'token=<md5 ' || left(md5(substr(o, 7)), 8) || '>'
                       ELSE regexp_replace(o, ':[0-9]+', ':PORT', 'g') END AS m
          FROM (SELECT unnest(srvoptions) FROM pg_foreign_server
                UNION SELECT unnest(umoptions) FROM pg_user_mappings) AS t(o))
    SELECT format('server %s owner %s options (%s) grants %s', s.srvname,
                  pg_get_userbyid(s.srvowner),
                  (SELECT string_agg(m, ', ' ORDER BY m) FROM masked WHERE o = ANY (s.srvoptions)),
                  coalesce(s.srvacl::text, '(default)'))
      FROM pg_foreign_server s
    UNION ALL
    SELECT format('user mapping for %s on %s options (%s)', u.usename, u.srvname,
                  coalesce((SELECT string_agg(m, ', ' ORDER BY m) FROM masked
                             WHERE o = ANY (u.umoptions)), 'none'))
      FROM pg_user_mappings u
    UNION ALL
    SELECT format('failure of %s on %s.%s: %s (%s)', f.role, f.source, f.output_column,
                  f.input, f.error)
      FROM hfendpoints.enrich_failures f
    UNION ALL
    SELECT format('%s.%s kept enriched from %s by %s at %s as %s, job %s, triggers %s', e.source,
                  e.output_column, e.input_column, e.endpoint, e.schedule, e.created_by, e.job_name,
                  (SELECT string_agg(g.tgname, ', ' ORDER BY g.tgname) FROM pg_trigger g
                    WHERE g.tgrelid = e.source AND NOT g.tgisinternal))
      FROM hfendpoints.enrichments e
$q$) AS t(line text)
$$;

-- A database set up the README's way, owned by a role that is not a
-- superuser: the default server and a second one that the owner owns,
-- mappings for three roles and for PUBLIC, failure rows of three roles.
CREATE ROLE regress_dump_owner LOGIN;
CREATE ROLE regress_dump_other LOGIN;
GRANT hfendpoints_user TO regress_dump_owner, regress_dump_other;
CREATE DATABASE regress_dump_source OWNER regress_dump_owner;
\c regress_dump_source
CREATE EXTENSION hfendpoints;
CREATE SERVER huggingface FOREIGN DATA WRAPPER hfendpoints
    OPTIONS (api_url :'api_url', hub_url :'fake_url', allowed_hosts '127.0.0.1', allow_http 'true');
GRANT USAGE ON FOREIGN SERVER huggingface TO hfendpoints_user;
CREATE USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
CREATE USER MAPPING FOR regress_dump_owner SERVER huggingface
    OPTIONS (token 'hf_fake_token', namespace 'fake-user');
CREATE USER MAPPING FOR regress_dump_other SERVER huggingface OPTIONS (token 'hf_fake_token');
GRANT USAGE ON FOREIGN DATA WRAPPER hfendpoints TO regress_dump_owner;
SET ROLE regress_dump_owner;
CREATE SERVER regress_dump_second FOREIGN DATA WRAPPER hfendpoints
    OPTIONS (allowed_hosts '*.example.test');
CREATE USER MAPPING FOR PUBLIC SERVER regress_dump_second OPTIONS (namespace 'fake-org');
CREATE TABLE notes (id int PRIMARY KEY, body text, summary text);
GRANT SELECT, UPDATE ON notes TO regress_dump_other;
INSERT INTO notes VALUES (1, 'echo:kept', NULL), (2, 'fail:always', NULL);
RESET ROLE;
SET client_min_messages = warning;
CALL hfendpoints.enrich('notes', 'body', 'summary', 'dumped',
                        parameters => '{"return_full_text": false}');
SET ROLE regress_dump_owner;
CALL hfendpoints.enrich('notes', 'body', 'summary', 'dumped');
SET ROLE regress_dump_other;
CALL hfendpoints.enrich('notes', 'body', 'summary', 'dumped');
-- (no pg_cron in this database: the job would be scheduled from pg_cron's)
SET ROLE regress_dump_owner;
SELECT hfendpoints.keep_enriched('notes', 'body', 'summary', 'dumped', schedule => '0 3 * * *');
RESET ROLE;
RESET client_min_messages;
\c regression
SELECT * FROM regress_settings('regress_dump_source') ORDER BY 1;

-- A superuser's dump, restored by a superuser: everything, tokens included.
\! test/dump_restore.sh regress_dump_source regress_dump_copy
(SELECT * FROM regress_settings('regress_dump_source')
 EXCEPT SELECT * FROM regress_settings('regress_dump_copy')) ORDER BY 1;
(SELECT * FROM regress_settings('regress_dump_copy')
 EXCEPT SELECT * FROM regress_settings('regress_dump_source')) ORDER BY 1;
\c regress_dump_copy
SELECT hfendpoints.whoami() ->> 'name' AS whoami;
SELECT id, summary FROM notes ORDER BY id;
-- Servers depend on the extension's wrapper, the triggers of kept columns
-- on its trigger function: dropping the extension needs CASCADE, which
-- drops the servers and their mappings, and those triggers, too.
DROP EXTENSION hfendpoints;
DROP EXTENSION hfendpoints CASCADE;
SELECT count(*) AS servers FROM pg_foreign_server;
\c regression

-- The owner's dump.  Without --enable-row-security, pg_dump refuses the
-- failures table, whose row security the owner cannot bypass:
\! test/dump_restore.sh regress_dump_source regress_dump_refused regress_dump_owner
-- with it, the owner sees (and dumps) every failure row, and the options of
-- its own mappings and of PUBLIC mappings on servers it owns; others'
-- mappings come back without options (pg_user_mappings hides them).
\! test/dump_restore.sh regress_dump_source regress_dump_owner_copy regress_dump_owner --enable-row-security
(SELECT * FROM regress_settings('regress_dump_source')
 EXCEPT SELECT * FROM regress_settings('regress_dump_owner_copy')) ORDER BY 1;
(SELECT * FROM regress_settings('regress_dump_owner_copy')
 EXCEPT SELECT * FROM regress_settings('regress_dump_source')) ORDER BY 1;
\c regress_dump_owner_copy
SET ROLE regress_dump_owner;
SELECT hfendpoints.whoami() ->> 'name' AS whoami;
RESET ROLE;
-- the superuser's token was not in the owner's dump
SELECT hfendpoints.whoami();
\c regression

-- An install upgraded from 0.2.0, whose server the extension script had
-- created: the update detaches it, so it is dumped with its options,
-- grants and mappings.
CREATE DATABASE regress_dump_upgraded;
\c regress_dump_upgraded
CREATE EXTENSION hfendpoints VERSION '0.2.0';
ALTER SERVER huggingface OPTIONS (SET api_url :'api_url', SET hub_url :'fake_url',
    SET allowed_hosts '127.0.0.1', SET allow_http 'true');
CREATE USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
ALTER EXTENSION hfendpoints UPDATE;
SELECT count(*) AS servers_in_extension
  FROM pg_depend
 WHERE classid = 'pg_foreign_server'::regclass AND deptype = 'e';
\c regression
\! test/dump_restore.sh regress_dump_upgraded regress_dump_upgraded_copy
SELECT * FROM regress_settings('regress_dump_upgraded_copy') ORDER BY 1;
(SELECT * FROM regress_settings('regress_dump_upgraded')
 EXCEPT SELECT * FROM regress_settings('regress_dump_upgraded_copy')) ORDER BY 1;
\c regress_dump_upgraded_copy
SELECT hfendpoints.whoami() ->> 'name' AS whoami;
\c regression

DROP DATABASE regress_dump_source;
DROP DATABASE regress_dump_copy;
DROP DATABASE IF EXISTS regress_dump_refused;
DROP DATABASE regress_dump_owner_copy;
DROP DATABASE regress_dump_upgraded;
DROP DATABASE regress_dump_upgraded_copy;
DROP FUNCTION regress_settings(text);
DROP ROLE regress_dump_owner;
DROP ROLE regress_dump_other;
