#!/usr/bin/env bash
# Sequential per-row text_generation against a zero-latency server, next to
# a plain C libcurl keep-alive loop sending the same requests, in the same
# run (README "Benchmarks"; issue 3 item 7).  Target: the extension
# reaches at least 0.85 of the plain loop's rate.
#
#   bench/text_generation_seq.sh [N]      # N requests per measurement (5000)
#
# Run as root from the repository (it runs 'make install' and starts
# PostgreSQL as the postgres user), or as a user who can install into the
# PostgreSQL tree.  It starts its own throwaway cluster (initdb in a
# temporary directory) and its own fake service, and removes both at exit.
# Each side is measured ROUNDS times (3), alternating, after a warm-up; the
# median of the rounds' ratios is compared with the target.
set -euo pipefail

n=${1:-5000}
rounds=${ROUNDS:-3}
cd "$(dirname "$0")/.."
. bench/lib.sh

bench_start
# the reference program
gcc -O2 -Wall -Wextra -Werror -o "$work/plain_loop" bench/plain_loop.c $(curl-config --cflags) $(curl-config --libs)
test/fake/hfctl seed fake-user/bench
url="$HF_FAKE_URL/endpoints/fake-user/bench"

# One measurement of the extension: N rows, one text_generation each, in one
# statement of one session (the endpoint name is resolved once and cached).
ext_rate() {
    psql_run -At <<EOF
SELECT count(hfendpoints.text_generation('bench', 'bench ' || i, max_new_tokens => 1))
FROM generate_series(1, 200) AS i \\g /dev/null
SELECT extract(epoch FROM clock_timestamp()) AS t0 \\gset
SELECT count(hfendpoints.text_generation('bench', 'bench ' || i, max_new_tokens => 1))
FROM generate_series(1, $n) AS i \\g /dev/null
SELECT round($n / (extract(epoch FROM clock_timestamp()) - :t0))::int;
EOF
}

plain_rate() {
    "$work/plain_loop" "$url" hf_fake_token 200 >/dev/null
    "$work/plain_loop" "$url" hf_fake_token "$n" | sed -E 's/.*: ([0-9]+) requests\/s/\1/'
}

# Rounds alternate the two sides; each round's ratio compares runs made a
# few seconds apart, so a machine whose load drifts (other work on it)
# skews the median ratio less than it skews the rates.
ext=()
plain=()
ratios=()
for r in $(seq 1 "$rounds"); do
    p=$(plain_rate)
    e=$(ext_rate)
    plain+=("$p")
    ext+=("$e")
    ratios+=("$(awk -v e="$e" -v p="$p" 'BEGIN {printf "%.2f", e / p}')")
done
plain_med=$(printf '%s\n' "${plain[@]}" | median)
ext_med=$(printf '%s\n' "${ext[@]}" | median)
ratio=$(printf '%s\n' "${ratios[@]}" | median)

echo "sequential text_generation, $n requests per run, zero-latency fake, $rounds rounds (medians)"
printf '%-44s %10s  %s\n' "" "requests/s" "rounds"
printf '%-44s %10s  %s\n' "plain C libcurl keep-alive loop (reference)" "$plain_med" "${plain[*]}"
printf '%-44s %10s  %s\n' "SELECT hfendpoints.text_generation(...)" "$ext_med" "${ext[*]}"
printf '%-44s %10s  %s\n' "ratio, median of rounds (target >= 0.85)" "$ratio" "${ratios[*]}"
awk -v r="$ratio" 'BEGIN {exit !(r >= 0.85)}' || { echo "below target" >&2; exit 1; }
