-- Per-row calls at batch speed: the plan node "HfendpointsCalls" sends the
-- calls of a window of rows together, and every statement returns exactly
-- what the sequential plan (hfendpoints.batch_row_calls off) returns, in
-- the same order, on a server whose latency is random.
\i test/include/setup.psql
SET client_min_messages = warning;
CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
RESET client_min_messages;
SET hfendpoints.retry_base_delay = '10ms';
\! test/fake/hfctl seed fake-user/gen '{"task": "text-generation"}'
\! test/fake/hfctl seed fake-user/emb '{"task": "feature-extraction"}'
\! test/fake/hfctl endpoint fake-user/gen '{"latency_ms": 1, "jitter_ms": 20}'

CREATE TABLE rc_docs (id int PRIMARY KEY, body text, lang text, summary text);
INSERT INTO rc_docs
SELECT i, CASE WHEN i % 7 = 0 THEN NULL ELSE 'echo:doc ' || i END,
       CASE WHEN i % 3 = 0 THEN 'fr' ELSE 'en' END, NULL
FROM generate_series(1, 60) i;
SET hfendpoints.prefetch_rows = 16;
-- EXPLAIN ANALYZE's lines without the row counts, whose format varies
-- between majors
CREATE FUNCTION explain_analyze(statement text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF) ' || statement LOOP
        RETURN NEXT regexp_replace(line, ' \(actual rows=[0-9.]+ loops=[0-9]+\)', '');
    END LOOP;
END
$$;
-- how many of the node a statement's plan has
CREATE FUNCTION call_nodes(statement text) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    line text;
    n int := 0;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || statement LOOP
        n := n + (line ~ 'HfendpointsCalls')::int;
    END LOOP;
    RETURN n;
END
$$;

-- EXPLAIN shows the node above the scan that computes the arguments; the
-- expression around the call is computed above it
EXPLAIN (COSTS OFF, VERBOSE)
SELECT id, upper(hfendpoints.text_generation('gen', body, return_full_text => false)) FROM rc_docs;

-- SELECT: the same rows, the same order, NULL inputs give NULL
CREATE TABLE rc_batched AS
SELECT id, hfendpoints.text_generation('gen', body, return_full_text => false) AS t FROM rc_docs ORDER BY id;
SET hfendpoints.batch_row_calls = off;
CREATE TABLE rc_expected AS
SELECT id, hfendpoints.text_generation('gen', body, return_full_text => false) AS t FROM rc_docs ORDER BY id;
RESET hfendpoints.batch_row_calls;
SELECT count(*) AS rows, count(t) AS answered,
       (SELECT array_agg(t ORDER BY id) FROM rc_batched) = (SELECT array_agg(t ORDER BY id) FROM rc_expected) AS same
FROM rc_batched;
SELECT array_agg(id) = array_agg(id ORDER BY id) AS in_order
FROM (SELECT id, hfendpoints.text_generation('gen', body) FROM rc_docs ORDER BY id) s;
-- calls as arguments of other functions and operators, and two calls per row
SELECT bool_and(a = upper('x' || e.t) AND b = e.t) AS same
FROM (SELECT id, upper('x' || hfendpoints.text_generation('gen', body, return_full_text => false)) AS a,
             hfendpoints.text_generation('gen', body, return_full_text => false) AS b
      FROM rc_docs) d JOIN rc_expected e USING (id)
WHERE e.t IS NOT NULL;
-- a subquery, and embeddings
SELECT count(*) AS vectors
FROM (SELECT id, hfendpoints.feature_extraction('emb', body) AS v FROM rc_docs WHERE lang = 'en') s
WHERE array_length(v, 1) = 8;

-- UPDATE ... SET and INSERT ... SELECT
UPDATE rc_docs SET summary = hfendpoints.text_generation('gen', body, return_full_text => false);
SELECT count(*) FILTER (WHERE d.summary IS NOT DISTINCT FROM e.t) AS same, count(*) AS rows
FROM rc_docs d JOIN rc_expected e USING (id);
CREATE TABLE rc_copies (id int, t text);
INSERT INTO rc_copies SELECT id, hfendpoints.text_generation('gen', body, return_full_text => false) FROM rc_docs;
SELECT count(*) FILTER (WHERE c.t IS NOT DISTINCT FROM e.t) AS same FROM rc_copies c JOIN rc_expected e USING (id);

-- LIMIT 10 over the table sends at most 10 requests
\! test/fake/hfctl requests-clear
SELECT count(*) FROM (SELECT hfendpoints.text_generation('gen', 'echo:' || i) FROM generate_series(1, 1000) i LIMIT 10) s;
\! test/fake/hfctl requests --path /endpoints/fake-user/gen --method POST | grep -c '^POST'
-- ... and LIMIT with OFFSET, the rows the LIMIT reads
\! test/fake/hfctl requests-clear
SELECT count(*) FROM (SELECT hfendpoints.text_generation('gen', 'echo:' || i) FROM generate_series(1, 1000) i LIMIT 5 OFFSET 3) s;
\! test/fake/hfctl requests --path /endpoints/fake-user/gen --method POST | grep -c '^POST'
-- ... and a LIMIT whose count is an expression: an int parameter of a
-- generic plan (cast to bigint), the value of a subquery
SET plan_cache_mode = force_generic_plan;
PREPARE limited(int) AS
SELECT count(*) FROM (SELECT hfendpoints.text_generation('gen', 'echo:' || i) FROM generate_series(1, 1000) i LIMIT $1) s;
\! test/fake/hfctl requests-clear
EXECUTE limited(3);
\! test/fake/hfctl requests --path /endpoints/fake-user/gen --method POST | grep -c '^POST'
DEALLOCATE limited;
RESET plan_cache_mode;
\! test/fake/hfctl requests-clear
SELECT count(*) FROM (SELECT hfendpoints.text_generation('gen', 'echo:' || i) FROM generate_series(1, 1000) i LIMIT (SELECT 4)) s;
\! test/fake/hfctl requests --path /endpoints/fake-user/gen --method POST | grep -c '^POST'

-- a cursor that fetches 5 rows sends at most 5 + the window (16); how
-- many of those ahead went out before the cursor closed depends on timing
\! test/fake/hfctl requests-clear
BEGIN;
DECLARE c CURSOR FOR SELECT hfendpoints.text_generation('gen', 'echo:' || i) FROM generate_series(1, 1000) i;
FETCH 5 FROM c;
COMMIT;
\! test/fake/hfctl requests --path /endpoints/fake-user/gen --method POST | grep -c '^POST' | awk '{ print ($1 >= 5 && $1 <= 21) ? "from 5 to 5 + 16 requests" : "requests: " $1 }'

-- ... and a call below the node's rows keeps the plan sequential: filling a
-- window would make the call in the subquery's WHERE for every row scanned
-- (here 200, where the sequential plan makes 1 to fetch the first row)
SELECT call_nodes($$
SELECT hfendpoints.text_generation('gen', 'echo:' || s.i)
FROM (SELECT i FROM generate_series(1, 200) i
      WHERE hfendpoints.text_generation('gen', 'echo:' || i, return_full_text => false) IN ('1', '200') OFFSET 0) s$$);
\! test/fake/hfctl requests-clear
BEGIN;
DECLARE c5 CURSOR FOR
SELECT hfendpoints.text_generation('gen', 'echo:' || s.i, return_full_text => false)
FROM (SELECT i FROM generate_series(1, 200) i
      WHERE hfendpoints.text_generation('gen', 'echo:' || i, return_full_text => false) IN ('1', '200') OFFSET 0) s;
FETCH 1 FROM c5;
COMMIT;
\! test/fake/hfctl requests --path /endpoints/fake-user/gen --method POST | grep -c '^POST'
-- ... and so does a call in a subquery run for each row, even batched by a
-- node of its own (so is a node below another: their windows would add up)
SELECT call_nodes($$
SELECT hfendpoints.text_generation('gen', 'echo:' || i) FROM generate_series(1, 200) i
WHERE (SELECT hfendpoints.text_generation('gen', 'echo:' || j, return_full_text => false)
       FROM generate_series(i, i) j) IN ('1', '200')$$) AS nodes_in_subquery_only;
SELECT call_nodes($$
SELECT i, hfendpoints.text_generation('gen', 'echo:' || i) FROM generate_series(1, 200) i
JOIN rc_docs d ON d.id = (SELECT length(hfendpoints.text_generation('gen', 'echo:' || i, return_full_text => false)))$$) AS nodes_with_a_call_in_the_join;
SELECT call_nodes($$
SELECT hfendpoints.text_generation('gen', 'echo:' || x)
FROM (SELECT hfendpoints.text_generation('gen', 'echo:' || i, return_full_text => false) AS x
      FROM generate_series(1, 200) i OFFSET 0) s$$) AS nodes_stacked;
-- ... and so does a volatile function in an initplan or a WITH query that
-- refers to the outer row: each runs again for every row scanned
CREATE SEQUENCE rc_seq;
SELECT call_nodes($$
SELECT id, hfendpoints.text_generation('gen', body) FROM rc_docs d
WHERE (SELECT count(*) FROM rc_docs e WHERE e.id = (SELECT d.id + 0 * nextval('rc_seq'))) > 0$$) AS nodes_with_a_correlated_initplan;
SELECT call_nodes($$
SELECT id, hfendpoints.text_generation('gen', body) FROM rc_docs d
WHERE (WITH w AS MATERIALIZED (SELECT e.body FROM rc_docs e
                               WHERE e.id = d.id AND nextval('rc_seq') > 0 ORDER BY e.body)
       SELECT count(*) FROM w) > 0$$) AS nodes_with_a_correlated_with;
DROP SEQUENCE rc_seq;
-- ... while what a Sort reads whole runs whole either way: a random sample
-- is batched, and its LIMIT bounds the calls
SELECT call_nodes($$SELECT id, hfendpoints.text_generation('gen', body) FROM rc_docs ORDER BY random() LIMIT 3$$) AS nodes_over_a_sort;
\! test/fake/hfctl requests-clear
SELECT count(*) FROM (SELECT id, hfendpoints.text_generation('gen', 'echo:' || id) FROM rc_docs ORDER BY random() LIMIT 3) s;
\! test/fake/hfctl requests --path /endpoints/fake-user/gen --method POST | grep -c '^POST'

-- UPDATE ... WHERE CURRENT OF a cursor the node reads ahead for changes the
-- row the cursor last fetched, not the one its scan has moved on to
CREATE TABLE rc_cursor (id int PRIMARY KEY, body text, note text);
INSERT INTO rc_cursor SELECT i, 'echo:' || i, NULL FROM generate_series(1, 40) i;
EXPLAIN (COSTS OFF)
SELECT id, hfendpoints.text_generation('gen', body, return_full_text => false) FROM rc_cursor;
BEGIN;
DECLARE c6 CURSOR FOR SELECT id, hfendpoints.text_generation('gen', body, return_full_text => false) AS t FROM rc_cursor;
FETCH 2 FROM c6;
UPDATE rc_cursor SET note = 'fetched' WHERE CURRENT OF c6;
FETCH 1 FROM c6;
DELETE FROM rc_cursor WHERE CURRENT OF c6;
MOVE FORWARD ALL IN c6;
UPDATE rc_cursor SET note = 'past the end' WHERE CURRENT OF c6;
ROLLBACK;
BEGIN;
DECLARE c6 CURSOR FOR SELECT id, hfendpoints.text_generation('gen', body, return_full_text => false) AS t FROM rc_cursor;
FETCH 2 FROM c6;
UPDATE rc_cursor SET note = 'fetched' WHERE CURRENT OF c6;
FETCH 1 FROM c6;
DELETE FROM rc_cursor WHERE CURRENT OF c6;
COMMIT;
SELECT id, note FROM rc_cursor WHERE id <= 4 ORDER BY id;
-- ... as it does on a partitioned table, where the node is below the
-- Append, one per partition
CREATE TABLE rc_parts (id int, body text, note text) PARTITION BY RANGE (id);
CREATE TABLE rc_parts_1 PARTITION OF rc_parts FOR VALUES FROM (1) TO (21);
CREATE TABLE rc_parts_2 PARTITION OF rc_parts FOR VALUES FROM (21) TO (41);
INSERT INTO rc_parts SELECT id, body FROM rc_cursor;
SELECT call_nodes($$SELECT id, hfendpoints.text_generation('gen', body, return_full_text => false) FROM rc_parts$$);
BEGIN;
DECLARE c7 CURSOR FOR SELECT id, hfendpoints.text_generation('gen', body, return_full_text => false) AS t FROM rc_parts;
MOVE 21 IN c7;
FETCH 1 FROM c7;
UPDATE rc_parts SET note = 'fetched' WHERE CURRENT OF c7;
COMMIT;
SELECT id, note FROM rc_parts WHERE note IS NOT NULL;
-- ... and on an inheritance tree, where the calls are above the Append: a
-- cursor keeps the sequential plan there (the node stands for one table)
CREATE TABLE rc_inh (id int, body text, note text);
CREATE TABLE rc_inh_child () INHERITS (rc_inh);
INSERT INTO rc_inh SELECT i, 'echo:' || i FROM generate_series(1, 10) i;
INSERT INTO rc_inh_child SELECT i, 'echo:' || i FROM generate_series(11, 20) i;
SELECT call_nodes($$DECLARE c8 CURSOR FOR SELECT id, hfendpoints.text_generation('gen', body) FROM rc_inh$$) AS cursor_nodes,
       call_nodes($$SELECT id, hfendpoints.text_generation('gen', body) FROM rc_inh$$) AS select_nodes;
BEGIN;
DECLARE c8 CURSOR FOR SELECT id, hfendpoints.text_generation('gen', body, return_full_text => false) AS t FROM rc_inh;
MOVE 11 IN c8;
FETCH 1 FROM c8;
UPDATE rc_inh SET note = 'fetched' WHERE CURRENT OF c8 RETURNING id;
ROLLBACK;
-- ... and rows locked below the calls (FOR UPDATE in a subquery) keep it
-- too: WHERE CURRENT OF takes the last row locked, and a row this
-- transaction changes after it was locked ahead would still come up
SELECT call_nodes($$SELECT id, hfendpoints.text_generation('gen', body) FROM (SELECT * FROM rc_cursor FOR UPDATE) s$$);
BEGIN;
DECLARE c9 CURSOR FOR SELECT id, hfendpoints.text_generation('gen', body, return_full_text => false) AS t
                      FROM (SELECT * FROM rc_cursor FOR UPDATE) s;
FETCH 2 FROM c9;
UPDATE rc_cursor SET note = 'fetched' WHERE CURRENT OF c9 RETURNING id;
UPDATE rc_cursor SET body = 'echo:changed' WHERE id = 6;
FETCH 2 FROM c9;
ROLLBACK;
DROP TABLE rc_cursor, rc_parts, rc_inh CASCADE;

-- a correlated subquery that stops at its first match, rescanned for each
-- of 10 rows: the sequential plan makes 10 calls; the node may waste its
-- window once (16), and reads one row at a time after that
\! test/fake/hfctl requests-clear
SELECT array_agg(hit ORDER BY i) AS hits
FROM (SELECT a.i, 'hit' = ANY (SELECT hfendpoints.text_generation('gen', 'echo:hit' || left(a.i::text, 0), return_full_text => false)
                               FROM generate_series(1, 100) b) AS hit
      FROM generate_series(1, 10) a(i)) s;
\! test/fake/hfctl requests --path /endpoints/fake-user/gen --method POST | grep -c '^POST' | awk '{ print ($1 >= 10 && $1 <= 26) ? "from 10 to 10 + 16 requests" : "requests: " $1 }'
SELECT line FROM explain_analyze($$SELECT 'hit' = ANY (SELECT hfendpoints.text_generation('gen', 'echo:hit' || left(a.i::text, 0), return_full_text => false)
                                                       FROM generate_series(1, 100) b)
                                    FROM generate_series(1, 10) a(i)$$) AS line
WHERE line ~ 'Window|Custom Scan';
-- ... while one rescanned after it has returned all its rows keeps its window
SELECT line FROM explain_analyze($$SELECT a.i, s.t
                                    FROM generate_series(1, 3) a(i),
                                         LATERAL (SELECT hfendpoints.text_generation('gen', 'echo:' || a.i || b, return_full_text => false) AS t
                                                  FROM generate_series(1, 5) b) s$$) AS line
WHERE line ~ 'Window|Custom Scan|Calls Sent';

-- a cursor keeps its calls in flight across a rollback to a savepoint
-- made after it, and nothing is left behind by one that goes with an
-- error, a rollback or a loop whose body fails while it is open
\! test/fake/hfctl endpoint fake-user/gen '{"latency_ms": 20, "jitter_ms": 0}'
BEGIN;
DECLARE c2 CURSOR FOR SELECT i, hfendpoints.text_generation('gen', 'echo:' || i, return_full_text => false) FROM generate_series(1, 40) i;
FETCH 2 FROM c2;
SAVEPOINT s;
FETCH 2 FROM c2;
ROLLBACK TO s;
FETCH 2 FROM c2;
SAVEPOINT t;
DECLARE c3 CURSOR FOR SELECT hfendpoints.text_generation('gen', 'echo:' || i) FROM generate_series(1, 40) i;
FETCH 1 FROM c3;
ROLLBACK TO t;
FETCH 1 FROM c2;
COMMIT;
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT hfendpoints.text_generation('gen', 'echo:' || i) AS t FROM generate_series(1, 40) i LOOP
        PERFORM 1 / 0;
    END LOOP;
END
$$;
SELECT hfendpoints.text_generation('gen', 'echo:still fine', return_full_text => false);

-- the error of a failed row is the earliest row's, with its position; the
-- rows before it came up first
\! test/fake/hfctl endpoint fake-user/gen '{"latency_ms": 0, "jitter_ms": 0}'
SELECT id, hfendpoints.text_generation('gen', CASE WHEN id IN (5, 9) THEN 'fail:row ' || id ELSE 'echo:' || id END,
                                       return_full_text => false)
FROM generate_series(1, 12) id;
-- ... as a cursor read row by row shows
DO $$
DECLARE
    c refcursor;
    r record;
BEGIN
    OPEN c FOR SELECT id, hfendpoints.text_generation('gen', CASE WHEN id IN (5, 9) THEN 'fail:row ' || id ELSE 'echo:' || id END,
                                                      return_full_text => false) AS t
               FROM generate_series(1, 12) id;
    LOOP
        FETCH c INTO r;
        EXIT WHEN NOT FOUND;
        RAISE NOTICE 'row %: %', r.id, r.t;
    END LOOP;
END
$$;

-- what stays sequential: a call in WHERE, a call under CASE, a volatile
-- argument, a set-returning task, a call inside an aggregate
EXPLAIN (COSTS OFF)
SELECT id FROM rc_docs WHERE hfendpoints.text_generation('gen', body) IS NOT NULL;
EXPLAIN (COSTS OFF)
SELECT CASE WHEN id > 3 THEN hfendpoints.text_generation('gen', body) END FROM rc_docs;
EXPLAIN (COSTS OFF)
SELECT hfendpoints.text_generation('gen', body || random()::text) FROM rc_docs;
EXPLAIN (COSTS OFF)
SELECT * FROM hfendpoints.text_classification('gen', 'x');
EXPLAIN (COSTS OFF)
SELECT count(hfendpoints.text_generation('gen', body)) FROM rc_docs;
-- ... and a volatile function below the calls: a WHERE calling one would
-- no longer see the earlier rows' updates if the rows were read ahead
EXPLAIN (COSTS OFF)
UPDATE rc_docs SET summary = hfendpoints.text_generation('gen', body) WHERE random() >= 0;
-- the setting off gives today's plan
SET hfendpoints.batch_row_calls = off;
EXPLAIN (COSTS OFF)
SELECT hfendpoints.text_generation('gen', body) FROM rc_docs;
RESET hfendpoints.batch_row_calls;

-- EXPLAIN ANALYZE counts the calls sent
SELECT explain_analyze($$SELECT hfendpoints.text_generation('gen', body) FROM rc_docs WHERE id <= 20$$);

-- a plan made with the setting on and run with it off sends one call at a
-- time (it is checked when the statement starts)
SET plan_cache_mode = force_generic_plan;
PREPARE p AS SELECT hfendpoints.text_generation('gen', body) FROM rc_docs WHERE id <= 10;
SELECT explain_analyze('EXECUTE p');
SET hfendpoints.batch_row_calls = off;
SELECT explain_analyze('EXECUTE p');
RESET hfendpoints.batch_row_calls;
DEALLOCATE p;
RESET plan_cache_mode;

-- an aggregate whose transition function makes a call is volatile, though
-- pg_proc marks every aggregate immutable: a GROUP BY that computes its
-- groups as they are read keeps the sequential plan (reading ahead would
-- make the calls of the groups after); a built-in aggregate does not
CREATE FUNCTION rc_add_first_letter(letters text, body text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    RETURN coalesce(letters, '') || left(hfendpoints.text_generation('gen', body, return_full_text => false), 1);
END
$$;
CREATE AGGREGATE rc_first_letters(text) (sfunc = rc_add_first_letter, stype = text);
SET enable_hashagg = off;
SELECT call_nodes($$SELECT lang, hfendpoints.text_generation('gen', rc_first_letters(body)) FROM rc_docs GROUP BY lang$$) AS calling_aggregate,
       call_nodes($$SELECT lang, hfendpoints.text_generation('gen', string_agg(body, ',')) FROM rc_docs GROUP BY lang$$) AS string_agg;
RESET enable_hashagg;

-- below a Gather, the plan runs in each worker: no node there (a call gets
-- there only through a SQL function marked PARALLEL SAFE, inlined)
CREATE FUNCTION rc_summary(body text) RETURNS text LANGUAGE sql PARALLEL SAFE
AS $$ SELECT hfendpoints.text_generation('gen', body, return_full_text => false) $$;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 1;  -- the table's size, which earlier updates change, would choose 1 or 2
EXPLAIN (COSTS OFF)
SELECT id, rc_summary(body) FROM rc_docs;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- the calls of a row are answered in the order the sequential plan makes
-- them, as it computes the target list: an error over the first call's
-- result comes before the failure of the second call
SELECT call_nodes($$SELECT hfendpoints.text_generation('gen', 'echo:1')::int, hfendpoints.text_generation('gen', 'echo:2')$$ ||
                  $$ FROM generate_series(1, 5) i$$) AS nodes;
SELECT i, hfendpoints.text_generation('gen', 'echo:' || CASE WHEN i = 3 THEN 'abc' ELSE i::text END, return_full_text => false)::int AS a,
       hfendpoints.text_generation('gen', CASE WHEN i = 3 THEN 'fail:the second call' ELSE 'echo:ok' END, return_full_text => false) AS b
FROM generate_series(1, 5) i;

-- a LIMIT's bound reaches the Sort below the node as it would without it:
-- a top-N sort, which keeps the sequential plan's rows among ties
CREATE TABLE rc_ties AS SELECT i AS id, i % 2 AS k, 'echo:' || i AS body FROM generate_series(1, 200) i;
CREATE TABLE rc_ties_batched AS
SELECT id, hfendpoints.text_generation('gen', body, return_full_text => false) FROM rc_ties ORDER BY k LIMIT 5;
SET hfendpoints.batch_row_calls = off;
CREATE TABLE rc_ties_expected AS
SELECT id, hfendpoints.text_generation('gen', body, return_full_text => false) FROM rc_ties ORDER BY k LIMIT 5;
RESET hfendpoints.batch_row_calls;
SELECT (SELECT array_agg(id) FROM rc_ties_batched) = (SELECT array_agg(id) FROM rc_ties_expected) AS same_rows;
SELECT substring(line FROM 'Sort Method: [^ ]+ [^ ]+') AS sort
FROM explain_analyze($$SELECT id, hfendpoints.text_generation('gen', body) FROM rc_ties ORDER BY k LIMIT 5$$) line
WHERE line ~ 'Sort Method';
DROP TABLE rc_ties, rc_ties_batched, rc_ties_expected;

-- a window function's run condition stops at the first row that fails it,
-- once its target list, calls included, is computed for it: that keeps
-- the sequential plan, which makes the call of that row too
SELECT call_nodes($$SELECT * FROM (SELECT id, row_number() OVER (ORDER BY id) AS n, hfendpoints.text_generation('gen', body) FROM rc_docs) s WHERE n <= 5$$) AS run_condition,
       call_nodes($$SELECT * FROM (SELECT id, row_number() OVER (ORDER BY id) AS n, hfendpoints.text_generation('gen', body) FROM rc_docs) s$$) AS no_run_condition;

-- a function that runs its query for one row, called for each row of the
-- statement, pays for a window once, not on every call: its node reads
-- one row at a time after the first call has left rows read ahead
CREATE FUNCTION rc_first_summary() RETURNS text LANGUAGE sql
AS $$ SELECT hfendpoints.text_generation('gen', body, return_full_text => false) FROM rc_docs WHERE body IS NOT NULL ORDER BY id $$;
\! test/fake/hfctl requests-clear
SELECT count(DISTINCT rc_first_summary()) AS answers FROM generate_series(1, 10);
\! test/fake/hfctl requests --path /endpoints/fake-user/gen --method POST | grep -c '^POST' | awk '{ print ($1 >= 10 && $1 <= 26) ? "from 10 to 10 + 16 requests" : "requests: " $1 }'
DROP FUNCTION rc_first_summary();

-- the calls are made for the role and the server of each row's turn, as in
-- the sequential plan: a cursor fetched after SET ROLE makes its next calls
-- with that role's token (a role with none gets the error), and a trigger
-- that sets hfendpoints.server sends the next rows' calls there.  The rows
-- read ahead before are then prepared again, one at a time.
\! test/fake/hfctl seed other-user/gen '{"task": "text-generation"}'
CREATE ROLE rc_no_token;
CREATE ROLE rc_other_token;
GRANT hfendpoints_user TO rc_no_token, rc_other_token;
GRANT USAGE ON FOREIGN SERVER huggingface TO rc_no_token, rc_other_token;
CREATE USER MAPPING FOR rc_other_token SERVER huggingface OPTIONS (token 'hf_other_token');
BEGIN;
DECLARE c10 CURSOR FOR SELECT i, hfendpoints.text_generation('gen', 'echo:' || i, return_full_text => false) FROM generate_series(1, 40) i;
FETCH 1 FROM c10;
SET LOCAL ROLE rc_other_token;
\! test/fake/hfctl requests-clear
FETCH 3 FROM c10;
\! test/fake/hfctl requests --path /endpoints/other-user/gen --method POST | grep -c '^POST'
SET LOCAL ROLE rc_no_token;
FETCH 1 FROM c10;
ROLLBACK;
CREATE SERVER rc_elsewhere FOREIGN DATA WRAPPER hfendpoints
    OPTIONS (api_url :'api_url', hub_url :'fake_url', allowed_hosts '127.0.0.1', allow_http 'true');
CREATE USER MAPPING FOR CURRENT_USER SERVER rc_elsewhere OPTIONS (token 'hf_other_token');
CREATE TABLE rc_switch (id int PRIMARY KEY, body text, summary text);
INSERT INTO rc_switch SELECT i, 'echo:' || i, NULL FROM generate_series(1, 6) i;
CREATE FUNCTION rc_switch_server() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('hfendpoints.server', 'rc_elsewhere', false);
    RETURN NEW;
END
$$;
CREATE TRIGGER rc_switch_server BEFORE UPDATE ON rc_switch FOR EACH ROW EXECUTE FUNCTION rc_switch_server();
\! test/fake/hfctl requests-clear
UPDATE rc_switch SET summary = hfendpoints.text_generation('gen', body, return_full_text => false);
\! test/fake/hfctl requests --path /endpoints/other-user/gen --method POST | grep -c '^POST'
RESET hfendpoints.server;
SELECT line FROM explain_analyze($$UPDATE rc_switch SET summary = hfendpoints.text_generation('gen', body, return_full_text => false)$$) line
WHERE line ~ 'Window';
RESET hfendpoints.server;
DROP TABLE rc_switch;
DROP FUNCTION rc_switch_server();
DROP USER MAPPING FOR CURRENT_USER SERVER rc_elsewhere;
DROP SERVER rc_elsewhere;
DROP USER MAPPING FOR rc_other_token SERVER huggingface;
REVOKE USAGE ON FOREIGN SERVER huggingface FROM rc_no_token, rc_other_token;
DROP ROLE rc_no_token, rc_other_token;

-- cancel mid-window: the statement stops at once, nothing is left behind
\! test/fake/hfctl endpoint fake-user/gen '{"latency_ms": 5000}'
SET statement_timeout = '300ms';
SELECT hfendpoints.text_generation('gen', 'echo:' || i) FROM generate_series(1, 50) i;
RESET statement_timeout;
\! test/fake/hfctl endpoint fake-user/gen '{"latency_ms": 0}'
SELECT hfendpoints.text_generation('gen', 'echo:after the cancel', return_full_text => false);

DROP TABLE rc_docs, rc_batched, rc_expected, rc_copies;
DROP FUNCTION explain_analyze(text), call_nodes(text), rc_summary(text);
DROP AGGREGATE rc_first_letters(text);
DROP FUNCTION rc_add_first_letter(text, text);
