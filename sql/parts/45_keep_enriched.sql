-- Keeping a column enriched: keep_enriched() makes output_column follow
-- input_column, as pgai's vectorizer and pg_vectorize's trigger mode do.
-- A trigger clears the output when an UPDATE changes the input, and a
-- pg_cron job runs enrich, which fills what is NULL: new rows and edited
-- ones.  hfendpoints.enrichments records each kept column (it is dumped);
-- hfendpoints.enrichment_status shows how far behind each one is.

-- One row per kept column: the arguments of its enrich job, and the
-- pg_cron job that runs it (in the pg_cron database, which may be
-- another one: this table is dumped with this database, the job with
-- that one).
CREATE TABLE @extschema@.enrichments (
    source         regclass    NOT NULL,
    input_column   name        NOT NULL,
    output_column  name        NOT NULL,
    endpoint       text        NOT NULL,
    task           text        NOT NULL,
    parameters     jsonb,
    key_column     text,
    filter         text,
    schedule       text        NOT NULL,
    job_name       text        NOT NULL,
    command        text        NOT NULL,
    created_by     regrole     NOT NULL
                   DEFAULT pg_catalog.to_regrole(pg_catalog.quote_ident(CURRENT_USER)),
    created_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (source, output_column)
);
COMMENT ON TABLE @extschema@.enrichments IS
    'the columns keep_enriched keeps: the arguments of their enrich job, its pg_cron schedule, name and command';
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.enrichments TO hfendpoints_user;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.enrichments', '');

-- The database pg_cron runs its jobs from, cron.database_name: NULL
-- where pg_cron is not loaded, or for a role that may not read the
-- setting (only superusers and pg_read_all_settings may).
CREATE FUNCTION @extschema@._cron_database()
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $cron$
    SELECT CASE WHEN pg_catalog.pg_has_role('pg_read_all_settings', 'USAGE')
                THEN pg_catalog.current_setting('cron.database_name', true) END
$cron$;
COMMENT ON FUNCTION @extschema@._cron_database() IS
    'internal: the database pg_cron runs its jobs from, if the caller may read cron.database_name';
REVOKE ALL ON FUNCTION @extschema@._cron_database() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._cron_database() TO hfendpoints_user;

-- Whether pg_cron is installed in this database, which is then the one it
-- runs its jobs from (CREATE EXTENSION pg_cron made sure): only there do
-- keep_enriched and drop_enrichment call it themselves.
CREATE FUNCTION @extschema@._in_cron_database()
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $cron$
    SELECT pg_catalog.to_regprocedure('cron.schedule(text,text,text)') IS NOT NULL
       AND coalesce(@extschema@._cron_database() = pg_catalog.current_database(), true)
$cron$;
COMMENT ON FUNCTION @extschema@._in_cron_database() IS
    'internal: whether pg_cron is installed in this database and runs its jobs from it';
REVOKE ALL ON FUNCTION @extschema@._in_cron_database() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._in_cron_database() TO hfendpoints_user;

-- The trigger of a kept column: an UPDATE that changes the input
-- (TG_ARGV[0]) clears the output (TG_ARGV[1]), unless it changed the
-- output too.  Both are compared as text, as enrich compares the input it
-- sent with the row's.
CREATE FUNCTION @extschema@._keep_enriched_trigger()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $trigger$
DECLARE
    stale boolean;
BEGIN
    EXECUTE pg_catalog.format(
        'SELECT ($1).%1$I::text IS DISTINCT FROM ($2).%1$I::text '
        'AND ($1).%2$I::text IS NOT DISTINCT FROM ($2).%2$I::text',
        TG_ARGV[0], TG_ARGV[1])
       INTO stale USING OLD, NEW;
    IF stale THEN
        NEW := pg_catalog.jsonb_populate_record(NEW, pg_catalog.jsonb_build_object(TG_ARGV[1], NULL));
    END IF;
    RETURN NEW;
END
$trigger$;
COMMENT ON FUNCTION @extschema@._keep_enriched_trigger() IS
    'internal: the trigger keep_enriched puts on a table, which clears the output column when an update changes the input column';
REVOKE ALL ON FUNCTION @extschema@._keep_enriched_trigger() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._keep_enriched_trigger() TO hfendpoints_user;

-- Create (install) or drop the trigger of a kept column, on source and on
-- each of its inheritance children: an UPDATE fires the triggers of the
-- table that holds the row.  (Partitions get their parent's triggers by
-- themselves.)  Nothing to drop on a table dropped since.
CREATE FUNCTION @extschema@._enrichment_trigger(source regclass, input_column text,
    output_column text, install boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $trg$
DECLARE
    trigger_name name := ('hfendpoints_keep_' || output_column)::name;
    tbl          regclass;
BEGIN
    FOR tbl IN
        WITH RECURSIVE tree(relid, relkind) AS (
            SELECT c.oid, c.relkind FROM pg_catalog.pg_class c WHERE c.oid = source
            UNION
            SELECT h.inhrelid, t.relkind FROM pg_catalog.pg_inherits h
              JOIN tree t ON h.inhparent = t.relid
             WHERE t.relkind = 'r')
        SELECT relid::regclass FROM tree ORDER BY relid
    LOOP
        IF install THEN
            EXECUTE pg_catalog.format(
                'CREATE TRIGGER %I BEFORE UPDATE OF %I ON %s FOR EACH ROW '
                'EXECUTE FUNCTION @extschema@._keep_enriched_trigger(%L, %L)',
                trigger_name, input_column, tbl, input_column, output_column);
        ELSE
            EXECUTE pg_catalog.format('DROP TRIGGER IF EXISTS %I ON %s', trigger_name, tbl);
        END IF;
    END LOOP;
END
$trg$;
COMMENT ON FUNCTION @extschema@._enrichment_trigger(regclass, text, text, boolean) IS
    'internal: creates or drops the trigger of a kept column on its table and the table''s inheritance children';
REVOKE ALL ON FUNCTION @extschema@._enrichment_trigger(regclass, text, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._enrichment_trigger(regclass, text, text, boolean) TO hfendpoints_user;

CREATE FUNCTION @extschema@.keep_enriched(
    source        regclass,
    input_column  text,
    output_column text,
    endpoint      text,
    task          text  DEFAULT 'text-generation',
    parameters    jsonb DEFAULT NULL,
    schedule      text  DEFAULT '* * * * *',
    key_column    text  DEFAULT NULL,
    filter        text  DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $keep$
DECLARE
    task_type regtype;
    tbl       text;
    cron_db   text := @extschema@._cron_database();
    here      boolean := @extschema@._in_cron_database();
    job       text;
    command   text;
BEGIN
    IF source IS NULL OR input_column IS NULL OR output_column IS NULL OR endpoint IS NULL
       OR task IS NULL OR schedule IS NULL THEN
        RAISE EXCEPTION 'source, input_column, output_column, endpoint, task and schedule must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF EXISTS (SELECT 1 FROM @extschema@.enrichments e
                WHERE e.source = keep_enriched.source AND e.output_column = keep_enriched.output_column) THEN
        RAISE EXCEPTION 'column "%" of relation % is already kept enriched', output_column, source
            USING ERRCODE = 'duplicate_object',
                  HINT = pg_catalog.format('To change how, drop it first: SELECT hfendpoints.drop_enrichment(%L, %L);',
                                           source::text, output_column);
    END IF;
    IF input_column = output_column THEN
        RAISE EXCEPTION 'input_column and output_column must be different columns'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- enrich's checks, before anything is created: the task, the columns,
    -- the key, the filter and the parameters (no request is sent)
    task_type := @extschema@._enrich_columns(source, input_column, output_column, task);
    PERFORM @extschema@._enrich_key(source, key_column);
    IF filter IS NOT NULL THEN
        EXECUTE pg_catalog.format('SELECT FROM %s t WHERE (%s) LIMIT 0', source, filter);
    END IF;
    PERFORM @extschema@._enrich_check(task, parameters);

    -- The job names the table with its schema, whatever the search_path
    -- it runs with; a job scheduled from another database says which, so
    -- that jobs of two databases never share a name.
    SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) INTO tbl
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = source;
    job := pg_catalog.format('hfendpoints: %s.%I', tbl, output_column)
           || CASE WHEN here THEN '' ELSE ' in ' || pg_catalog.quote_ident(pg_catalog.current_database()) END;
    command := pg_catalog.format(
        'CALL @extschema@.enrich(source => %L, input_column => %L, output_column => %L, '
        'endpoint => %L, task => %L, parameters => %L, key_column => %L, filter => %L)',
        tbl, input_column, output_column, endpoint, task, parameters, key_column, filter);

    INSERT INTO @extschema@.enrichments (source, input_column, output_column, endpoint, task,
                                         parameters, key_column, filter, schedule, job_name, command)
    VALUES (source, input_column, output_column, endpoint, task,
            parameters, key_column, filter, schedule, job, command);
    PERFORM @extschema@._enrichment_trigger(source, input_column, output_column, true);

    IF here THEN
        EXECUTE 'SELECT cron.schedule($1, $2, $3)' USING job, schedule, command;
        RAISE NOTICE 'keep_enriched: scheduled pg_cron job "%" at "%"', job, schedule;
    ELSE
        RAISE NOTICE 'keep_enriched: pg_cron is not in this database: schedule the job from %',
                coalesce('database "' || cron_db || '"', 'the database pg_cron runs in (cron.database_name)')
            USING DETAIL = 'The trigger is in place.  pg_cron schedules jobs from one database (cron.database_name); a job runs as the role that scheduled it.',
                  HINT = pg_catalog.format('SELECT cron.schedule_in_database(%L, %L, %L, %L);',
                                           job, schedule, command, pg_catalog.current_database());
    END IF;
    RETURN job;
END
$keep$;
COMMENT ON FUNCTION @extschema@.keep_enriched(regclass, text, text, text, text, jsonb, text, text, text) IS
    'keeps output_column filled from input_column: a trigger clears it when the input changes, a pg_cron job runs enrich on a schedule';
REVOKE ALL ON FUNCTION @extschema@.keep_enriched(regclass, text, text, text, text, jsonb, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.keep_enriched(regclass, text, text, text, text, jsonb, text, text, text) TO hfendpoints_user;

CREATE FUNCTION @extschema@.drop_enrichment(source regclass, output_column text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $drop$
DECLARE
    e         @extschema@.enrichments;
    cron_db   text := @extschema@._cron_database();
    scheduled boolean;
BEGIN
    IF source IS NULL OR output_column IS NULL THEN
        RAISE EXCEPTION 'source and output_column must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    DELETE FROM @extschema@.enrichments k
     WHERE k.source = drop_enrichment.source AND k.output_column = drop_enrichment.output_column
    RETURNING * INTO e;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'column "%" of relation % is not kept enriched', output_column, source
            USING ERRCODE = 'undefined_object',
                  HINT = 'hfendpoints.enrichment_status lists the kept columns.';
    END IF;
    PERFORM @extschema@._enrichment_trigger(e.source, e.input_column, e.output_column, false);

    IF @extschema@._in_cron_database() THEN
        -- pg_cron unschedules by name only the current role's jobs
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM cron.job j WHERE j.jobname = $1 AND j.username = CURRENT_USER)'
           INTO scheduled USING e.job_name;
        IF scheduled THEN
            EXECUTE pg_catalog.format('SELECT cron.unschedule(%L)', e.job_name);
        ELSE
            RAISE NOTICE 'drop_enrichment: role % has no pg_cron job "%" to unschedule', CURRENT_USER, e.job_name;
        END IF;
    ELSE
        RAISE NOTICE 'drop_enrichment: pg_cron is not in this database: unschedule the job from %',
                coalesce('database "' || cron_db || '"', 'the database pg_cron runs in (cron.database_name)')
            USING DETAIL = pg_catalog.format('Run it as role %s, which scheduled it.', e.created_by),
                  HINT = pg_catalog.format('SELECT cron.unschedule(%L);', e.job_name);
    END IF;
END
$drop$;
COMMENT ON FUNCTION @extschema@.drop_enrichment(regclass, text) IS
    'stops keeping a column enriched: drops its trigger, its pg_cron job and its row of hfendpoints.enrichments';
REVOKE ALL ON FUNCTION @extschema@.drop_enrichment(regclass, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.drop_enrichment(regclass, text) TO hfendpoints_user;

-- The rows of a kept column that its job has left to fill, counted with
-- enrich's own query (and its default max_attempts, 3); NULL for a table
-- dropped since, or one the caller may not read.
CREATE FUNCTION @extschema@._enrichment_backlog(source regclass, output_column text)
RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL UNSAFE
AS $backlog$
DECLARE
    e       @extschema@.enrichments;
    key     record;
    q       record;
    backlog bigint;
    skipped bigint;
BEGIN
    SELECT * INTO e FROM @extschema@.enrichments k
     WHERE k.source = _enrichment_backlog.source AND k.output_column = _enrichment_backlog.output_column;
    IF NOT FOUND OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = e.source) THEN
        RETURN NULL;
    END IF;
    key := @extschema@._enrich_key(e.source, e.key_column);
    q := @extschema@._enrich_queries(e.source, e.input_column, e.output_column, key.key_columns,
                                     key.key_types, key.by_table, e.filter,
                                     (SELECT t.output_type FROM @extschema@._enrich_tasks() t
                                       WHERE t.task = e.task), NULL);
    EXECUTE q.count_query INTO backlog, skipped USING e.source, e.output_column::text, 3;
    RETURN backlog;
EXCEPTION WHEN insufficient_privilege THEN
    RETURN NULL;
END
$backlog$;
COMMENT ON FUNCTION @extschema@._enrichment_backlog(regclass, text) IS
    'internal: the rows of a kept column left to fill, as enrich counts them';
REVOKE ALL ON FUNCTION @extschema@._enrichment_backlog(regclass, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._enrichment_backlog(regclass, text) TO hfendpoints_user;

CREATE VIEW @extschema@.enrichment_status WITH (security_invoker = true) AS
    SELECT e.source, e.input_column, e.output_column, e.endpoint, e.task, e.schedule, e.job_name,
           @extschema@._enrichment_backlog(e.source, e.output_column) AS backlog,
           r.started_at, r.finished_at, r.filled, r.failed, r.error
      FROM @extschema@.enrichments e
      LEFT JOIN @extschema@.enrich_runs r
        ON r.source = e.source AND r.output_column = e.output_column;
COMMENT ON VIEW @extschema@.enrichment_status IS
    'every kept column: its schedule, the rows left to fill (backlog), and the last enrich run on it';
GRANT SELECT ON @extschema@.enrichment_status TO hfendpoints_user;
