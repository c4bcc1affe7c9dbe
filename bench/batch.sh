#!/usr/bin/env bash
# Batch inference against a server with latency L and C concurrent slots,
# next to the physical limit N x L / C, and the same prompts sent one row
# at a time (issue 4; README "Benchmarks").  Target: at most 1.15 x the
# limit.
#
#   bench/batch.sh                  # N=2000 prompts, L=50 ms, C=64
#   SEQ_N=200 bench/batch.sh        # time the sequential run on 200 prompts only
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

n=${N:-2000}
latency_ms=${L:-50}
slots=${C:-64}
seq_n=${SEQ_N:-$n}

bench_start
test/fake/hfctl seed fake-user/bench
test/fake/hfctl endpoint fake-user/bench "{\"latency_ms\": $latency_ms, \"max_concurrency\": $slots}"

timed() { bench_timed "SET hfendpoints.max_concurrency = $slots;" "$1"; }

limit=$(awk -v n="$n" -v l="$latency_ms" -v c="$slots" 'BEGIN {printf "%.3f", n * l / 1000 / c}')
batch=$(timed "SELECT count(*) FROM hfendpoints.text_generation_batch('bench',
               ARRAY(SELECT 'prompt ' || i FROM generate_series(1, $n) i), max_new_tokens => 5)")
seq=$(timed "SELECT count(hfendpoints.text_generation('bench', 'prompt ' || i, max_new_tokens => 5))
             FROM generate_series(1, $seq_n) i")
ratio=$(awk -v b="$batch" -v l="$limit" 'BEGIN {printf "%.2f", b / l}')
seq_scaled=$(awk -v s="$seq" -v sn="$seq_n" -v n="$n" 'BEGIN {printf "%.2f", s * n / sn}')
speedup=$(awk -v s="$seq_scaled" -v b="$batch" 'BEGIN {printf "%.0f", s / b}')

echo "batch inference: $n prompts, ${latency_ms} ms per request, $slots concurrent slots"
printf '%-52s %9s\n' "" "seconds"
printf '%-52s %9s\n' "physical limit N x L / C (reference)" "$limit"
printf '%-52s %9s\n' "text_generation_batch, max_concurrency = $slots" "$batch"
printf '%-52s %9s\n' "  ratio to the limit (target <= 1.15)" "$ratio"
printf '%-52s %9s\n' "per-row text_generation, sequential ($seq_n prompts)" "$seq"
if [ "$seq_n" != "$n" ]; then printf '%-52s %9s\n' "  scaled to $n prompts" "$seq_scaled"; fi
printf '%-52s %8sx\n' "  batch speed-up" "$speedup"
awk -v r="$ratio" 'BEGIN {exit !(r <= 1.15)}' || { echo "above target" >&2; exit 1; }
