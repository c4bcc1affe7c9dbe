#!/usr/bin/env bash
# hfendpoints without shared_preload_libraries, which the pg_regress suite
# cannot test (its cluster preloads the library): start a throwaway
# cluster without the preload, run test/nopreload.sql in it and compare the
# output with test/nopreload.out.  The views must raise a clear error with a
# hint, and every other function must work, batch and enrich included.
#
#   test/nopreload.sh WORKDIR
#
# Run as the postgres user from any directory, with PostgreSQL's bin
# directory in PATH and HF_FAKE_URL pointing at a running fake service
# (scripts/test does all this after the pg_regress suite).  WORKDIR must
# not exist yet; it is left behind for inspection.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: test/nopreload.sh WORKDIR" >&2
    exit 2
fi
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mkdir -p "$1" && cd "$1" && pwd)
: "${HF_FAKE_URL:?HF_FAKE_URL must point at the fake service}"

initdb -D "$dir/data" -A trust -U postgres >"$dir/initdb.log" 2>&1
pg_ctl -D "$dir/data" -l "$dir/server.log" -w \
    -o "-c listen_addresses='' -k $dir -c shared_preload_libraries=''" start >/dev/null
stop() { pg_ctl -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true; }
trap stop EXIT

cd "$top"
psql -X -a -q -h "$dir" -U postgres -d postgres \
    <test/nopreload.sql >"$dir/nopreload.out" 2>&1 || true
if ! diff -u test/nopreload.out "$dir/nopreload.out" >"$dir/nopreload.diff"; then
    cat "$dir/nopreload.diff"
    echo "test/nopreload.sh: output differs from test/nopreload.out (see $dir)" >&2
    exit 1
fi
echo "hfendpoints without shared_preload_libraries ... ok"
