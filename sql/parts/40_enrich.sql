-- Table enrichment: CALL hfendpoints.enrich(...) fills a column from a model,
-- batch by batch, committing after each batch, so that a crash or a cancel
-- loses at most the batch in flight and a re-run continues where it stopped.

CREATE TABLE @extschema@.enrich_failures (
    source        regclass    NOT NULL,
    output_column name        NOT NULL,
    row_ctid      tid         NOT NULL,
    input         text,
    error         text        NOT NULL,
    failed_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    role          name        NOT NULL DEFAULT CURRENT_USER
);
COMMENT ON TABLE @extschema@.enrich_failures IS
    'rows that enrich could not fill in its last run, with the error; they are retried on the next run';
CREATE INDEX enrich_failures_source_idx
    ON @extschema@.enrich_failures (source, output_column);
ALTER TABLE @extschema@.enrich_failures ENABLE ROW LEVEL SECURITY;
CREATE POLICY enrich_failures_own_rows ON @extschema@.enrich_failures
    USING (role = CURRENT_USER) WITH CHECK (role = CURRENT_USER);
-- The database's owner reads every row, so that a dump made by the owner
-- (pg_dump --enable-row-security) holds them all.
CREATE POLICY enrich_failures_database_owner ON @extschema@.enrich_failures FOR SELECT
    USING (pg_catalog.pg_has_role(
        (SELECT d.datdba FROM pg_catalog.pg_database d
          WHERE d.datname = pg_catalog.current_database()), 'USAGE'));
COMMENT ON POLICY enrich_failures_database_owner ON @extschema@.enrich_failures IS
    'the database owner reads every failure row, so that its dump holds them all';
GRANT SELECT, INSERT, DELETE ON @extschema@.enrich_failures TO hfendpoints_user;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.enrich_failures', '');

CREATE FUNCTION @extschema@._prevent_in_transaction_block(command text)
RETURNS void
AS 'MODULE_PATHNAME', 'hfendpoints_prevent_in_transaction_block'
LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@._prevent_in_transaction_block(text) IS
    'internal: raises an error when called inside a transaction block';

CREATE FUNCTION @extschema@._enrich_tasks(
    OUT task text, OUT function_name text, OUT output_type regtype)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'hfendpoints_enrich_tasks'
LANGUAGE C STRICT STABLE PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@._enrich_tasks() IS
    'internal: the tasks enrich can run, the function whose arguments its parameters take, and the type it writes';
REVOKE ALL ON FUNCTION @extschema@._enrich_tasks() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._enrich_tasks() TO hfendpoints_user;

CREATE FUNCTION @extschema@._enrich_batch(endpoint text, task text, inputs text[],
                                          parameters jsonb)
RETURNS TABLE (ord int, output text, embedding real[], error text)
AS 'MODULE_PATHNAME', 'hfendpoints_enrich_batch'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
REVOKE ALL ON FUNCTION @extschema@._enrich_batch(text, text, text[], jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._enrich_batch(text, text, text[], jsonb) TO hfendpoints_user;
COMMENT ON FUNCTION @extschema@._enrich_batch(text, text, text[], jsonb) IS
    'internal: runs one enrich batch concurrently; failed rows come back with an error';

CREATE FUNCTION @extschema@._enrich_apply(
    source regclass, input_column text, output_column text, task text,
    endpoint text, parameters jsonb, ids tid[], inputs text[],
    OUT filled bigint, OUT failed bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $apply$
BEGIN
    -- One statement: run the batch, write the results, record the failures.
    -- "t.col IS NULL" keeps a row that someone filled meanwhile untouched.
    EXECUTE pg_catalog.format($q$
        WITH r AS MATERIALIZED (
            SELECT i.id, i.input, b.output, b.embedding, b.error
              FROM @extschema@._enrich_batch($1, $2, $3, $4) b
              JOIN ROWS FROM (pg_catalog.unnest($5::tid[]), pg_catalog.unnest($3::text[]))
                   WITH ORDINALITY AS i(id, input, ord)
                ON i.ord = b.ord),
        u AS (UPDATE %s t SET %I = %s FROM r
               WHERE t.ctid = r.id AND r.error IS NULL AND t.%I IS NULL
              RETURNING 1),
        f AS (INSERT INTO @extschema@.enrich_failures (source, output_column, row_ctid, input, error)
              SELECT $6, $7, r.id, r.input, r.error FROM r WHERE r.error IS NOT NULL
              RETURNING 1)
        SELECT (SELECT pg_catalog.count(*) FROM u), (SELECT pg_catalog.count(*) FROM f)$q$,
        source, output_column,
        -- enrich checked that the column takes what the task writes
        CASE WHEN (SELECT a.atttypid FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = source AND a.attname = output_column)
                  IN ('text'::regtype, 'character varying'::regtype)
             THEN 'r.output' ELSE 'r.embedding' END,
        output_column)
    USING endpoint, task, inputs, parameters, ids, source, output_column
    INTO filled, failed;
END
$apply$;
COMMENT ON FUNCTION @extschema@._enrich_apply(regclass, text, text, text, text, jsonb, tid[], text[]) IS
    'internal: one enrich batch, from request to written rows';

CREATE PROCEDURE @extschema@.enrich(
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
    task_type   regtype;
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
    SELECT t.output_type INTO task_type FROM @extschema@._enrich_tasks() t WHERE t.task = enrich.task;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unsupported enrich task "%"', task
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = pg_catalog.format('Use one of: %s.',
                      (SELECT pg_catalog.string_agg(pg_catalog.quote_literal(t.task), ', ')
                         FROM @extschema@._enrich_tasks() t));
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
    IF task_type = 'real[]'::regtype THEN
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
    -- The parameters are the task function's own arguments: check them now,
    -- before the endpoint is woken (no input, so no request is sent).
    PERFORM FROM @extschema@._enrich_batch(endpoint, task, '{}'::text[], parameters);

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
COMMENT ON PROCEDURE @extschema@.enrich(regclass, text, text, text, text, jsonb, integer, bigint, boolean, text) IS
    'fills output_column from a model for rows where it is NULL, batch by batch, committing after each batch';
REVOKE ALL ON PROCEDURE @extschema@.enrich(regclass, text, text, text, text, jsonb, integer, bigint, boolean, text) FROM PUBLIC;
GRANT EXECUTE ON PROCEDURE @extschema@.enrich(regclass, text, text, text, text, jsonb, integer, bigint, boolean, text) TO hfendpoints_user;
