#!/bin/sh
# test/scan_log_for_secrets.sh LOGFILE TOKEN...
#
# The last check of the secrets test (test/sql/secrets.sql): no TOKEN may
# appear anywhere in the server log of the test cluster, which logs every
# message from DEBUG1 up with log_error_verbosity = verbose
# (test/regress.conf).  scripts/test runs it after pg_regress on
# <outputdir>/log/postmaster.log.
#
# It fails (exit status 1) when
#   - the log is missing or empty, or was not written at DEBUG1 and verbose
#     (no DEBUG line, no LOCATION line): a check of a quiet log proves
#     nothing;
#   - a token occurs in it, anywhere, whole or as its first 12 characters
#     (what a cut-off message would keep).  The offending lines are printed
#     with the token masked, so that this script does not leak it either;
#   - a line starts with "FAKE LOG LINE": the secrets test makes servers
#     send that text after a line break, which must never reach the log as
#     a line of its own (a forged log line).
# Exit status 2: wrong usage.
set -eu

if [ $# -lt 2 ]; then
    echo "usage: $0 LOGFILE TOKEN..." >&2
    exit 2
fi
log=$1
shift

if [ ! -s "$log" ]; then
    echo "scan_log_for_secrets: $log is missing or empty" >&2
    exit 1
fi
if ! grep -q 'DEBUG:' "$log" || ! grep -q 'LOCATION:' "$log"; then
    echo "scan_log_for_secrets: $log was not written with log_min_messages = debug1 and log_error_verbosity = verbose" >&2
    exit 1
fi

status=0
for token in "$@"; do
    if [ ${#token} -lt 8 ]; then
        echo "scan_log_for_secrets: a token to look for must have at least 8 characters" >&2
        exit 2
    fi
    # the whole token, or its first 12 characters (fixed strings, not patterns)
    prefix=$(printf '%s' "$token" | cut -c1-12)
    hits=$(grep -n -F -e "$prefix" "$log" || true)
    if [ -n "$hits" ]; then
        status=1
        count=$(printf '%s\n' "$hits" | wc -l)
        echo "scan_log_for_secrets: a token appears on $count line(s) of $log:" >&2
        # mask with awk's index(): the token is data, never a pattern
        printf '%s\n' "$hits" | awk -v whole="$token" -v prefix="$prefix" '
            function mask(line, t,    out, i) {
                out = ""
                while ((i = index(line, t)) > 0) {
                    out = out substr(line, 1, i - 1) "<TOKEN>"
                    line = substr(line, i + length(t))
                }
                return out line
            }
            { print "  " mask(mask($0, whole), prefix) }' >&2
    fi
done
forged=$(grep -c '^FAKE LOG LINE' "$log" || true)
if [ "$forged" -gt 0 ]; then
    status=1
    echo "scan_log_for_secrets: $forged line(s) of $log start with text a server sent after a line break (a forged log line)" >&2
fi
if [ $status -eq 0 ]; then
    echo "scan_log_for_secrets: $(wc -l <"$log") lines of $(basename "$log") hold none of the $# tokens"
fi
exit $status
