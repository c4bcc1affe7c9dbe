#!/usr/bin/env bash
# CALL hfendpoints.enrich() over a large table: rows per second, and the
# backend's peak private memory growth while it runs (issue 4; README
# "Benchmarks").  Target: peak growth under 64 MB for 100,000 rows.
#
#   bench/enrich.sh                       # ROWS=100000, BATCH=500, C=64
#   ROWS=20000 bench/enrich.sh
#
# Memory is the backend's RssAnon (private, anonymous memory: palloc'd and
# malloc'd, not shared buffers), sampled every 100 ms from /proc.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

rows=${ROWS:-100000}
batch=${BATCH:-500}
slots=${C:-64}

bench_start
test/fake/hfctl seed fake-user/bench

psql_run <<SQL
CREATE TABLE docs (id int PRIMARY KEY, body text, summary text);
INSERT INTO docs (id, body) SELECT i, 'document number ' || i FROM generate_series(1, $rows) i;
VACUUM ANALYZE docs;
SQL

# the job in one session; its pid is found through pg_stat_activity
psql_run -At >"$work/job.out" <<SQL &
SET hfendpoints.max_concurrency = $slots;
SET client_min_messages = warning;
SELECT extract(epoch FROM clock_timestamp()) AS t0 \\gset
CALL hfendpoints.enrich('docs', 'body', 'summary', 'bench',
                        parameters => '{"max_new_tokens": 5}', batch_size => $batch);
SELECT round(extract(epoch FROM clock_timestamp()) - :t0, 2);
SQL
job=$!

pid=
for _ in $(seq 1 100); do
    pid=$(psql_run -At -c "SELECT pid FROM pg_stat_activity WHERE query LIKE 'CALL hfendpoints.enrich%'" || true)
    [ -n "$pid" ] && break
    sleep 0.05
done
[ -n "$pid" ] || { echo "the enrich job did not start" >&2; exit 1; }

rss_kb() { awk '/^RssAnon:/ {print $2}' "/proc/$1/status" 2>/dev/null || true; }
base=$(rss_kb "$pid")
peak=$base
while kill -0 "$job" 2>/dev/null; do
    cur=$(rss_kb "$pid")
    [ -n "$cur" ] && [ "$cur" -gt "$peak" ] && peak=$cur
    sleep 0.1
done
wait "$job"
seconds=$(tail -n 1 "$work/job.out")
filled=$(psql_run -At -c "SELECT count(*) FROM docs WHERE summary IS NOT NULL")
growth_mb=$(awk -v p="$peak" -v b="$base" 'BEGIN {printf "%.1f", (p - b) / 1024}')
rate=$(awk -v r="$filled" -v s="$seconds" 'BEGIN {printf "%.0f", r / s}')

echo "enrich: $rows rows, batch_size $batch, max_concurrency $slots, zero-latency fake"
printf '%-46s %12s\n' "rows filled" "$filled"
printf '%-46s %12s\n' "seconds" "$seconds"
printf '%-46s %12s\n' "rows/s" "$rate"
printf '%-46s %12s\n' "backend private memory at start (MB)" "$(awk -v b="$base" 'BEGIN {printf "%.1f", b / 1024}')"
printf '%-46s %12s\n' "peak growth during the job (MB, target < 64)" "$growth_mb"
[ "$filled" -eq "$rows" ] || { echo "not every row was filled" >&2; exit 1; }
awk -v g="$growth_mb" 'BEGIN {exit !(g < 64)}' || { echo "above target" >&2; exit 1; }
