#!/usr/bin/env bash
# Runs the ledger benchmark on SQLite and on a private PostgreSQL cluster (durable
# settings: fsync and synchronous_commit on, as in production), printing both tables.
# Extra arguments go to bench/ledger.py (e.g. --transfers 100000 for a quick run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh test
source scripts/postgres.sh
export DEBUG=false SECRET_KEY="bench-only-secret-key-$(date +%s)-not-for-production" ALLOWED_HOSTS=localhost

workdir=$(mktemp -d /tmp/clf-bench.XXXXXX)
DATABASE_URL="sqlite:///$workdir/bench.sqlite3" .venv/bin/python bench/ledger.py "$@"
rm -rf "$workdir"

start_private_postgres
.venv/bin/python bench/ledger.py "$@"
