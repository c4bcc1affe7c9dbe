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

-- create_endpoint and update_endpoint take secrets_from_mapping: names of
-- the caller's user mapping options "secret.<NAME>", whose values are sent
-- as model.secrets without ever being in the call's text.  A new argument
-- is a new signature: drop and create them again, with their grants.
DROP FUNCTION @extschema@.create_endpoint(text, text, text, text, text, text, text, text, text, text, text, text, integer, integer, integer, jsonb, text[], text[], jsonb, jsonb, text, text, boolean, text[], text, text, double precision);
DROP FUNCTION @extschema@.update_endpoint(text, text, text, text, text, integer, integer, integer, text, double precision, text, text, text, text, jsonb, text[], text[], jsonb, jsonb, text, text, boolean, text[]);

CREATE FUNCTION @extschema@.create_endpoint(
    name text,
    repository text,
    framework text,
    accelerator text,
    instance_size text,
    instance_type text,
    region text,
    vendor text,
    namespace text DEFAULT NULL,
    task text DEFAULT NULL,
    revision text DEFAULT NULL,
    type text DEFAULT 'authenticated',
    min_replica integer DEFAULT 1,
    max_replica integer DEFAULT 1,
    scale_to_zero_timeout integer DEFAULT NULL,
    custom_image jsonb DEFAULT NULL,
    container_command text[] DEFAULT NULL,
    container_args text[] DEFAULT NULL,
    env jsonb DEFAULT NULL,
    secrets jsonb DEFAULT NULL,
    domain text DEFAULT NULL,
    path text DEFAULT NULL,
    cache_http_responses boolean DEFAULT NULL,
    tags text[] DEFAULT NULL,
    account_id text DEFAULT NULL,
    scaling_metric text DEFAULT NULL,
    scaling_threshold double precision DEFAULT NULL,
    secrets_from_mapping text[] DEFAULT NULL)
RETURNS @extschema@.endpoint
AS 'MODULE_PATHNAME', 'hfendpoints_create_endpoint'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.create_endpoint(text, text, text, text, text, text, text, text, text, text, text, text, integer, integer, integer, jsonb, text[], text[], jsonb, jsonb, text, text, boolean, text[], text, text, double precision, text[]) IS
    'creates an Inference Endpoint (billable); returns it, usually still pending; secrets_from_mapping names user mapping options "secret.<NAME>" sent as secrets';

CREATE FUNCTION @extschema@.update_endpoint(
    name text,
    namespace text DEFAULT NULL,
    accelerator text DEFAULT NULL,
    instance_size text DEFAULT NULL,
    instance_type text DEFAULT NULL,
    min_replica integer DEFAULT NULL,
    max_replica integer DEFAULT NULL,
    scale_to_zero_timeout integer DEFAULT NULL,
    scaling_metric text DEFAULT NULL,
    scaling_threshold double precision DEFAULT NULL,
    repository text DEFAULT NULL,
    framework text DEFAULT NULL,
    revision text DEFAULT NULL,
    task text DEFAULT NULL,
    custom_image jsonb DEFAULT NULL,
    container_command text[] DEFAULT NULL,
    container_args text[] DEFAULT NULL,
    env jsonb DEFAULT NULL,
    secrets jsonb DEFAULT NULL,
    domain text DEFAULT NULL,
    path text DEFAULT NULL,
    cache_http_responses boolean DEFAULT NULL,
    tags text[] DEFAULT NULL,
    secrets_from_mapping text[] DEFAULT NULL)
RETURNS @extschema@.endpoint
AS 'MODULE_PATHNAME', 'hfendpoints_update_endpoint'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.update_endpoint(text, text, text, text, text, integer, integer, integer, text, double precision, text, text, text, text, jsonb, text[], text[], jsonb, jsonb, text, text, boolean, text[], text[]) IS
    'changes an Inference Endpoint; only the arguments given (not NULL) are sent; secrets_from_mapping names user mapping options "secret.<NAME>" sent as secrets';

REVOKE ALL ON FUNCTION @extschema@.create_endpoint(text, text, text, text, text, text, text, text, text, text, text, text, integer, integer, integer, jsonb, text[], text[], jsonb, jsonb, text, text, boolean, text[], text, text, double precision, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.update_endpoint(text, text, text, text, text, integer, integer, integer, text, double precision, text, text, text, text, jsonb, text[], text[], jsonb, jsonb, text, text, boolean, text[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.create_endpoint(text, text, text, text, text, text, text, text, text, text, text, text, integer, integer, integer, jsonb, text[], text[], jsonb, jsonb, text, text, boolean, text[], text, text, double precision, text[]) TO hfendpoints_user;
GRANT EXECUTE ON FUNCTION @extschema@.update_endpoint(text, text, text, text, text, integer, integer, integer, text, double precision, text, text, text, text, jsonb, text[], text[], jsonb, jsonb, text, text, boolean, text[], text[]) TO hfendpoints_user;

-- The task table (src/tasks/): enrich asks C for its tasks, and its
-- parameters are the task function's own arguments, checked before the
-- endpoint is woken.
CREATE FUNCTION @extschema@._enrich_tasks(
    OUT task text, OUT function_name text, OUT output_type regtype)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'hfendpoints_enrich_tasks'
LANGUAGE C STRICT STABLE PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@._enrich_tasks() IS
    'internal: the tasks enrich can run, the function whose arguments its parameters take, and the type it writes';
REVOKE ALL ON FUNCTION @extschema@._enrich_tasks() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._enrich_tasks() TO hfendpoints_user;

CREATE OR REPLACE FUNCTION @extschema@._enrich_apply(
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
