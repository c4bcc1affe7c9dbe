#!/usr/bin/env bash
# Fail when an expected output depends on the day or on the run: a date
# within a year of today (it came from the clock when the file was
# recorded, so the suite would pass only that month) or the port the fake
# service listens on in this run.  Fixed test data stays allowed: the API's
# recorded timestamps, years away from today, and the fixed 127.0.0.1:1 of
# the refused-URL tests.  Prints FILE:LINE: for each offending line.
#
#   test/check_expected.sh PORT FILE...
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: test/check_expected.sh PORT FILE..." >&2
    exit 2
fi
port=$1
shift

# Months since year 0, for today and for every YYYY-MM- in the files (a
# date cut short inside a truncated detail may have no day).
today=$(( $(date +%Y) * 12 + 10#$(date +%m) ))
status=0
dates=$(grep -noE '(19|20)[0-9]{2}-[01][0-9]-' "$@" /dev/null || true)
while IFS=: read -r file line date; do
    [ -n "$date" ] || continue
    month=$(( 10#${date:0:4} * 12 + 10#${date:5:2} ))
    distance=$(( month > today ? month - today : today - month ))
    if [ "$distance" -le 12 ]; then
        echo "$file:$line: holds the date $date..., within a year of today: it came from the clock" >&2
        status=1
    fi
done <<<"$dates"

ports=$(grep -nE "(:|port[ =])$port([^0-9]|\$)" "$@" /dev/null || true)
while IFS=: read -r file line _; do
    [ -n "$line" ] || continue
    echo "$file:$line: holds the port $port the fake service listens on in this run" >&2
    status=1
done <<<"$ports"

if [ $status -ne 0 ]; then
    echo "test/check_expected.sh: expected outputs must not depend on the day or the run" >&2
fi
exit $status
