-- Observability: request statistics per endpoint and the progress of
-- running enrich and batch calls, both in shared memory (they need
-- hfendpoints in shared_preload_libraries; without it, reading them raises
-- an error and everything else works).

CREATE FUNCTION @extschema@.stats(
    OUT database name,
    OUT server name,
    OUT endpoint text,
    OUT requests bigint,
    OUT successes bigint,
    OUT client_errors bigint,
    OUT server_errors bigint,
    OUT rate_limited bigint,
    OUT transport_errors bigint,
    OUT timeouts bigint,
    OUT cancels bigint,
    OUT retries bigint,
    OUT cold_starts bigint,
    OUT total_time_ms double precision,
    OUT mean_time_ms double precision,
    OUT max_time_ms double precision,
    OUT bytes_sent bigint,
    OUT bytes_received bigint,
    OUT tokens_generated bigint,
    OUT first_call timestamptz,
    OUT last_call timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'hfendpoints_stats'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.stats() IS
    'HTTP requests sent per database, server and endpoint since the last stats_reset(); see the view hfendpoints.stats';

CREATE VIEW @extschema@.stats AS
    SELECT * FROM @extschema@.stats();
COMMENT ON VIEW @extschema@.stats IS
    'HTTP requests sent per database, server and endpoint: outcomes, retries, time, bytes and tokens';

CREATE FUNCTION @extschema@.stats_reset()
RETURNS void
AS 'MODULE_PATHNAME', 'hfendpoints_stats_reset'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.stats_reset() IS
    'forgets every row of hfendpoints.stats';

CREATE FUNCTION @extschema@.jobs(
    OUT database name,
    OUT pid integer,
    OUT role name,
    OUT job text,
    OUT endpoint text,
    OUT source text,
    OUT state text,
    OUT rows_total bigint,
    OUT rows_done bigint,
    OUT rows_failed bigint,
    OUT rows_per_second double precision,
    OUT started_at timestamptz,
    OUT rows_in_flight bigint,
    OUT eta interval)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'hfendpoints_jobs'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.jobs() IS
    'the enrich and batch calls running now in any session; see the view hfendpoints.jobs';

CREATE VIEW @extschema@.jobs AS
    SELECT * FROM @extschema@.jobs();
COMMENT ON VIEW @extschema@.jobs IS
    'the enrich and batch calls running now in any session, with their progress';

-- enrich reports its progress through these; each acts on the calling
-- backend's own job only.
-- Reading: the role that runs inference, and the monitoring roles.
-- Resetting: the extension's owner (a superuser) only.
REVOKE ALL ON FUNCTION @extschema@.stats(), @extschema@.jobs(), @extschema@.stats_reset()
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.stats(), @extschema@.jobs() TO hfendpoints_user, pg_read_all_stats;
GRANT SELECT ON @extschema@.stats, @extschema@.jobs TO hfendpoints_user, pg_read_all_stats;
