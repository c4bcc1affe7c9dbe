#!/usr/bin/env bash
# Per-row SQL at batch speed: UPDATE ... SET summary = text_generation(...)
# over N rows through the plan node (README "Per-row calls"), next to one
# text_generation_batch call over the same rows and to the same UPDATE with
# hfendpoints.batch_row_calls off (the sequential plan), in the same run;
# once at a constant latency and once with the lognormal latency of
# bench/enrich_latency.sh (rows come back in order, so a tail holds up the
# rows behind it).  Target: the UPDATE within 1.2 x the batch call.
#
#   bench/row_calls.sh                 # ROWS=2000 C=64 LATENCY=50 MEDIAN=50 SIGMA=0.8 SEQ_ROWS=200 PREFETCH=1024
#
# The sequential plan is timed over SEQ_ROWS rows and scaled to ROWS (at
# 50 ms a request, 2,000 rows would take 100 s).  Nothing here fails on a
# figure: it fails only when rows are left unfilled.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

rows=${ROWS:-2000}
slots=${C:-64}
latency=${LATENCY:-50}
median_ms=${MEDIAN:-50}
sigma=${SIGMA:-0.8}
seed=${SEED:-15}
seq_rows=${SEQ_ROWS:-200}
window=${PREFETCH:-1024}   # hfendpoints.prefetch_rows, its default

bench_start
test/fake/hfctl seed fake-user/bench

psql_run <<SQL
CREATE TABLE docs (id int PRIMARY KEY, body text, summary text);
INSERT INTO docs (id, body) SELECT i, 'echo:document ' || i FROM generate_series(1, $rows) i;
VACUUM ANALYZE docs;
SQL

# seconds taken by one statement ($1), each from a table with no summary
timed() {
    bench_timed "SET hfendpoints.max_concurrency = $slots;
SET hfendpoints.prefetch_rows = $window;
UPDATE docs SET summary = NULL;" "$1"
}

run() {
    local label=$1 knobs=$2
    test/fake/hfctl endpoint fake-user/bench "$knobs"
    local batch update filled seq
    batch=$(timed "SELECT count(*) FROM hfendpoints.text_generation_batch('bench', ARRAY(SELECT body FROM docs ORDER BY id), return_full_text => false)")
    update=$(timed "UPDATE docs SET summary = hfendpoints.text_generation('bench', body, return_full_text => false)")
    filled=$(psql_run -At -c "SELECT count(*) FROM docs WHERE summary IS NOT NULL")
    [ "$filled" -eq "$rows" ] || { echo "row_calls: $filled of $rows rows filled" >&2; exit 1; }
    seq=$(timed "SET hfendpoints.batch_row_calls = off; UPDATE docs SET summary = hfendpoints.text_generation('bench', body, return_full_text => false) WHERE id <= $seq_rows")
    seq=$(awk -v s="$seq" -v n="$rows" -v m="$seq_rows" 'BEGIN {printf "%.1f", s * n / m}')
    echo "$label"
    printf '  %-58s %9s s\n' "one text_generation_batch call (reference)" "$batch"
    printf '  %-58s %9s s\n' "UPDATE ... SET summary = text_generation(...), plan node" "$update"
    printf '  %-58s %9s\n' "  ratio to the batch call (target <= 1.2)" "$(awk -v a="$update" -v b="$batch" 'BEGIN {printf "%.2f", a / b}')"
    printf '  %-58s %9s s\n' "the same UPDATE, sequential plan (scaled from $seq_rows rows)" "$seq"
}

echo "per-row calls: $rows rows, max_concurrency $slots, prefetch_rows $window"
run "constant latency $latency ms" "{\"latency_dist\": \"constant\", \"latency_ms\": $latency, \"max_concurrency\": $slots}"
run "lognormal latency, median $median_ms ms, sigma $sigma (seed $seed)" \
    "{\"latency_dist\": \"lognormal\", \"latency_median_ms\": $median_ms, \"latency_sigma\": $sigma, \"latency_seed\": $seed, \"max_concurrency\": $slots}"
