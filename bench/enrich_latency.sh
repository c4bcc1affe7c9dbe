#!/usr/bin/env bash
# CALL hfendpoints.enrich() against a server with heavy-tailed latency, next
# to the best any client keeping C requests in flight could do with the
# latencies the server actually served, and one text_generation_batch call
# over the same prompts, served the same latencies, next to its own (issue
# 15; README "Benchmarks").  Target: enrich within 1.10 x its reference.
#
#   bench/enrich_latency.sh               # ROWS=4000, MEDIAN=50 ms, SIGMA=0.8, SEED=15, C=64
#   ROWS=1000 SIGMA=1.2 bench/enrich_latency.sh
#
# The fake draws each request's service time from a lognormal distribution
# (median MEDIAN ms, sigma SIGMA) with a fixed seed, and records the latency
# it served to each request in arrival order (test/fake/README.md
# "Latency").  The reference is computed here from that record: list
# scheduling over C slots, each request, in arrival order, to the slot that
# frees first, whose makespan is the wall time of a client with no overhead
# that always keeps C requests in flight.  A client that waits for the
# slowest request of a batch before sending the next one pays the tail once
# per batch.  stats-reset, just before each timed statement, clears the
# record and restarts the seeded sequence, so that enrich and the batch call
# see the same latencies.  enrich runs with its default batch_size; the
# fake's slots are C too.  Nothing here fails on a figure: it fails only
# when rows are left unfilled.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

rows=${ROWS:-4000}
median_ms=${MEDIAN:-50}
sigma=${SIGMA:-0.8}
seed=${SEED:-15}
slots=${C:-64}

bench_start
test/fake/hfctl seed fake-user/bench
test/fake/hfctl endpoint fake-user/bench "{\"latency_dist\": \"lognormal\", \"latency_median_ms\": $median_ms,
    \"latency_sigma\": $sigma, \"latency_seed\": $seed, \"max_concurrency\": $slots}"

psql_run <<SQL
CREATE TABLE docs (id int PRIMARY KEY, body text, summary text);
INSERT INTO docs (id, body) SELECT i, 'echo:document ' || i FROM generate_series(1, $rows) i;
VACUUM ANALYZE docs;
SQL

timed() { bench_timed "SET hfendpoints.max_concurrency = $slots;" "$1"; }

# makespan in seconds of the latencies (ms, one a line, arrival order) of
# file $1 list-scheduled over C slots: each to the slot that frees first
schedule() {
    awk -v c="$slots" '
        BEGIN { for (i = 1; i <= c; i++) s[i] = 0 }
        { b = 1; for (i = 2; i <= c; i++) if (s[i] < s[b]) b = i; s[b] += $1 }
        END { m = 0; for (i = 1; i <= c; i++) if (s[i] > m) m = s[i]; printf "%.3f", m / 1000 }' "$1"
}

# "count median p99 max mean" of the latencies of file $1
summary() {
    sort -n "$1" | awk '{a[NR] = $1; t += $1}
        END {printf "%d %d %d %d %.1f", NR, a[int((NR + 1) / 2)], a[int(NR * 0.99 + 0.5)], a[NR], t / NR}'
}

enrich=$(timed "CALL hfendpoints.enrich('docs', 'body', 'summary', 'bench')")
test/fake/hfctl latencies fake-user/bench >"$work/enrich.lat"
filled=$(psql_run -At -c "SELECT count(*) FROM docs WHERE summary IS NOT NULL")

batch=$(timed "SELECT count(*) FROM hfendpoints.text_generation_batch('bench',
               ARRAY(SELECT body FROM docs ORDER BY id))")
test/fake/hfctl latencies fake-user/bench >"$work/batch.lat"

enrich_ref=$(schedule "$work/enrich.lat")
batch_ref=$(schedule "$work/batch.lat")
ratio() { awk -v t="$1" -v r="$2" 'BEGIN {printf "%.2f", t / r}'; }
enrich_ratio=$(ratio "$enrich" "$enrich_ref")
batch_ratio=$(ratio "$batch" "$batch_ref")
read -r e_n e_med e_p99 e_max e_mean <<<"$(summary "$work/enrich.lat")"
read -r b_n b_med b_p99 b_max b_mean <<<"$(summary "$work/batch.lat")"
verdict=$(awk -v r="$enrich_ratio" 'BEGIN {print (r <= 1.10 ? "" : "above target")}')

echo "enrich under heavy-tailed latency: $rows rows, lognormal median $median_ms ms, sigma $sigma (seed $seed),"
echo "max_concurrency $slots, enrich's default batch_size; server slots $slots"
printf '%-56s %9s\n' "" "seconds"
printf '%-56s %9s\n' "zero-overhead schedule of enrich's latencies (reference)" "$enrich_ref"
printf '%-56s %9s\n' "CALL hfendpoints.enrich" "$enrich"
printf '%-56s %9s  %s\n' "  ratio to the reference (target <= 1.10)" "$enrich_ratio" "$verdict"
printf '%-56s %9s\n' "zero-overhead schedule of the batch's latencies" "$batch_ref"
printf '%-56s %9s\n' "one text_generation_batch over the same $rows prompts" "$batch"
printf '%-56s %9s\n' "  ratio to its reference" "$batch_ratio"
printf '%-56s %9s\n' "rows filled by enrich" "$filled"
echo "latencies served (ms): requests, median, p99, max, mean"
printf '  %-54s %s\n' "to enrich" "$e_n, $e_med, $e_p99, $e_max, $e_mean"
printf '  %-54s %s\n' "to text_generation_batch" "$b_n, $b_med, $b_p99, $b_max, $b_mean"
if ! cmp -s "$work/enrich.lat" "$work/batch.lat"; then
    echo "  (the two sequences differ: one run sent a different number of requests)"
fi
[ "$filled" -eq "$rows" ] || { echo "not every row was filled" >&2; exit 1; }
