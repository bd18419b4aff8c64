#!/usr/bin/env bash
# Backs up the database and the uploaded files into one folder:
#   scripts/backup.sh DEST_DIR
# DATABASE_URL names the database (postgres://...); PRIVATE_MEDIA_ROOT the uploaded files
# (default ./private_media). Writes DEST_DIR/database.dump (pg_dump's custom format, which
# pg_restore reads selectively and in parallel) and DEST_DIR/media.tar.gz. With
# MEDIA_STORAGE=s3 the files are in the bucket: keep them with the bucket's own versioning or
# replication, and this script saves the database alone.
set -euo pipefail
dest=${1:?usage: scripts/backup.sh DEST_DIR}
: "${DATABASE_URL:?Set DATABASE_URL to the database to back up.}"
case "$DATABASE_URL" in postgres://* | postgresql://*) ;; *)
    echo "backup.sh backs up PostgreSQL; DATABASE_URL is not a postgres:// URL." >&2
    exit 1
    ;;
esac
pg_dump=${PG_BIN:+$PG_BIN/}pg_dump
command -v "$pg_dump" >/dev/null 2>&1 || pg_dump=$(ls /usr/lib/postgresql/*/bin/pg_dump 2>/dev/null | sort -V | tail -1)
mkdir -p "$dest"
# --no-owner/--no-privileges: the dump restores into a database owned by any role.
"$pg_dump" --format=custom --no-owner --no-privileges --file="$dest/database.dump.partial" "$DATABASE_URL"
mv "$dest/database.dump.partial" "$dest/database.dump"
if [ "${MEDIA_STORAGE:-disk}" = disk ]; then
    media=${PRIVATE_MEDIA_ROOT:-$(cd "$(dirname "$0")/.." && pwd)/private_media}
    mkdir -p "$media"
    tar -C "$media" -czf "$dest/media.tar.gz.partial" .
    mv "$dest/media.tar.gz.partial" "$dest/media.tar.gz"
fi
echo "Backed up to $dest"
