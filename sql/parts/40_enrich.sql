-- Table enrichment: CALL hfendpoints.enrich(...) fills a column from a model,
-- rows named by key, requests always in flight, answers committed as they
-- come (src/enrich_job.c), so that a crash or a cancel loses only what was
-- in flight and a re-run continues where it stopped.

-- A row enrich could not fill, named by its key (never by ctid: it moves
-- on update, is reused after VACUUM and repeats across partitions), for
-- the role that ran the job.  attempts counts the runs that failed on it
-- with this input; at max_attempts later runs skip it until the input
-- changes or retry_failures() clears it.
CREATE TABLE @extschema@.enrich_failures (
    source         regclass    NOT NULL,
    output_column  name        NOT NULL,
    row_table      regclass    NOT NULL,
    row_key        jsonb       NOT NULL,
    role           regrole     NOT NULL
                   DEFAULT pg_catalog.to_regrole(pg_catalog.quote_ident(CURRENT_USER)),
    input          text,
    error          text        NOT NULL,
    attempts       integer     NOT NULL DEFAULT 1,
    failed_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (source, output_column, row_table, row_key, role)
);
COMMENT ON TABLE @extschema@.enrich_failures IS
    'rows that enrich could not fill, by key and role, with the last error and the number of runs that failed on them';
COMMENT ON COLUMN @extschema@.enrich_failures.row_table IS
    'the table whose key row_key is: the source, or for a table with inheritance children the child holding the row';
ALTER TABLE @extschema@.enrich_failures ENABLE ROW LEVEL SECURITY;
CREATE POLICY enrich_failures_own_rows ON @extschema@.enrich_failures
    USING (role = pg_catalog.to_regrole(pg_catalog.quote_ident(CURRENT_USER)))
    WITH CHECK (role = pg_catalog.to_regrole(pg_catalog.quote_ident(CURRENT_USER)));
-- The database's owner reads every row, so that a dump made by the owner
-- (pg_dump --enable-row-security) holds them all.
CREATE POLICY enrich_failures_database_owner ON @extschema@.enrich_failures FOR SELECT
    USING (pg_catalog.pg_has_role(
        (SELECT d.datdba FROM pg_catalog.pg_database d
          WHERE d.datname = pg_catalog.current_database()), 'USAGE'));
COMMENT ON POLICY enrich_failures_database_owner ON @extschema@.enrich_failures IS
    'the database owner reads every failure row, so that its dump holds them all';
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.enrich_failures TO hfendpoints_user;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.enrich_failures', '');

-- The last run of enrich on each (table, column), recorded by enrich
-- itself: when it started and ended, what it did, and why it stopped if
-- it did (error).  A run that is still going, or was cancelled or killed,
-- has no finished_at.
CREATE TABLE @extschema@.enrich_runs (
    source         regclass    NOT NULL,
    output_column  name        NOT NULL,
    role           regrole     NOT NULL
                   DEFAULT pg_catalog.to_regrole(pg_catalog.quote_ident(CURRENT_USER)),
    started_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    finished_at    timestamptz,
    filled         bigint,
    failed         bigint,
    skipped        bigint,
    error          text,
    PRIMARY KEY (source, output_column)
);
COMMENT ON TABLE @extschema@.enrich_runs IS
    'the last enrich run on each table and column: when, by whom, rows filled, failed and skipped, and the error that stopped it';
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.enrich_runs TO hfendpoints_user;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.enrich_runs', '');

-- Record the start or the end of a run (finished: counts given).
CREATE FUNCTION @extschema@._enrich_ran(source regclass, output_column text,
    finished boolean, filled bigint, failed bigint, skipped bigint, error text)
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $ran$
    INSERT INTO @extschema@.enrich_runs AS r (source, output_column, filled, failed, skipped, error)
    VALUES (source, output_column, filled, failed, skipped, error)
    ON CONFLICT (source, output_column) DO UPDATE
       SET role = excluded.role,
           started_at = CASE WHEN finished THEN r.started_at ELSE excluded.started_at END,
           finished_at = CASE WHEN finished THEN pg_catalog.clock_timestamp() END,
           filled = excluded.filled, failed = excluded.failed, skipped = excluded.skipped,
           error = excluded.error
$ran$;
COMMENT ON FUNCTION @extschema@._enrich_ran(regclass, text, boolean, bigint, bigint, bigint, text) IS
    'internal: records the start or the end of an enrich run in hfendpoints.enrich_runs';
REVOKE ALL ON FUNCTION @extschema@._enrich_ran(regclass, text, boolean, bigint, bigint, bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._enrich_ran(regclass, text, boolean, bigint, bigint, bigint, text) TO hfendpoints_user;

CREATE FUNCTION @extschema@.retry_failures(source regclass, output_column text)
RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $retry$
    WITH d AS (DELETE FROM @extschema@.enrich_failures f
                WHERE f.source = retry_failures.source
                  AND f.output_column = retry_failures.output_column
                  AND f.role = pg_catalog.to_regrole(pg_catalog.quote_ident(CURRENT_USER))
               RETURNING 1)
    SELECT pg_catalog.count(*) FROM d
$retry$;
COMMENT ON FUNCTION @extschema@.retry_failures(regclass, text) IS
    'forgets the current role''s failures on a column, so that the next enrich run tries those rows again; returns how many';
REVOKE ALL ON FUNCTION @extschema@.retry_failures(regclass, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.retry_failures(regclass, text) TO hfendpoints_user;

CREATE FUNCTION @extschema@._prevent_in_transaction_block(command text)
RETURNS void
AS 'MODULE_PATHNAME', 'hfendpoints_prevent_in_transaction_block'
LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@._prevent_in_transaction_block(text) IS
    'internal: raises an error where enrich cannot run: in a transaction block, or under REPEATABLE READ or SERIALIZABLE';

CREATE FUNCTION @extschema@._enrich_tasks(
    OUT task text, OUT function_name text, OUT output_type regtype, OUT text_member text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'hfendpoints_enrich_tasks'
LANGUAGE C STRICT STABLE PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@._enrich_tasks() IS
    'internal: the tasks enrich can run, the function whose arguments its parameters take, the type it writes, and the member of its best row it writes into a text column';
REVOKE ALL ON FUNCTION @extschema@._enrich_tasks() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._enrich_tasks() TO hfendpoints_user;

CREATE FUNCTION @extschema@._enrich_check(task text, parameters jsonb)
RETURNS void
AS 'MODULE_PATHNAME', 'hfendpoints_enrich_check'
LANGUAGE C VOLATILE PARALLEL SAFE;
REVOKE ALL ON FUNCTION @extschema@._enrich_check(text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._enrich_check(text, jsonb) TO hfendpoints_user;
COMMENT ON FUNCTION @extschema@._enrich_check(text, jsonb) IS
    'internal: raises what is wrong with an enrich task or its parameters';

-- The type task writes, once the task, the input column and the output
-- column are checked: text (to text and varchar), jsonb (to jsonb, text
-- and varchar; a task of scored rows writes its best row's text_member
-- there, such as the top label), real (to real, text, varchar and what real
-- can be assigned to), real[] (to real[] and any type real[] can be
-- assigned to, such as pgvector's vector).
CREATE FUNCTION @extschema@._enrich_columns(source regclass, input_column text,
                                            output_column text, task text)
RETURNS regtype
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $columns$
DECLARE
    task_type regtype;
    out_type  regtype;
BEGIN
    SELECT t.output_type INTO task_type FROM @extschema@._enrich_tasks() t
     WHERE t.task = _enrich_columns.task;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unsupported enrich task "%"', task
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = pg_catalog.format('Use one of: %s.',
                      (SELECT pg_catalog.string_agg(pg_catalog.quote_literal(t.task), ', ')
                         FROM @extschema@._enrich_tasks() t));
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
    -- the type itself, a string type (jsonb and real[] are written as
    -- text there), or one with an assignment cast from it
    IF NOT (out_type = task_type
            OR (task_type <> 'real[]'::regtype
                AND out_type IN ('text'::regtype, 'character varying'::regtype))
            OR EXISTS (SELECT 1 FROM pg_catalog.pg_cast
                        WHERE castsource = task_type AND casttarget = out_type
                          AND castcontext IN ('a', 'i'))) THEN
        RAISE EXCEPTION 'column "%" has type %, but task % writes %', output_column, out_type, task, task_type
            USING ERRCODE = 'datatype_mismatch',
                  HINT = CASE task_type
                         WHEN 'real[]'::regtype THEN 'Use a real[] column, or a type with an assignment cast from real[] such as pgvector''s vector.'
                         WHEN 'text'::regtype THEN 'Use a text or varchar column.'
                         ELSE pg_catalog.format('Use a %s, text or varchar column.', task_type) END;
    END IF;
    RETURN task_type;
END
$columns$;
COMMENT ON FUNCTION @extschema@._enrich_columns(regclass, text, text, text) IS
    'internal: checks an enrich task and its columns, and returns the type the task writes';
REVOKE ALL ON FUNCTION @extschema@._enrich_columns(regclass, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._enrich_columns(regclass, text, text, text) TO hfendpoints_user;

-- The key that names the rows of source: the primary key, or key_column,
-- a unique index's name or a column with a unique index of its own.  Every
-- key column must be NOT NULL, the index neither partial nor on
-- expressions.  A table with inheritance children (not a partitioned
-- table, whose key is the parent's) names its rows by (child, key): each
-- child needs a unique key on the same columns.
CREATE FUNCTION @extschema@._enrich_key(source regclass, key_column text,
    OUT key_columns name[], OUT key_types regtype[], OUT by_table boolean)
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $key$
DECLARE
    idx     oid;
    child   regclass;
    hint    text := 'enrich names each row by its key: add a primary key, or pass key_column => the name of a NOT NULL column with a unique index, or of a unique index.';
BEGIN
    IF key_column IS NULL THEN
        SELECT i.indexrelid INTO idx FROM pg_catalog.pg_index i
         WHERE i.indrelid = source AND i.indisprimary;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'relation % has no primary key', source
                USING ERRCODE = 'object_not_in_prerequisite_state', HINT = hint;
        END IF;
    ELSE
        SELECT i.indexrelid INTO idx FROM pg_catalog.pg_index i
          JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
         WHERE i.indrelid = source AND c.relname = key_column;
        IF NOT FOUND THEN
            SELECT i.indexrelid INTO idx FROM pg_catalog.pg_index i
              JOIN pg_catalog.pg_attribute a ON a.attrelid = source AND a.attname = key_column
             WHERE i.indrelid = source AND i.indisunique AND i.indnkeyatts = 1
               AND i.indkey[0] = a.attnum AND i.indpred IS NULL AND i.indexprs IS NULL
             ORDER BY i.indisprimary DESC, i.indexrelid LIMIT 1;
        END IF;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'key_column "%" is neither a unique index of % nor a column with one', key_column, source
                USING ERRCODE = 'invalid_parameter_value', HINT = hint;
        END IF;
    END IF;
    IF NOT (SELECT i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
              FROM pg_catalog.pg_index i WHERE i.indexrelid = idx) THEN
        RAISE EXCEPTION 'index % is not a unique index on plain columns', idx::regclass
            USING ERRCODE = 'invalid_parameter_value', HINT = hint;
    END IF;
    SELECT pg_catalog.array_agg(a.attname ORDER BY k.n),
           pg_catalog.array_agg(a.atttypid::regtype ORDER BY k.n),
           pg_catalog.bool_and(a.attnotnull)
      INTO key_columns, key_types, by_table
      FROM pg_catalog.pg_index i,
           LATERAL pg_catalog.unnest(i.indkey[0:i.indnkeyatts - 1]) WITH ORDINALITY AS k(attnum, n)
      JOIN pg_catalog.pg_attribute a ON a.attrelid = source AND a.attnum = k.attnum
     WHERE i.indexrelid = idx;
    IF NOT by_table THEN
        RAISE EXCEPTION 'the key of % (%) has a column that may be NULL', source,
                pg_catalog.array_to_string(key_columns, ', ')
            USING ERRCODE = 'invalid_parameter_value', HINT = hint;
    END IF;

    -- inheritance children, at any depth
    by_table := (SELECT c.relkind = 'r' FROM pg_catalog.pg_class c WHERE c.oid = source)
                AND EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h WHERE h.inhparent = source);
    IF by_table THEN
        FOR child IN
            WITH RECURSIVE tree(relid) AS (
                SELECT h.inhrelid FROM pg_catalog.pg_inherits h WHERE h.inhparent = source
                UNION
                SELECT h.inhrelid FROM pg_catalog.pg_inherits h JOIN tree t ON h.inhparent = t.relid)
            SELECT relid::regclass FROM tree ORDER BY relid
        LOOP
            IF NOT EXISTS (
                SELECT 1 FROM pg_catalog.pg_index i
                 WHERE i.indrelid = child AND i.indisunique AND i.indpred IS NULL
                   AND i.indexprs IS NULL AND i.indnkeyatts = pg_catalog.cardinality(key_columns)
                   AND (SELECT pg_catalog.array_agg(a.attname ORDER BY a.attname)
                          FROM pg_catalog.pg_attribute a
                         WHERE a.attrelid = child AND a.attnum = ANY (i.indkey[0:i.indnkeyatts - 1]))
                       = (SELECT pg_catalog.array_agg(k ORDER BY k) FROM pg_catalog.unnest(key_columns) k)) THEN
                RAISE EXCEPTION 'inheritance child % of % has no unique key on (%)', child, source,
                        pg_catalog.array_to_string(key_columns, ', ')
                    USING ERRCODE = 'object_not_in_prerequisite_state',
                          DETAIL = 'Children do not inherit their parent''s key: enrich names their rows by (child, key) and needs the key unique in each.',
                          HINT = pg_catalog.format('Create one with: CREATE UNIQUE INDEX ON %s (%s);', child,
                              (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(k), ', ') FROM pg_catalog.unnest(key_columns) k));
            END IF;
        END LOOP;
    END IF;
END
$key$;
COMMENT ON FUNCTION @extschema@._enrich_key(regclass, text) IS
    'internal: the key columns that name the rows enrich fills, and whether rows are named by (child table, key)';
REVOKE ALL ON FUNCTION @extschema@._enrich_key(regclass, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._enrich_key(regclass, text) TO hfendpoints_user;

-- The SQL texts of one enrich job, made once from its arguments, which
-- _enrich_run (src/enrich_job.c) runs.  Rows travel as (table oid, key as
-- jsonb text, input text).
--   count_query ($1 source, $2 output column, $3 max_attempts): rows to
--     fill, rows skipped after max_attempts failed runs;
--   first_page, next_page (the same, $4 the page size, $5 the last key,
--     $6 its table): the next rows to fill in key order, along the key's
--     index (keyset pagination);
--   recheck ($1 tables, $2 keys, $3 inputs): of rows just claimed, the
--     positions (from 1) of those still to fill with that input;
--   write (the same, $4 outputs as text, $5 source, $6 output column):
--     write each output where the row still has the input that was sent
--     and no output (into a text or varchar column, the text_member of
--     the output's best row when the task has one), forget the failures of
--     the rows filled; returns (filled, forgotten);
--   record_failures (the same, $4 errors): record or count again the
--     failure of each row.
CREATE FUNCTION @extschema@._enrich_queries(
    source regclass, input_column text, output_column text, key_columns name[],
    key_types regtype[], by_table boolean, filter text, output_type regtype,
    text_member text, OUT count_query text, OUT first_page text, OUT next_page text, OUT recheck text,
    OUT write text, OUT record_failures text)
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $queries$
DECLARE
    key_json  text := (SELECT 'pg_catalog.jsonb_build_object(' ||
                              pg_catalog.string_agg(pg_catalog.format('%L, t.%I', k, k), ', ') || ')'
                         FROM pg_catalog.unnest(key_columns) k);
    key_list  text := (SELECT pg_catalog.string_agg(pg_catalog.format('t.%I', k), ', ')
                         FROM pg_catalog.unnest(key_columns) k);
    -- the same columns read back from a jsonb key (at "@key@"), in their types
    key_of    text := (SELECT pg_catalog.string_agg(pg_catalog.format('(@key@->>%L)::%s', k, ty), ', ')
                         FROM ROWS FROM (pg_catalog.unnest(key_columns), pg_catalog.unnest(key_types)) AS u(k, ty));
    tbl       text := CASE WHEN by_table THEN 't.tableoid::pg_catalog.regclass' ELSE '$1' END;
    -- a row of source matched with a row r of (tbl, key, ...) arrays
    same_row  text;
    rows_of   text := 'ROWS FROM (pg_catalog.unnest($1::pg_catalog.oid[]), pg_catalog.unnest($2::text[]), '
                      'pg_catalog.unnest($3::text[]), pg_catalog.unnest($4::text[]))';
    base      text;
    skip      text;
    todo      text;
    order_by  text;
    after     text;
    page      text;
    output    text := pg_catalog.format('CAST(r.output AS %s)', output_type);
BEGIN
    IF text_member IS NOT NULL AND
       (SELECT a.atttypid FROM pg_catalog.pg_attribute a
         WHERE a.attrelid = source AND a.attname = output_column AND NOT a.attisdropped)
       IN ('text'::regtype, 'character varying'::regtype) THEN
        output := pg_catalog.format('CAST(r.output AS %s) -> 0 ->> %L', output_type, text_member);
    END IF;
    base := pg_catalog.format(
        't.%I IS NULL AND t.%I IS NOT NULL AND (%s)', output_column, input_column,
        coalesce(filter, 'true'));
    -- a row that failed max_attempts runs with this input is skipped
    skip := pg_catalog.format($f$EXISTS (
        SELECT 1 FROM @extschema@.enrich_failures f
         WHERE f.source = $1 AND f.output_column = $2
           AND f.role = pg_catalog.to_regrole(pg_catalog.quote_ident(CURRENT_USER))
           AND f.row_table = %s AND f.row_key = %s
           AND f.attempts >= $3 AND f.input IS NOT DISTINCT FROM t.%I::text)$f$,
        tbl, key_json, input_column);
    todo := base || ' AND NOT ' || skip;
    order_by := key_list || CASE WHEN by_table THEN ', t.tableoid' ELSE '' END;
    after := pg_catalog.format('(%s) > (%s)', order_by,
                 pg_catalog.replace(key_of, '@key@', '$5') ||
                 CASE WHEN by_table THEN ', $6' ELSE '' END);
    same_row := CASE WHEN by_table THEN 't.tableoid = r.tbl AND ' ELSE '' END ||
                pg_catalog.format('(%s) = (%s)', key_list,
                    pg_catalog.replace(key_of, '@key@', 'r.key::jsonb'));

    count_query := pg_catalog.format(
        'SELECT pg_catalog.count(*) FILTER (WHERE NOT skipped), pg_catalog.count(*) FILTER (WHERE skipped) '
        'FROM (SELECT %s AS skipped FROM %s t WHERE %s) s',
        skip, source, base);
    page := pg_catalog.format(
        'SELECT (%s)::pg_catalog.oid, (%s)::text, t.%I::text FROM %s t WHERE %s',
        tbl, key_json, input_column, source, todo);
    first_page := page || pg_catalog.format(' ORDER BY %s LIMIT $4', order_by);
    next_page := page || pg_catalog.format(' AND %s ORDER BY %s LIMIT $4', after, order_by);
    recheck := pg_catalog.format(
        'SELECT r.n::integer FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.oid[]), '
        'pg_catalog.unnest($2::text[]), pg_catalog.unnest($3::text[])) WITH ORDINALITY AS r(tbl, key, input, n) '
        'JOIN %s t ON %s WHERE t.%I IS NULL AND t.%I::text = r.input',
        source, same_row, output_column, input_column);
    write := pg_catalog.format($q$
        WITH u AS (UPDATE %s t SET %I = %s FROM %s AS r(tbl, key, input, output)
                    WHERE %s AND t.%I::text = r.input AND t.%I IS NULL
                   RETURNING r.tbl, r.key),
        d AS (DELETE FROM @extschema@.enrich_failures f USING u
               WHERE f.source = $5 AND f.output_column = $6
                 AND f.row_table = u.tbl::pg_catalog.regclass AND f.row_key = u.key::jsonb
                 AND f.role = pg_catalog.to_regrole(pg_catalog.quote_ident(CURRENT_USER))
              RETURNING 1)
        SELECT (SELECT pg_catalog.count(*) FROM u), (SELECT pg_catalog.count(*) FROM d)$q$,
        source, output_column, output, rows_of, same_row, input_column, output_column);
    record_failures := pg_catalog.format($q$
        INSERT INTO @extschema@.enrich_failures AS f
               (source, output_column, row_table, row_key, input, error)
        SELECT $5, $6, r.tbl::pg_catalog.regclass, r.key::jsonb, r.input, r.error
          FROM %s AS r(tbl, key, input, error)
        ON CONFLICT (source, output_column, row_table, row_key, role) DO UPDATE
           SET attempts = CASE WHEN f.input IS NOT DISTINCT FROM excluded.input
                               THEN f.attempts + 1 ELSE 1 END,
               input = excluded.input, error = excluded.error, failed_at = excluded.failed_at$q$,
        rows_of);
END
$queries$;
COMMENT ON FUNCTION @extschema@._enrich_queries(regclass, text, text, name[], regtype[], boolean, text, regtype, text) IS
    'internal: the statements of one enrich job';
REVOKE ALL ON FUNCTION @extschema@._enrich_queries(regclass, text, text, name[], regtype[], boolean, text, regtype, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@._enrich_queries(regclass, text, text, name[], regtype[], boolean, text, regtype, text) TO hfendpoints_user;

-- The job (src/enrich_job.c): wakes the endpoint, claims, sends and writes
-- the rows, up to hfendpoints.max_concurrency in flight the whole time,
-- committing what is answered every batch_size rows or every second, and
-- puts the endpoint to sleep after.  Only a job that runs shows in
-- hfendpoints.jobs: no SQL function makes a row there.
CREATE PROCEDURE @extschema@._enrich_run(
    source regclass, output_column text, endpoint text, task text, parameters jsonb,
    first_page text, next_page text, recheck text, write text, record_failures text,
    batch_size integer, max_rows bigint, max_attempts integer, total bigint,
    resume_endpoint boolean, pause_after text,
    INOUT filled bigint, INOUT failed bigint, INOUT dropped bigint)
AS 'MODULE_PATHNAME', 'hfendpoints_enrich_run'
LANGUAGE C;
COMMENT ON PROCEDURE @extschema@._enrich_run(regclass, text, text, text, jsonb, text, text, text, text, text, integer, bigint, integer, bigint, boolean, text, bigint, bigint, bigint) IS
    'internal: the loop of one enrich job';
REVOKE ALL ON PROCEDURE @extschema@._enrich_run(regclass, text, text, text, jsonb, text, text, text, text, text, integer, bigint, integer, bigint, boolean, text, bigint, bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON PROCEDURE @extschema@._enrich_run(regclass, text, text, text, jsonb, text, text, text, text, text, integer, bigint, integer, bigint, boolean, text, bigint, bigint, bigint) TO hfendpoints_user;

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
    pause_after     text    DEFAULT NULL,
    key_column      text    DEFAULT NULL,
    filter          text    DEFAULT NULL,
    max_attempts    integer DEFAULT 3)
LANGUAGE plpgsql
AS $enrich$
DECLARE
    is_url      boolean := endpoint OPERATOR(pg_catalog.~*) '^[a-z][a-z0-9+.-]*://';
    task_type   regtype;
    key         record;
    q           record;
    total       bigint;
    skipped     bigint;
    done        bigint := 0;
    failed      bigint := 0;
    dropped     bigint := 0;
BEGIN
    -- (no SET clause on this procedure: it would forbid the COMMITs below)
    PERFORM @extschema@._prevent_in_transaction_block('CALL hfendpoints.enrich()');

    -- Check every argument before touching the endpoint or the table.
    IF source IS NULL OR input_column IS NULL OR output_column IS NULL OR endpoint IS NULL THEN
        RAISE EXCEPTION 'source, input_column, output_column and endpoint must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF batch_size IS NULL OR batch_size < 1 OR batch_size > 10000 THEN
        RAISE EXCEPTION 'batch_size must be between 1 and 10000'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF max_rows < 0 THEN
        RAISE EXCEPTION 'max_rows must not be negative'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF max_attempts IS NULL OR max_attempts < 1 THEN
        RAISE EXCEPTION 'max_attempts must be at least 1'
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

    task_type := @extschema@._enrich_columns(source, input_column, output_column, task);
    key := @extschema@._enrich_key(source, key_column);
    q := @extschema@._enrich_queries(source, input_column, output_column, key.key_columns,
                                     key.key_types, key.by_table, filter, task_type,
                                     (SELECT t.text_member FROM @extschema@._enrich_tasks() t
                                       WHERE t.task = enrich.task));
    -- The parameters are the task function's own arguments: check them now,
    -- before the endpoint is woken.
    PERFORM @extschema@._enrich_check(task, parameters);

    -- Count first: with nothing to fill, the endpoint is not touched at all
    -- (a paused one stays paused).
    EXECUTE q.count_query INTO total, skipped USING source, output_column, max_attempts;
    IF max_rows IS NOT NULL THEN
        total := LEAST(total, max_rows);
    END IF;
    IF total = 0 THEN
        RAISE NOTICE 'enrich: nothing to fill in % (skipped: % after % failed runs, see hfendpoints.enrich_failures)',
            source, skipped, max_attempts;
        PERFORM @extschema@._enrich_ran(source, output_column, false, 0, 0, skipped, NULL);
        PERFORM @extschema@._enrich_ran(source, output_column, true, 0, 0, skipped, NULL);
        RETURN;
    END IF;
    PERFORM @extschema@._enrich_ran(source, output_column, false, NULL, NULL, skipped, NULL);

    RAISE NOTICE 'enrich: % rows of % to fill (skipped: % after % failed runs)', total, source, skipped, max_attempts;
    COMMIT;

    -- The job proper, which shows in hfendpoints.jobs while it runs: the
    -- endpoint woken if it sleeps (resume_endpoint), the rows claimed, sent
    -- and written as they are answered, the endpoint put to sleep after
    -- (pause_after).
    CALL @extschema@._enrich_run(source, output_column, endpoint, task, parameters,
        q.first_page, q.next_page, q.recheck, q.write, q.record_failures,
        batch_size, max_rows, max_attempts, total, resume_endpoint, pause_after,
        done, failed, dropped);

    RAISE NOTICE 'enrich: finished, % rows filled, % failed, % skipped (see hfendpoints.enrich_failures)',
        done, failed, skipped + dropped;
    PERFORM @extschema@._enrich_ran(source, output_column, true, done, failed, skipped + dropped, NULL);
END
$enrich$;
COMMENT ON PROCEDURE @extschema@.enrich(regclass, text, text, text, text, jsonb, integer, bigint, boolean, text, text, text, integer) IS
    'fills output_column from a model for rows where it is NULL, page by page along the table''s key, committing after each page';
REVOKE ALL ON PROCEDURE @extschema@.enrich(regclass, text, text, text, text, jsonb, integer, bigint, boolean, text, text, text, integer) FROM PUBLIC;
GRANT EXECUTE ON PROCEDURE @extschema@.enrich(regclass, text, text, text, text, jsonb, integer, bigint, boolean, text, text, text, integer) TO hfendpoints_user;
