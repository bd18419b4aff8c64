#!/usr/bin/env bash
# Installs everything the tests need and runs the whole suite twice, side by side: on SQLite
# and on a private PostgreSQL cluster started here on a free loopback port and removed afterwards.
# Extra arguments go to pytest (e.g. scripts/run-tests.sh tests/fund -x).
set -euo pipefail
cd "$(dirname "$0")/.."

# --- system tools: Chromium for browser tests, hledger and ledger for journal checks,
# --- and a PostgreSQL server. Debian/Ubuntu get them from apt; elsewhere, say what is missing.
need=()
command -v "${CHROMIUM_PATH:-chromium}" >/dev/null 2>&1 || need+=(chromium)
command -v hledger >/dev/null 2>&1 || need+=(hledger)
command -v ledger >/dev/null 2>&1 || need+=(ledger)
source scripts/postgres.sh
[ -n "$(find_pg_bin)" ] || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "Installing ${need[*]} with apt-get..."
        export DEBIAN_FRONTEND=noninteractive
        # Another apt or dpkg (an unattended upgrade, a second run) may hold the lock: wait.
        apt-get -o DPkg::Lock::Timeout=900 update -qq
        apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${need[@]}" fonts-dejavu-core >/dev/null
    else
        echo "Please install: ${need[*]} (e.g. with your package manager), then run again." >&2
        exit 1
    fi
fi

scripts/bootstrap.sh test
export DEBUG=false SECRET_KEY="test-only-secret-key-$(date +%s)-not-for-production-use-anywhere"
export ALLOWED_HOSTS="127.0.0.1,localhost,testserver" SECURE_SSL_REDIRECT=false
export CHROMIUM_PATH="${CHROMIUM_PATH:-$(command -v chromium)}"
export PLAYWRIGHT_BROWSERS_PATH=0 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# pytest's "no tests collected" (exit 5) is a failure here: a suite that runs nothing proves nothing.

# The two legs run side by side (one per core) and print their reports one after the other.
logs=$(mktemp -d /tmp/clf-test-logs.XXXXXX)
# fsync off: this cluster is thrown away at the end, and durability is not under test.
PG_EXTRA_OPTIONS="-c fsync=off" start_private_postgres
pg_url=$DATABASE_URL
unset DATABASE_URL
# The whole suite: each leg drives half of the browser tests (tests/conftest.py says why).
share_sqlite="" share_postgresql=""
if [ $# -eq 0 ]; then share_sqlite=1/2 share_postgresql=2/2; fi
BROWSER_TESTS_SHARE=$share_sqlite .venv/bin/python -m pytest -p no:cacheprovider "$@" >"$logs/sqlite.log" 2>&1 &
sqlite_pid=$!
BROWSER_TESTS_SHARE=$share_postgresql DATABASE_URL=$pg_url \
    .venv/bin/python -m pytest -p no:cacheprovider "$@" >"$logs/postgresql.log" 2>&1 &
postgresql_pid=$!
status=0
wait "$sqlite_pid" || status=1
wait "$postgresql_pid" || status=1

echo "=== Test suite on SQLite ==="
cat "$logs/sqlite.log"
echo "=== Test suite on PostgreSQL ==="
cat "$logs/postgresql.log"
rm -rf "$logs"
exit "$status"
