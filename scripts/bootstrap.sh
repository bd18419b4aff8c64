#!/usr/bin/env bash
# Installs what the project needs into .venv and node_modules, and builds the stylesheet.
# Safe to run again: it only reinstalls when pyproject.toml or package-lock.json changed.
#   scripts/bootstrap.sh          runtime dependencies
#   scripts/bootstrap.sh test     runtime and test dependencies
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
[ "${1:-}" = "test" ] && extras="[test]"

find_python() {
    for candidate in python3.13 python3 python3.12 python; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
    echo "Python 3.12 or newer is needed (3.13 preferred, see .python-version)." >&2
    exit 1
}

if [ ! -x .venv/bin/python ]; then
    "$(find_python)" -m venv .venv
fi
# Exact versions with hashes come from the lock files in requirements/ (made from
# pyproject.toml by pip-compile, see requirements/README.md), so a library released
# elsewhere cannot change a fresh install.
lock="requirements/base.txt"
[ -n "$extras" ] && lock="requirements/test.txt"
stamp=".venv/.installed${extras}"
if [ ! -f "$stamp" ] || [ "$lock" -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --require-hashes -r "$lock"
    .venv/bin/python -m pip install --quiet --no-deps -e .
    touch "$stamp"
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "Node.js and npm are needed for the GOV.UK Frontend assets (https://nodejs.org)." >&2
    exit 1
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
if [ ! -f static/css/app.css ] || [ static/src/app.scss -nt static/css/app.css ] ||
    [ package-lock.json -nt static/css/app.css ]; then
    npx sass --quiet --no-source-map --style=compressed --load-path=node_modules \
        static/src/app.scss static/css/app.css
fi
