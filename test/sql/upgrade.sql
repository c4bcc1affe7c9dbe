-- Upgrades: install the released 0.1.0, use it, ALTER EXTENSION ... UPDATE
-- (through every release since),
-- and check that the data survived, that the functions work, and that the
-- updated extension is object for object the same as a fresh install.
\getenv fake_url HF_FAKE_URL
\set api_url :fake_url/v2
CREATE DATABASE regress_upgraded;
CREATE DATABASE regress_fresh;
\c regress_fresh
CREATE EXTENSION hfendpoints;
\c regress_upgraded
CREATE EXTENSION hfendpoints VERSION '0.1.0';
SELECT extversion FROM pg_extension WHERE extname = 'hfendpoints';
ALTER SERVER huggingface OPTIONS (SET api_url :'api_url', SET hub_url :'fake_url',
    SET allowed_hosts '127.0.0.1', SET allow_http 'true');
\! test/fake/hfctl reset
\! test/fake/hfctl seed fake-user/upgrade-me '{"task": "text-generation"}'
CREATE USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
CREATE TABLE notes (id int PRIMARY KEY, body text, summary text);
INSERT INTO notes VALUES (1, 'echo:kept', NULL), (2, 'fail:x', NULL);
SET client_min_messages = warning;
CALL hfendpoints.enrich('notes', 'body', 'summary', 'upgrade-me',
                        parameters => '{"return_full_text": false}');
RESET client_min_messages;

ALTER EXTENSION hfendpoints UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'hfendpoints';

-- the data and the settings survived
SELECT id, summary FROM notes ORDER BY id;
-- ... but failures recorded by ctid (before 0.3.0) cannot be mapped to
-- keys: the update dropped them, with a warning, and the next run tries
-- those rows again
SELECT input FROM hfendpoints.enrich_failures;
SELECT option_name FROM pg_foreign_server s, pg_options_to_table(s.srvoptions)
 WHERE s.srvname = 'huggingface' ORDER BY 1;
SELECT count(*) AS mappings FROM pg_user_mappings WHERE srvname = 'huggingface';
-- ... and the server the old script created is the user's now: no longer a
-- member of the extension, so that pg_dump writes it (test dump_restore)
SELECT count(*) AS servers_in_extension
  FROM pg_depend
 WHERE classid = 'pg_foreign_server'::regclass AND deptype = 'e';
-- the functions work
SELECT name, status FROM hfendpoints.get_endpoint('upgrade-me');
SELECT hfendpoints.text_generation('upgrade-me', 'echo:after the update', return_full_text => false);

-- the same objects, defined the same way, as in a fresh install
CREATE EXTENSION IF NOT EXISTS dblink;
\set objects_query 'SELECT pg_describe_object(d.classid, d.objid, 0) AS object, CASE d.classid WHEN ''pg_proc''::regclass THEN pg_get_functiondef(d.objid) WHEN ''pg_class''::regclass THEN (SELECT string_agg(a.attname || '' '' || format_type(a.atttypid, a.atttypmod), '', '' ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = d.objid AND a.attnum > 0 AND NOT a.attisdropped) || coalesce('' view: '' || pg_get_viewdef(d.objid), '''') WHEN ''pg_type''::regclass THEN format_type(d.objid, NULL) ELSE '''' END AS definition FROM pg_depend d WHERE d.refclassid = ''pg_extension''::regclass AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = ''hfendpoints'') AND d.deptype = ''e'''
CREATE TEMP VIEW extension_objects AS :objects_query;
CREATE TEMP TABLE fresh AS
SELECT * FROM dblink('dbname=regress_fresh', :'objects_query') AS t(object text, definition text);
SELECT count(*) > 0 AS has_objects FROM fresh;
-- objects only in the updated database, then only in the fresh one: none
(SELECT object FROM extension_objects EXCEPT SELECT object FROM fresh) ORDER BY 1;
(SELECT object FROM fresh EXCEPT SELECT object FROM extension_objects) ORDER BY 1;
-- objects defined differently: none
SELECT u.object FROM extension_objects u JOIN fresh f USING (object)
 WHERE u.definition IS DISTINCT FROM f.definition ORDER BY 1;
-- the same row security policies (they are not members of the extension)
\set policies_query 'SELECT polname::text, pg_get_expr(polqual, polrelid) AS qual FROM pg_policy WHERE polrelid = ''hfendpoints.enrich_failures''::regclass'
SELECT count(*) AS policies FROM pg_policy
 WHERE polrelid = 'hfendpoints.enrich_failures'::regclass;
(SELECT polname::text, pg_get_expr(polqual, polrelid) FROM pg_policy
  WHERE polrelid = 'hfendpoints.enrich_failures'::regclass
 EXCEPT SELECT * FROM dblink('dbname=regress_fresh', :'policies_query') AS t(polname text, qual text))
UNION ALL
(SELECT * FROM dblink('dbname=regress_fresh', :'policies_query') AS t(polname text, qual text)
 EXCEPT SELECT polname::text, pg_get_expr(polqual, polrelid) FROM pg_policy
  WHERE polrelid = 'hfendpoints.enrich_failures'::regclass);

\c regression
DROP DATABASE regress_upgraded;
DROP DATABASE regress_fresh;
