#!/usr/bin/env bash
# Dump a database and restore it into a new one, as test/sql/dump_restore.sql
# asks (through \!).  Runs as the postgres user, on the test cluster that
# pg_regress started (PGHOST and PGPORT come from it, pg_dump from PATH).
#
#   test/dump_restore.sh SOURCE TARGET [DUMPER [PG_DUMP OPTION...]]
#
# DUMPER (default: the superuser) runs pg_dump; the restore into TARGET,
# a new database owned by SOURCE's owner, runs as the superuser (creating
# the extension needs one).  Prints one line: success, or the errors.
set -uo pipefail

source_db=$1 target_db=$2
dumper=${3:-}
shift $(( $# < 3 ? $# : 3 ))

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

owner=$(psql -X -At -d "$source_db" -c \
    "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()")
if ! pg_dump ${dumper:+-U "$dumper"} "$@" -d "$source_db" -f "$dir/dump.sql" 2>"$dir/dump.err"; then
    echo "pg_dump failed:"
    cat "$dir/dump.err"
    exit 0
fi
if ! createdb -O "$owner" "$target_db" 2>"$dir/restore.err" ||
   ! psql -X -q -v ON_ERROR_STOP=1 -d "$target_db" -f "$dir/dump.sql" >/dev/null 2>"$dir/restore.err"; then
    echo "the restore failed:"
    cat "$dir/restore.err"
    exit 0
fi
echo "dumped${dumper:+ as $dumper}, restored into $target_db"
