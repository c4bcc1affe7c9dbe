#!/usr/bin/env bash
# Embeddings packed several to a request, against one request per input
# (issue 16; README "Benchmarks"): N texts through feature_extraction_batch
# against the fake's TEI, which costs PER_REQ ms per request plus PER_INPUT
# ms per input, at max_concurrency C.  The reference is the same call with
# hfendpoints.max_inputs_per_request = 1 (one input per request), measured
# in the same run; requests are counted by the fake.
#
#   bench/embeddings_pack.sh              # N=10000, PER_REQ=20, PER_INPUT=1, C=16
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

n=${N:-10000}
per_req=${PER_REQ:-20}
per_input=${PER_INPUT:-1}
conc=${C:-16}

bench_start
test/fake/hfctl seed fake-user/emb '{"task": "feature-extraction", "image": {"tei": {"url": "ghcr.io/huggingface/text-embeddings-inference:1.9"}}}'
test/fake/hfctl endpoint fake-user/emb "{\"latency_ms\": $per_req, \"latency_per_input_ms\": $per_input}"

# One session: the setting, a warm-up call, and (with "timed") the timed
# statement, whose seconds it prints.
session() {
    test/fake/hfctl stats-reset
    psql_run -At <<SQL
SET hfendpoints.max_concurrency = $conc;
$1
SELECT count(*) FROM hfendpoints.feature_extraction_batch('emb', ARRAY['warm-up']) \\g /dev/null
SELECT extract(epoch FROM clock_timestamp()) AS t0 \\gset
$2
SELECT round((extract(epoch FROM clock_timestamp()) - :t0)::numeric, 3);
SQL
}
requests() { test/fake/hfctl stats | sed -n 's/.*"requests":\([0-9]*\).*/\1/p'; }
timed_call="SELECT count(*) FROM hfendpoints.feature_extraction_batch('emb',
       ARRAY(SELECT 'text number ' || i FROM generate_series(1, $n) i)) \\g /dev/null"

# the timed call's requests: the session's, less those of the same session
# without it (name resolution, TEI's GET /info, the warm-up)
session "" "" >/dev/null; base=$(requests)
one=$(session "SET hfendpoints.max_inputs_per_request = 1;" "$timed_call"); one_req=$(( $(requests) - base ))
packed=$(session "" "$timed_call"); packed_req=$(( $(requests) - base ))
speedup=$(awk -v o="$one" -v p="$packed" 'BEGIN {printf "%.1f", o / p}')

# the zero-overhead limits: every request's cost spread over C slots
one_limit=$(awk -v n="$n" -v r="$per_req" -v i="$per_input" -v c="$conc" 'BEGIN {printf "%.3f", n * (r + i) / 1000 / c}')
packed_limit=$(awk -v n="$n" -v r="$per_req" -v i="$per_input" -v c="$conc" -v p="$packed_req" \
    'BEGIN {printf "%.3f", (p * r + n * i) / 1000 / c}')

echo "embeddings: $n texts, TEI costing $per_req ms per request + $per_input ms per input, max_concurrency $conc"
printf '%-48s %9s %9s\n' "" "requests" "seconds"
printf '%-48s %9s %9s\n' "one input per request (reference)" "$one_req" "$one"
printf '%-48s %9s %9s\n' "  its limit, requests x cost / C" "" "$one_limit"
printf '%-48s %9s %9s\n' "packed (TEI's max_client_batch_size)" "$packed_req" "$packed"
printf '%-48s %9s %9s\n' "  its limit, requests x cost / C" "" "$packed_limit"
printf '%-48s %19sx\n' "  packed speed-up" "$speedup"
