-- Credentials: servers hold the service URLs, user mappings hold tokens.
\i test/include/setup.psql

-- The extension creates the wrapper and no server: the server is the
-- user's (test/include/setup.psql creates it the README's way), so that
-- pg_dump writes it with its options and user mappings (test dump_restore).
SELECT count(*) AS servers_in_extension
  FROM pg_depend
 WHERE classid = 'pg_foreign_server'::regclass AND deptype = 'e';

-- The default server and its options (the test points it at the fake service).
SELECT option_name, regexp_replace(option_value, ':[0-9]+', ':PORT') AS option_value
  FROM pg_foreign_server s, pg_options_to_table(s.srvoptions)
 WHERE s.srvname = 'huggingface';

-- The validator names the option a typo was meant to be.
CREATE SERVER regress_typo FOREIGN DATA WRAPPER hfendpoints OPTIONS (api_ulr 'https://x.test/v2');
CREATE SERVER regress_other FOREIGN DATA WRAPPER hfendpoints OPTIONS (colour 'blue');
-- ... and rejects values that cannot work.
CREATE SERVER regress_bad FOREIGN DATA WRAPPER hfendpoints OPTIONS (api_url 'ftp://x.test/v2');
CREATE SERVER regress_bad FOREIGN DATA WRAPPER hfendpoints OPTIONS (api_url 'not a url');
CREATE SERVER regress_bad FOREIGN DATA WRAPPER hfendpoints OPTIONS (hub_url 'https://user:pw@x.test');
CREATE SERVER regress_bad FOREIGN DATA WRAPPER hfendpoints OPTIONS (allowed_hosts '*.ok.test, bad/host');
CREATE SERVER regress_bad FOREIGN DATA WRAPPER hfendpoints OPTIONS (allowed_hosts ' , ');
CREATE SERVER regress_bad FOREIGN DATA WRAPPER hfendpoints OPTIONS (allow_http 'maybe');
-- Options belong to their object: a token goes in a user mapping, not a server.
CREATE SERVER regress_bad FOREIGN DATA WRAPPER hfendpoints OPTIONS (token 'hf_x');
CREATE SERVER regress_ok FOREIGN DATA WRAPPER hfendpoints
    OPTIONS (api_url 'https://example.test/v2/', allowed_hosts '*.example.test, 127.0.0.1');
CREATE USER MAPPING FOR CURRENT_USER SERVER regress_ok OPTIONS (api_url 'x');
-- A token with a line break would smuggle a header into every request.
CREATE USER MAPPING FOR CURRENT_USER SERVER regress_ok OPTIONS (token E'hf_x\r\nX-Evil: 1');
CREATE USER MAPPING FOR CURRENT_USER SERVER regress_ok OPTIONS (token '');
CREATE USER MAPPING FOR CURRENT_USER SERVER regress_ok OPTIONS (namespace 'a/b');
CREATE USER MAPPING FOR CURRENT_USER SERVER regress_ok OPTIONS (token 'hf_ok', namespace 'fake-org');
DROP SERVER regress_ok CASCADE;

-- hfendpoints.server must name an hfendpoints server.
SET hfendpoints.server = 'regress_missing';
SELECT hfendpoints.whoami();
\echo :LAST_ERROR_SQLSTATE
CREATE FOREIGN DATA WRAPPER regress_other_fdw;
CREATE SERVER regress_foreign FOREIGN DATA WRAPPER regress_other_fdw;
SET hfendpoints.server = 'regress_foreign';
SELECT hfendpoints.whoami();
DROP FOREIGN DATA WRAPPER regress_other_fdw CASCADE;
RESET hfendpoints.server;

-- Without a user mapping, the error says how to create one.
SELECT hfendpoints.whoami();
\echo :LAST_ERROR_SQLSTATE
-- A mapping without a token is not enough either.
CREATE USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (namespace 'fake-org');
SELECT hfendpoints.whoami();
DROP USER MAPPING FOR CURRENT_USER SERVER huggingface;

-- A wrong token is refused by the service: SQLSTATE 28000.
CREATE USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_wrong_token');
SELECT hfendpoints.whoami();
\echo :LAST_ERROR_SQLSTATE
ALTER USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (SET token 'hf_fake_token');
SELECT hfendpoints.whoami() ->> 'name' AS name,
       hfendpoints.whoami() -> 'orgs' -> 0 ->> 'name' AS org;

-- Privileges: a role needs hfendpoints_user to call functions that spend
-- money or change remote state, and USAGE on the server to use it.
CREATE ROLE regress_nobody;
CREATE ROLE regress_caller IN ROLE hfendpoints_user;
SET ROLE regress_nobody;
SELECT hfendpoints.whoami();
CREATE USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_other_token');
RESET ROLE;
SET ROLE regress_caller;
-- hfendpoints_user carries USAGE on the default server
CREATE USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_other_token');
SELECT hfendpoints.whoami() ->> 'name' AS name;
-- one role cannot read another's token
SELECT count(*) FROM pg_user_mappings WHERE usename = 'postgres' AND umoptions IS NOT NULL;
-- nor change the server's URLs or allowlist
ALTER SERVER huggingface OPTIONS (SET allowed_hosts '*');
RESET ROLE;
REVOKE USAGE ON FOREIGN SERVER huggingface FROM hfendpoints_user;
SET ROLE regress_caller;
SELECT hfendpoints.whoami();
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT USAGE ON FOREIGN SERVER huggingface TO hfendpoints_user;
DROP USER MAPPING FOR regress_caller SERVER huggingface;
DROP ROLE regress_caller;
DROP ROLE regress_nobody;
