#!/usr/bin/env bash
# Runs the application on its embedded defaults: SQLite, demo data, console email and the
# offline Stripe test double, at http://127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh

export DEBUG=true
.venv/bin/python manage.py migrate --no-input -v0
.venv/bin/python manage.py createcachetable
.venv/bin/python manage.py seed_demo
exec .venv/bin/python manage.py runserver 127.0.0.1:8000
