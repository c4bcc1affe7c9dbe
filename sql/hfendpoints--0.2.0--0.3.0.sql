-- hfendpoints 0.2.0 -> 0.3.0
\echo Use "ALTER EXTENSION hfendpoints UPDATE TO '0.3.0'" to load this file. \quit

-- (0.3.0 is in development: each change to sql/parts after 0.2.0 is
-- repeated here, and test/sql/upgrade.sql checks that an updated install
-- matches a fresh one object for object.)

-- The extension creates no server any more.  The server 0.2.0 created
-- (huggingface, unless renamed since) was a member of the extension, so
-- pg_dump wrote neither its options nor its user mappings: detach it.  It
-- keeps its options, grants and mappings, and is dumped from now on.
DO $$
DECLARE
    member name;
BEGIN
    FOR member IN
        SELECT s.srvname
          FROM pg_catalog.pg_depend d
          JOIN pg_catalog.pg_foreign_server s ON s.oid = d.objid
         WHERE d.classid = 'pg_catalog.pg_foreign_server'::pg_catalog.regclass
           AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
           AND d.refobjid = (SELECT e.oid FROM pg_catalog.pg_extension e
                              WHERE e.extname = 'hfendpoints')
           AND d.deptype = 'e'
    LOOP
        EXECUTE pg_catalog.format('ALTER EXTENSION hfendpoints DROP SERVER %I', member);
    END LOOP;
END
$$;

-- The database's owner reads every failure row, so that a dump made by the
-- owner (pg_dump --enable-row-security) holds them all.
CREATE POLICY enrich_failures_database_owner ON @extschema@.enrich_failures FOR SELECT
    USING (pg_catalog.pg_has_role(
        (SELECT d.datdba FROM pg_catalog.pg_database d
          WHERE d.datname = pg_catalog.current_database()), 'USAGE'));
COMMENT ON POLICY enrich_failures_database_owner ON @extschema@.enrich_failures IS
    'the database owner reads every failure row, so that its dump holds them all';
