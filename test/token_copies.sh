#!/usr/bin/env bash
# test/token_copies.sh ROUNDS... -- how many copies of the role's token a
# backend's memory holds after its requests and DISCARD ALL
# (test/sql/secrets.sql calls it through \!; SECURITY.md names each copy).
#
# For each ROUNDS, a new session makes that many rounds of requests, each
# round a whoami, a get_endpoint, a text_generation and a 2-row
# text_generation_batch (management API, Hub and data plane, single and
# batched), then DISCARD ALL; test/token_copies.js then counts the token in
# the backend's private memory while the session is still open.  Prints
# one line per ROUNDS, "ROUNDS: N", to stderr when HFE_TOKEN_COPIES_VERBOSE
# is set, and always one verdict line on stdout: whether every count is
# the same and at most the bound, so that the output does not depend on
# the PostgreSQL major.  Needs the postgres user to read the backends'
# /proc/PID/mem (same user, no Yama restriction), as pg_regress's \! does.
set -uo pipefail
cd "$(dirname "$0")/.."
token=hf_fake_token
bound=3

counts=()
for rounds in "$@"; do
    n=$(HFE_TOKEN="$token" psql -X -q -At -d "${PGDATABASE:-regression}" -v rounds="$rounds" <<'SQL'
SELECT pg_backend_pid() AS pid \gset
\setenv HFE_PID :pid
SET client_min_messages = warning;
SELECT count(*) FROM generate_series(1, :rounds) AS i,
    LATERAL (SELECT hfendpoints.whoami() ->> 'name',
                    (hfendpoints.get_endpoint('tgi')).name,
                    hfendpoints.text_generation('tgi', 'echo:x' || i),
                    (SELECT count(*) FROM hfendpoints.text_generation_batch('tgi', ARRAY['a', 'b']))) AS r \g /dev/null
DISCARD ALL;
\! node test/token_copies.js "$HFE_PID" "$HFE_TOKEN"
SQL
    )
    [ -n "${HFE_TOKEN_COPIES_VERBOSE:-}" ] && echo "$rounds: $n" >&2
    counts+=("$n")
done

same=yes
for n in "${counts[@]}"; do
    if ! [[ "$n" =~ ^[0-9]+$ ]] || [ "$n" != "${counts[0]}" ] || [ "$n" -gt "$bound" ]; then
        same=no
    fi
done
if [ $same = yes ]; then
    echo "token copies after $(IFS=,; echo "$*") rounds of requests: the same, at most $bound"
else
    echo "token copies after $(IFS=,; echo "$*") rounds of requests differ or exceed $bound: ${counts[*]}"
fi
