#!/usr/bin/env bash
# Several sessions running CALL hfendpoints.enrich() on the same table at
# once: the wall time of 1, 2 and 4 workers, and the requests they sent for
# the rows they filled (issue 15; README "Benchmarks").  Targets: 4 workers
# take at most 0.35 x the time of 1, and the requests equal the rows (no row
# sent twice).
#
#   bench/enrich_workers.sh               # ROWS=2000, L=100 ms, C=16 per session, WORKERS="1 2 4"
#   ROWS=500 bench/enrich_workers.sh
#
# Each run has a fresh table.  Its workers connect, set
# hfendpoints.max_concurrency, and wait on an advisory lock that a control
# session holds; once all of them wait, the fake's statistics are reset and
# the lock released, so that they start together.  A run's time is from the
# first worker's start to the last one's end (each reads clock_timestamp()).
# The requests are those the endpoint served (hfctl latencies), next to the
# rows filled.  The 1-worker run is the reference of the ratio; the limit
# column is rows x L / (workers x C), the time with every slot always busy.
# enrich runs with its default batch_size; the fake has no slot limit.
# Nothing here fails on a figure: only when a worker fails or rows are left
# unfilled.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

rows=${ROWS:-2000}
latency_ms=${L:-100}
per=${C:-16}
workers_list=${WORKERS:-1 2 4}

bench_start
test/fake/hfctl seed fake-user/bench
test/fake/hfctl endpoint fake-user/bench "{\"latency_ms\": $latency_ms}"

fresh_table() {
    psql_run <<SQL
SET client_min_messages = warning;
DROP TABLE IF EXISTS docs;
CREATE TABLE docs (id int PRIMARY KEY, body text, summary text);
INSERT INTO docs (id, body) SELECT i, 'echo:document ' || i FROM generate_series(1, $rows) i;
VACUUM ANALYZE docs;
SQL
}

# advisory locks on key 15: granted exclusive ($1 = t) or waiting ($1 = f)
locks() {
    psql_run -At -c "SELECT count(*) FROM pg_locks
                      WHERE locktype = 'advisory' AND objid = 15 AND granted = '$1'"
}

wait_for() {   # wait_for WHAT COUNT: until locks WHAT reports COUNT
    for _ in $(seq 1 200); do
        [ "$(locks "$1")" = "$2" ] && return 0
        sleep 0.05
    done
    echo "the workers did not reach the start line" >&2
    exit 1
}

# run N: prints "seconds requests filled"
run() {
    local n=$1 i status=0
    fresh_table
    rm -f "$work/gate"
    mkfifo "$work/gate"
    psql_run -At <"$work/gate" >/dev/null &
    local gate=$!
    exec 3>"$work/gate"
    echo "SELECT pg_advisory_lock(15);" >&3
    wait_for t 1
    local pids=()
    for i in $(seq 1 "$n"); do
        psql_run -At >"$work/w$i.out" 2>"$work/w$i.err" <<SQL &
SET hfendpoints.max_concurrency = $per;
SET client_min_messages = warning;
SELECT pg_advisory_lock_shared(15) \\g /dev/null
SELECT pg_advisory_unlock_shared(15) \\g /dev/null
SELECT extract(epoch FROM clock_timestamp()) AS t0 \\gset
CALL hfendpoints.enrich('docs', 'body', 'summary', 'bench');
SELECT :t0, extract(epoch FROM clock_timestamp());
SQL
        pids+=($!)
    done
    wait_for f "$n"
    test/fake/hfctl stats-reset
    echo "SELECT pg_advisory_unlock(15);" >&3
    exec 3>&-
    wait "$gate"
    for i in $(seq 1 "$n"); do
        if ! wait "${pids[$((i - 1))]}"; then
            echo "worker $i of $n failed:" >&2
            cat "$work/w$i.err" >&2
            status=1
        fi
    done
    [ "$status" -eq 0 ] || exit 1
    local seconds requests filled
    seconds=$(cat "$work"/w*.out | awk -F'|' 'NR == 1 || $1 < s {s = $1} NR == 1 || $2 > e {e = $2}
                                                END {printf "%.2f", e - s}')
    rm -f "$work"/w*.out "$work"/w*.err
    requests=$(test/fake/hfctl latencies fake-user/bench | wc -l)
    filled=$(psql_run -At -c "SELECT count(*) FROM docs WHERE summary IS NOT NULL")
    echo "$seconds $requests $filled"
}

echo "enrich workers: $rows rows, ${latency_ms} ms per request, max_concurrency $per per session,"
echo "enrich's default batch_size, one table, workers started together"
printf '%-8s %9s %10s %9s %9s %14s\n' workers seconds "limit (s)" requests filled requests/rows
declare -A secs reqs
unfilled=0
for n in $workers_list; do
    out=$(run "$n")
    read -r s r f <<<"$out"
    secs[$n]=$s
    reqs[$n]=$r
    [ "$f" -eq "$rows" ] || unfilled=1
    printf '%-8s %9s %10s %9s %9s %14s\n' "$n" "$s" \
        "$(awk -v r="$rows" -v l="$latency_ms" -v w="$n" -v c="$per" 'BEGIN {printf "%.2f", r * l / 1000 / (w * c)}')" \
        "$r" "$f" "$(awk -v q="$r" -v r="$rows" 'BEGIN {printf "%.2f", q / r}')"
done
if [ -n "${secs[1]:-}" ] && [ -n "${secs[4]:-}" ]; then
    r4=$(awk -v a="${secs[4]}" -v b="${secs[1]}" 'BEGIN {printf "%.2f", a / b}')
    q4=$(awk -v q="${reqs[4]}" -v r="$rows" 'BEGIN {printf "%.2f", q / r}')
    printf '%-50s %6s  %s\n' "time of 4 workers / 1 worker (target <= 0.35)" "$r4" \
        "$(awk -v r="$r4" 'BEGIN {print (r <= 0.35 ? "" : "above target")}')"
    printf '%-50s %6s  %s\n' "requests / rows with 4 workers (target 1.00)" "$q4" \
        "$(awk -v q="${reqs[4]}" -v r="$rows" 'BEGIN {print (q == r ? "" : "above target")}')"
fi
[ "$unfilled" -eq 0 ] || { echo "not every row was filled" >&2; exit 1; }
