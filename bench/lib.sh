# Shared by the benchmark scripts: a throwaway PostgreSQL cluster and a fake
# service, both started here and removed at exit.  Source it, then call
# bench_start.  Run as root from the repository (it runs 'make install').

# the fake service's start-up is the test suite's (hfe_start_fake)
. scripts/lib/testenv.sh

# As the postgres user when run as root, from / (it may not be able to
# enter the clone: root's home is mode 700).
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

bench_cleanup() {
    if [ -n "${pg_started:-}" ]; then as_pg "$bindir/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true; fi
    if [ -n "${fake_pid:-}" ]; then kill "$fake_pid" 2>/dev/null || true; wait "$fake_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}

# Build and install the extension, start the fake service (HF_FAKE_URL) and
# a cluster with hfendpoints preloaded and the default server pointed at the
# fake, with a user mapping for the postgres role.
bench_start() {
    make -s PG_CONFIG="$pg_config" >/dev/null
    make -s PG_CONFIG="$pg_config" install >/dev/null

    work=$(mktemp -d /tmp/hfendpoints-bench.XXXXXX)
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$work"; fi
    trap bench_cleanup EXIT

    hfe_start_fake >/dev/null
    test/fake/hfctl config '{"record_requests": false}'
    # hfctl for the psql sessions' \!, where the postgres user can read it
    cp test/fake/hfctl "$work/hfctl"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$work/hfctl"; fi

    as_pg "$bindir/initdb" -D "$work/data" -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$work/data/postgresql.conf" <<CONF
shared_preload_libraries = 'hfendpoints'
listen_addresses = ''
unix_socket_directories = '$work'
port = 5432
fsync = off
CONF
    as_pg "$bindir/pg_ctl" -D "$work/data" -l "$work/postgres.log" -w start >/dev/null
    pg_started=1

    psql_run <<SQL
SET client_min_messages = warning;
CREATE EXTENSION hfendpoints;
CREATE SERVER huggingface FOREIGN DATA WRAPPER hfendpoints
    OPTIONS (api_url '$HF_FAKE_URL/v2', hub_url '$HF_FAKE_URL', allowed_hosts '127.0.0.1', allow_http 'true');
CREATE USER MAPPING FOR CURRENT_USER SERVER huggingface OPTIONS (token 'hf_fake_token');
SQL
}

psql_run() {
    as_pg "$bindir/psql" -h "$work" -p 5432 -d postgres -X -q -v ON_ERROR_STOP=1 "$@"
}

# Seconds one statement ($2) takes, in a session that first runs the SQL $1
# (settings) and a warm-up call to the endpoint "bench", so that neither the
# connection nor the session's first resolution of the endpoint is timed.
# The fake's statistics and latency seeds restart just before the statement
# (hfctl stats-reset), so that statements timed one after the other are
# served the same latencies.
bench_timed() {
    psql_run -At <<SQL
SET client_min_messages = warning;
$1
SELECT count(*) FROM hfendpoints.text_generation_batch('bench', ARRAY['warm-up']) \\g /dev/null
\\! $work/hfctl stats-reset
SELECT extract(epoch FROM clock_timestamp()) AS t0 \\gset
$2 \\g /dev/null
SELECT round((extract(epoch FROM clock_timestamp()) - :t0)::numeric, 3);
SQL
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
