#!/usr/bin/env bash
# Runs the scale benchmark (bench/scale.py: every page at scale and on the demo database,
# side by side) and the webhook load test (bench/webhooks.py) on a private PostgreSQL
# cluster with its durable defaults (fsync and synchronous_commit on).
# Extra arguments go to bench/scale.py, e.g. --scale 0.05 for a quick run, --no-webhooks.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh test
source scripts/postgres.sh
start_private_postgres
.venv/bin/python bench/scale.py "$@"
