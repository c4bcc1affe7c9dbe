#!/usr/bin/env bash
# Run every ```sql block of README.md, in order, in one psql session on the
# test cluster (test/sql/readme.sql calls this through \!), so that the
# README cannot drift from what the extension does.  The tests' server is
# dropped first, so that the README creates it as a new user would; its
# CREATE SERVER gets the options that point at the fake service, and the
# placeholder token 'hf_...' becomes the fake's token.  Prints one line:
# success, or the failure.
set -uo pipefail
cd "$(dirname "$0")/.."

script=$(mktemp)
log=$(mktemp)
trap 'rm -f "$script" "$log"' EXIT
{
    echo '\set ON_ERROR_STOP on'
    echo 'SET client_min_messages = warning;'
    echo 'CREATE EXTENSION IF NOT EXISTS hfendpoints;'
    echo 'DROP SERVER IF EXISTS huggingface CASCADE;'
    echo 'RESET client_min_messages;'
    awk '/^```sql$/ {on = 1; next} /^```/ {on = 0} on' README.md |
        sed -e "s/'hf_\.\.\.'/'hf_fake_token'/g" \
            -e "s|^CREATE SERVER huggingface FOREIGN DATA WRAPPER hfendpoints;\$|CREATE SERVER huggingface FOREIGN DATA WRAPPER hfendpoints OPTIONS (api_url '$HF_FAKE_URL/v2', hub_url '$HF_FAKE_URL', allowed_hosts '127.0.0.1', allow_http 'true');|"
} >"$script"

if psql -X -q -d "${PGDATABASE:-regression}" -f "$script" >"$log" 2>&1; then
    echo "README.md: every SQL example ran"
else
    echo "README.md: an SQL example failed:"
    grep -E 'ERROR|DETAIL|HINT' "$log" | head -5
fi
