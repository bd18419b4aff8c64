#!/usr/bin/env bash
# Runs the application on its embedded defaults: SQLite, demo data, console email and the
# offline Stripe test double, at http://127.0.0.1:8000, with the background worker (webhook
# processing, receipts) beside the server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh

export DEBUG=true
# The double and the worker run beside the server and stop with it.
background=()
trap 'kill "${background[@]}" 2>/dev/null || true' EXIT
# Without Stripe test keys of your own, online giving goes to the local Stripe test double:
# its hosted-checkout page sends signed webhooks back here, all without internet.
if [ -z "${STRIPE_SECRET_KEY:-}" ]; then
    double_port="${STRIPE_DOUBLE_PORT:-12111}"
    export STRIPE_API_BASE="http://127.0.0.1:${double_port}"
    .venv/bin/python -m devtools.stripe_double --port "$double_port" \
        --webhook-url http://127.0.0.1:8000/stripe/webhook/ &
    background+=($!)
    for _ in $(seq 50); do
        (exec 3<>"/dev/tcp/127.0.0.1/${double_port}") 2>/dev/null && break
        sleep 0.1
    done
    echo "Stripe test double: $STRIPE_API_BASE/_double/ (settle bank debits, refunds, disputes, payouts)"
fi
.venv/bin/python manage.py migrate --no-input -v0
.venv/bin/python manage.py createcachetable
.venv/bin/python manage.py seed_demo
# A worker killed last time may have left webhook events claimed: queue them again.
.venv/bin/python manage.py stripe_events_requeue
.venv/bin/python manage.py worker --no-reload --no-startup-delay --interval 0.5 &
background+=($!)
echo "Background worker started (webhooks are processed and receipts sent by it)."
echo "Give online at http://127.0.0.1:8000/donate/"
.venv/bin/python manage.py runserver 127.0.0.1:8000
