-- hfendpoints 0.1.0 -> 0.2.0
\echo Use "ALTER EXTENSION hfendpoints UPDATE TO '0.2.0'" to load this file. \quit

-- (0.2.0 is in development: each change to sql/parts after 0.1.0 is
-- repeated here, and test/sql/upgrade.sql checks that an updated 0.1.0
-- matches a fresh 0.2.0 object for object.)

-- New in 0.2.0: sql/parts/50_stats.sql.

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
    OUT started_at timestamptz)
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
CREATE FUNCTION @extschema@._job_begin(job text, endpoint text, source text DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'hfendpoints_job_begin'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@._job_begin(text, text, text) IS
    'internal: shows a job of this backend in hfendpoints.jobs';

CREATE FUNCTION @extschema@._job_progress(total bigint DEFAULT NULL, done bigint DEFAULT NULL,
                                          failed bigint DEFAULT NULL, state text DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'hfendpoints_job_progress'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@._job_progress(bigint, bigint, bigint, text) IS
    'internal: updates the row counts or the state of this backend''s job; NULL leaves a field as it is';

CREATE FUNCTION @extschema@._job_end()
RETURNS void
AS 'MODULE_PATHNAME', 'hfendpoints_job_end'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@._job_end() IS
    'internal: removes this backend''s job from hfendpoints.jobs';

-- Reading: the role that runs inference, and the monitoring roles.
-- Resetting: the extension's owner (a superuser) only.
REVOKE ALL ON FUNCTION @extschema@.stats(), @extschema@.jobs(), @extschema@.stats_reset(),
    @extschema@._job_begin(text, text, text),
    @extschema@._job_progress(bigint, bigint, bigint, text),
    @extschema@._job_end()
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.stats(), @extschema@.jobs() TO hfendpoints_user, pg_read_all_stats;
GRANT SELECT ON @extschema@.stats, @extschema@.jobs TO hfendpoints_user, pg_read_all_stats;
GRANT EXECUTE ON FUNCTION @extschema@._job_begin(text, text, text),
    @extschema@._job_progress(bigint, bigint, bigint, text),
    @extschema@._job_end()
TO hfendpoints_user;

-- Changed in 0.2.0 (sql/parts/40_enrich.sql): enrich reports its progress
-- in hfendpoints.jobs.  Its comment and privileges stay as they are.
CREATE OR REPLACE PROCEDURE @extschema@.enrich(
    source          regclass,
    input_column    text,
    output_column   text,
    endpoint        text,
    task            text    DEFAULT 'text-generation',
    parameters      jsonb   DEFAULT NULL,
    batch_size      integer DEFAULT 100,
    max_rows        bigint  DEFAULT NULL,
    resume_endpoint boolean DEFAULT true,
    pause_after     text    DEFAULT NULL)
LANGUAGE plpgsql
AS $enrich$
DECLARE
    is_url      boolean := endpoint OPERATOR(pg_catalog.~*) '^[a-z][a-z0-9+.-]*://';
    ep_name     text;
    ep_ns       text;
    ep          @extschema@.endpoint;
    out_type    regtype;
    total       bigint;
    done        bigint := 0;
    failed      bigint := 0;
    started     timestamptz := pg_catalog.clock_timestamp();
    elapsed     float8;
    rate        float8;
    ids         tid[] := '{}';
    inputs      text[] := '{}';
    batch       record;
    rec         record;
BEGIN
    -- (no SET clause on this procedure: it would forbid the COMMITs below)
    PERFORM @extschema@._prevent_in_transaction_block('CALL hfendpoints.enrich()');

    -- Check every argument before touching the endpoint or the table.
    IF source IS NULL OR input_column IS NULL OR output_column IS NULL OR endpoint IS NULL THEN
        RAISE EXCEPTION 'source, input_column, output_column and endpoint must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF task IS NULL OR task NOT IN ('text-generation', 'chat', 'feature-extraction') THEN
        RAISE EXCEPTION 'unsupported enrich task "%"', task
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use ''text-generation'', ''chat'' or ''feature-extraction''.';
    END IF;
    IF batch_size IS NULL OR batch_size < 1 OR batch_size > 10000 THEN
        RAISE EXCEPTION 'batch_size must be between 1 and 10000'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF max_rows < 0 THEN
        RAISE EXCEPTION 'max_rows must not be negative'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF pause_after IS NOT NULL AND pause_after NOT IN ('pause', 'scale_to_zero') THEN
        RAISE EXCEPTION 'invalid pause_after "%"', pause_after
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use ''pause'', ''scale_to_zero'' or NULL.';
    END IF;
    IF is_url AND pause_after IS NOT NULL THEN
        RAISE EXCEPTION 'pause_after needs an endpoint name, not a URL'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'There is no endpoint to pause behind a URL; pass the endpoint''s name.';
    END IF;

    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = source AND a.attname = input_column
                      AND a.attnum > 0 AND NOT a.attisdropped) THEN
        RAISE EXCEPTION 'column "%" of relation % does not exist', input_column, source
            USING ERRCODE = 'undefined_column';
    END IF;
    SELECT a.atttypid INTO out_type FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = source AND a.attname = output_column AND a.attnum > 0
       AND NOT a.attisdropped AND a.attgenerated = '';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'column "%" of relation % does not exist or is generated', output_column, source
            USING ERRCODE = 'undefined_column';
    END IF;
    IF task = 'feature-extraction' THEN
        -- real[] or any type real[] can be assigned to, such as pgvector's vector
        IF out_type <> 'real[]'::regtype AND NOT EXISTS (
               SELECT 1 FROM pg_catalog.pg_cast
                WHERE castsource = 'real[]'::regtype AND casttarget = out_type
                  AND castcontext IN ('a', 'i')) THEN
            RAISE EXCEPTION 'column "%" has type %, but task % writes real[]', output_column, out_type, task
                USING ERRCODE = 'datatype_mismatch',
                      HINT = 'Use a real[] column, or a type with an assignment cast from real[] such as pgvector''s vector.';
        END IF;
    ELSIF out_type NOT IN ('text'::regtype, 'character varying'::regtype) THEN
        RAISE EXCEPTION 'column "%" has type %, but task % writes text', output_column, out_type, task
            USING ERRCODE = 'datatype_mismatch',
                  HINT = 'Use a text or varchar column.';
    END IF;

    -- From here on the job shows in hfendpoints.jobs, until it ends or fails.
    PERFORM @extschema@._job_begin('enrich', endpoint, source::text);

    -- Bring the endpoint up if it sleeps.
    IF NOT is_url THEN
        IF pg_catalog.strpos(endpoint, '/') > 0 THEN
            ep_ns := pg_catalog.split_part(endpoint, '/', 1);
            ep_name := pg_catalog.split_part(endpoint, '/', 2);
        ELSE
            ep_name := endpoint;
        END IF;
        IF resume_endpoint THEN
            ep := @extschema@.get_endpoint(ep_name, ep_ns);
            IF ep.status IN ('paused', 'scaledToZero') THEN
                PERFORM @extschema@._job_progress(state => 'waiting for endpoint');
                RAISE NOTICE 'enrich: endpoint "%" is %, resuming it', ep_name, ep.status;
                PERFORM @extschema@.resume_endpoint(ep_name, ep_ns, running_ok => true);
            END IF;
            IF ep.status <> 'running' THEN
                PERFORM @extschema@._job_progress(state => 'waiting for endpoint');
                RAISE NOTICE 'enrich: waiting for endpoint "%" to be running', ep_name;
                PERFORM @extschema@.wait_endpoint(ep_name, ep_ns,
                    timeout => pg_catalog.current_setting('hfendpoints.cold_start_timeout')::interval,
                    refresh_every => interval '1 second');
            END IF;
        END IF;
    END IF;

    EXECUTE pg_catalog.format('SELECT pg_catalog.count(*) FROM %s WHERE %I IS NULL AND %I IS NOT NULL',
                              source, output_column, input_column) INTO total;
    IF max_rows IS NOT NULL THEN
        total := LEAST(total, max_rows);
    END IF;
    DELETE FROM @extschema@.enrich_failures f
     WHERE f.source = enrich.source AND f.output_column = enrich.output_column;
    RAISE NOTICE 'enrich: % rows of % to fill', total, source;
    PERFORM @extschema@._job_progress(total => total, done => 0, failed => 0, state => 'running');
    COMMIT;

    -- A cursor loop survives COMMIT: PL/pgSQL makes its cursor holdable.
    FOR rec IN EXECUTE pg_catalog.format(
        'SELECT ctid AS id, %I::text AS input FROM %s WHERE %I IS NULL AND %I IS NOT NULL',
        input_column, source, output_column, input_column)
    LOOP
        EXIT WHEN max_rows IS NOT NULL AND done + failed + pg_catalog.cardinality(ids) >= max_rows;
        ids := ids || rec.id;
        inputs := inputs || rec.input;
        CONTINUE WHEN pg_catalog.cardinality(ids) < batch_size;

        batch := @extschema@._enrich_apply(source, input_column, output_column, task,
                                           endpoint, parameters, ids, inputs);
        COMMIT;
        done := done + batch.filled;
        failed := failed + batch.failed;
        PERFORM @extschema@._job_progress(done => done, failed => failed);
        ids := '{}';
        inputs := '{}';
        elapsed := extract(epoch FROM pg_catalog.clock_timestamp() - started);
        rate := CASE WHEN elapsed > 0 THEN (done + failed) / elapsed END;
        RAISE NOTICE 'enrich: % of % rows done, % failed, % rows/s, ETA % s',
            done, total, failed, pg_catalog.round(coalesce(rate, 0)::numeric, 1),
            CASE WHEN rate > 0 THEN pg_catalog.round(((total - done - failed) / rate)::numeric) END;
    END LOOP;
    IF pg_catalog.cardinality(ids) > 0 THEN
        batch := @extschema@._enrich_apply(source, input_column, output_column, task,
                                           endpoint, parameters, ids, inputs);
        COMMIT;
        done := done + batch.filled;
        failed := failed + batch.failed;
        PERFORM @extschema@._job_progress(done => done, failed => failed);
    END IF;

    RAISE NOTICE 'enrich: finished, % rows filled, % failed (see hfendpoints.enrich_failures)', done, failed;

    IF pause_after IS NOT NULL THEN
        PERFORM @extschema@._job_progress(state => 'pausing');
    END IF;
    IF pause_after = 'pause' THEN
        PERFORM @extschema@.pause_endpoint(ep_name, ep_ns);
    ELSIF pause_after = 'scale_to_zero' THEN
        PERFORM @extschema@.scale_to_zero_endpoint(ep_name, ep_ns);
    END IF;
    PERFORM @extschema@._job_end();
END
$enrich$;
