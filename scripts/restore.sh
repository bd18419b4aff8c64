#!/usr/bin/env bash
# Restores a backup made by scripts/backup.sh into an empty database:
#   scripts/restore.sh BACKUP_DIR TARGET_DATABASE_URL
# The uploaded files go to PRIVATE_MEDIA_ROOT (default ./private_media), which should be empty.
# Afterwards run `manage.py verify_ledger`: it must print the same chain head as before.
set -euo pipefail
src=${1:?usage: scripts/restore.sh BACKUP_DIR TARGET_DATABASE_URL}
target=${2:?usage: scripts/restore.sh BACKUP_DIR TARGET_DATABASE_URL}
[ -f "$src/database.dump" ] || { echo "No database.dump in $src." >&2; exit 1; }
pg_restore=${PG_BIN:+$PG_BIN/}pg_restore
command -v "$pg_restore" >/dev/null 2>&1 || pg_restore=$(ls /usr/lib/postgresql/*/bin/pg_restore 2>/dev/null | sort -V | tail -1)
# One transaction: a restore that fails part-way leaves the target as it was.
"$pg_restore" --no-owner --no-privileges --exit-on-error --single-transaction \
    --dbname="$target" "$src/database.dump"
if [ -f "$src/media.tar.gz" ]; then
    media=${PRIVATE_MEDIA_ROOT:-$(cd "$(dirname "$0")/.." && pwd)/private_media}
    mkdir -p "$media"
    tar -C "$media" -xzf "$src/media.tar.gz"
fi
echo "Restored $src"
