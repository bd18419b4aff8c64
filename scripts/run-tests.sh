#!/usr/bin/env bash
# Installs everything the tests need and runs the whole suite twice: on SQLite, then on a
# private PostgreSQL cluster started here on a free loopback port and removed afterwards.
# Extra arguments go to pytest (e.g. scripts/run-tests.sh tests/fund -x).
set -euo pipefail
cd "$(dirname "$0")/.."

# --- system tools: Chromium for browser tests, hledger and ledger for journal checks,
# --- and a PostgreSQL server. Debian/Ubuntu get them from apt; elsewhere, say what is missing.
need=()
command -v "${CHROMIUM_PATH:-chromium}" >/dev/null 2>&1 || need+=(chromium)
command -v hledger >/dev/null 2>&1 || need+=(hledger)
command -v ledger >/dev/null 2>&1 || need+=(ledger)
pg_bin=""
for dir in $(command -v initdb >/dev/null 2>&1 && dirname "$(readlink -f "$(command -v initdb)")") \
    /usr/lib/postgresql/*/bin /opt/homebrew/bin /usr/local/bin; do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then pg_bin="$dir"; break; fi
done
[ -n "$pg_bin" ] || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "Installing ${need[*]} with apt-get..."
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${need[@]}" fonts-dejavu-core >/dev/null
        for dir in /usr/lib/postgresql/*/bin; do
            [ -x "$dir/initdb" ] && pg_bin="$dir"
        done
    else
        echo "Please install: ${need[*]} (e.g. with your package manager), then run again." >&2
        exit 1
    fi
fi

scripts/bootstrap.sh test
export DEBUG=false SECRET_KEY="test-only-secret-key-$(date +%s)-not-for-production"
export ALLOWED_HOSTS="127.0.0.1,localhost,testserver" SECURE_SSL_REDIRECT=false
export CHROMIUM_PATH="${CHROMIUM_PATH:-$(command -v chromium)}"
export PLAYWRIGHT_BROWSERS_PATH=0 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# pytest's "no tests collected" (exit 5) is a failure here: a suite that runs nothing proves nothing.

echo "=== Test suite on SQLite ==="
.venv/bin/python -m pytest "$@"

echo "=== Test suite on PostgreSQL ==="
pgdir=$(mktemp -d /tmp/clf-pg.XXXXXX)
run_pg() { "$@"; }
if [ "$(id -u)" = 0 ]; then
    # PostgreSQL refuses to run as root: the private cluster belongs to the postgres user.
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$pgdir"
    run_pg() { runuser -u postgres -- "$@"; }
fi
port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
    run_pg "$pg_bin/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pgdir"
}
trap cleanup EXIT
run_pg "$pg_bin/initdb" -D "$pgdir/data" -U clf --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
run_pg "$pg_bin/pg_ctl" -D "$pgdir/data" -l "$pgdir/postgres.log" -w start \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $pgdir -c fsync=off -c max_connections=100" >/dev/null
export DATABASE_URL="postgres://clf@127.0.0.1:$port/clf"
.venv/bin/python -m pytest "$@"
