# shellcheck shell=bash
# The test environment shared by scripts/test and scripts/test-valgrind:
# build and install the extension, a throwaway work directory, the fake
# service on a loopback port, and pg_regress on a temporary instance.
# Source it from a script that runs with "set -euo pipefail":
#
#   . "$(dirname "$0")/lib/testenv.sh"
#   hfe_test_setup test            # root check, build, install, work dir
#   hfe_start_fake                 # sets HF_FAKE_URL
#   hfe_pg_regress "$bindir" "$@"  # the schedule, or the named tests
#
# Variables it sets: top, pg_config, bindir, pg_regress, work, tree,
# fake_port, HF_FAKE_URL, pg_major.  A script may change HFE_REGRESS_ENV
# (more environment for pg_regress) and HFE_REGRESS_TIMEOUT (the seconds
# the whole pg_regress run may take; 1200 unless it sets it).
# KEEP_TEST_DIR=1 keeps the work directory.  PG_CONFIG=/path/to/pg_config
# picks the PostgreSQL to test.
#
# The postgres user may not be able to read the clone (root's home is mode
# 700): it never reads the source tree.  What it needs (test/, README.md)
# is copied into $tree, inside the work directory it owns, and it runs
# from there.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
pg_config=${PG_CONFIG:-pg_config}
# shellcheck disable=SC2034 # for the scripts that source this file
bindir=$($pg_config --bindir)
pg_major=$($pg_config --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
pg_regress="$(dirname "$($pg_config --pgxs)")/../test/regress/pg_regress"
work=
tree=
fake_pid=
fake_port=
HFE_REGRESS_ENV=()
HFE_REGRESS_TIMEOUT=1200

# Stop the fake service and remove the work directory (an EXIT trap).
hfe_cleanup() {
    if [ -n "$fake_pid" ]; then
        kill "$fake_pid" 2>/dev/null || true
        wait "$fake_pid" 2>/dev/null || true
        fake_pid=
    fi
    if [ -n "$work" ]; then
        if [ "${KEEP_TEST_DIR:-}" = "" ]; then rm -rf "$work"; else echo "test files kept in $work"; fi
    fi
}

# hfe_test_setup NAME [make arguments...]: must run as root; builds and
# installs the extension and makes the work directory /tmp/hfendpoints-NAME.*
# (owned by postgres, removed on exit) with the copy of the tests in $tree.
hfe_test_setup() {
    local name=$1
    shift
    cd "$top" || exit 1
    if [ "$(id -u)" -ne 0 ]; then
        echo "scripts/$name: run as root (it runs 'make install' and then the tests as the postgres user)" >&2
        exit 1
    fi
    # -Werror here, where the project builds itself; never in a user's make
    make -s PG_CONFIG="$pg_config" COPT=-Werror "$@"
    make -s PG_CONFIG="$pg_config" COPT=-Werror "$@" install >/dev/null
    work=$(mktemp -d "/tmp/hfendpoints-$name.XXXXXX")
    trap hfe_cleanup EXIT
    tree="$work/tree"
    mkdir "$tree"
    cp -R test README.md "$tree/"
    hfe_without_pg_cron_if_missing
    chown -R postgres: "$work"
}

# pg_cron is built per major; where it is not installed, the copy of the
# tests runs without it: no preload, and no cron or keep_enriched test in
# the schedule.
hfe_without_pg_cron_if_missing() {
    [ ! -f "$($pg_config --pkglibdir)/pg_cron.so" ] || return 0
    echo "== pg_cron is not installed for PostgreSQL $pg_major: the cron and keep_enriched tests are skipped"
    sed -i "s/^shared_preload_libraries = 'pg_cron,hfendpoints'$/shared_preload_libraries = 'hfendpoints'/" \
        "$tree/test/regress.conf"
    sed -i -e '/^test: cron$/d' -e '/^test: keep_enriched$/d' "$tree/test/schedule"
}

# Consistency checks that need no server: every test file is in the
# schedule once and the schedule names no missing file (one list of
# tests), and no file refers to documents outside the repository.
hfe_check_tree() {
    echo "== test/schedule lists every test once; no reference outside the repository"
    local listed files status=0
    listed=$(sed -n 's/^test: *//p' test/schedule | tr ' ' '\n' | sed '/^$/d' | sort)
    files=$(cd test/sql && ls -- *.sql | sed 's/\.sql$//' | sort)
    if [ "$listed" != "$files" ]; then
        echo "test/schedule and test/sql/*.sql disagree:" >&2
        diff <(echo "$listed") <(echo "$files") >&2 || true
        status=1
    fi
    # Released install and upgrade scripts are never edited: the check
    # skips them.  Everything else points at doc/, README.md or SECURITY.md.
    if grep -rInE '\.\./shared|spec/[a-z-]+\.md|spec §|DESIGN(\.md)? §|STYLE\.md' . \
           --exclude-dir=.git --exclude-dir=build --exclude=testenv.sh \
           --exclude=hfendpoints--0.1.0.sql --exclude=hfendpoints--0.2.0.sql \
           --exclude=hfendpoints--0.1.0--0.2.0.sql >&2; then
        echo "the lines above refer to documents outside the repository: point them at doc/" >&2
        status=1
    fi
    return $status
}

# hfe_as_postgres DIR COMMAND...: run COMMAND as the postgres user from DIR
# (a directory it can enter: never the clone itself).
hfe_as_postgres() {
    local dir=$1
    shift
    (cd "$dir" && runuser -u postgres -- "$@")
}

# Start the fake service on an ephemeral port; export HF_FAKE_URL.
hfe_start_fake() {
    echo "== starting the fake service"
    node test/fake/hf_fake --port 0 >"$work/fake.out" 2>"$work/fake.err" &
    fake_pid=$!
    for _ in $(seq 1 100); do
        grep -q '^ready' "$work/fake.out" 2>/dev/null && break
        sleep 0.1
    done
    fake_port=$(awk '/^ready/ {print $2; exit}' "$work/fake.out")
    if [ -z "$fake_port" ]; then
        echo "the fake service did not start:" >&2
        cat "$work/fake.err" >&2
        exit 1
    fi
    export HF_FAKE_URL="http://127.0.0.1:$fake_port"
}

# Fail when an expected output holds a date near today or this run's port
# (test/check_expected.sh); call after hfe_start_fake.
hfe_check_expected() {
    echo "== expected outputs independent of the day and the run"
    test/check_expected.sh "$fake_port" test/expected/*.out test/nopreload.out
}

# hfe_pg_regress BINDIR [TEST...]: run the schedule (or the named tests) as
# the postgres user, from the copy of the tests, on a temporary instance
# whose binaries come from BINDIR.  Extra environment for the server:
# HFE_REGRESS_ENV (an array of NAME=VALUE).  Returns pg_regress's status
# after printing the diffs.
hfe_pg_regress() {
    local regress_bindir=$1
    shift
    local schedule=()
    [ $# -gt 0 ] || schedule=(--schedule="$tree/test/schedule")
    local status=0
    echo "== pg_regress"
    # A test that hangs fails the run after HFE_REGRESS_TIMEOUT seconds,
    # with the test named, rather than running until CI gives up.
    hfe_as_postgres "$tree" timeout --kill-after=60 "$HFE_REGRESS_TIMEOUT" \
        env HF_FAKE_URL="$HF_FAKE_URL" PATH="$regress_bindir:$PATH" \
        "${HFE_REGRESS_ENV[@]}" \
        "$pg_regress" \
        --bindir="$regress_bindir" \
        --inputdir=test \
        --outputdir="$work" \
        --temp-instance="$work/instance" \
        --temp-config=test/regress.conf \
        --dbname=regression \
        "${schedule[@]}" "$@" || status=$?
    if [ $status -eq 124 ] || [ $status -eq 137 ]; then
        echo "pg_regress ran past $HFE_REGRESS_TIMEOUT s and was stopped: the test it was running (its last line) hangs." \
             "What the server did last:" >&2
        tail -n 40 "$work/log/postmaster.log" >&2 || true
        hfe_as_postgres "$work" "$regress_bindir/pg_ctl" -D "$work/instance/data" stop -m immediate \
            >/dev/null 2>&1 || true
    fi
    if [ $status -ne 0 ]; then
        [ -f "$work/regression.diffs" ] && cat "$work/regression.diffs"
        echo "fake service log:"
        tail -n 50 "$work/fake.err" || true
    fi
    return $status
}
