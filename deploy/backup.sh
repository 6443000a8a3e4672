#!/usr/bin/env bash
# Back up Casework's PostgreSQL database with pg_dump (docs/backups.md).
#
#   DATABASE_URL=postgres://casework@db/casework deploy/backup.sh [DIRECTORY]
#
# Writes DIRECTORY/casework-YYYYmmddTHHMMSSZ.dump (pg_dump's custom format: compressed,
# restored with deploy/restore.sh, tables restorable one by one) and prints its path. The dump
# is consistent: one snapshot, taken while the site keeps serving. It holds sealed content as
# ciphertext only; what opens it is CASEWORK_VAULT_KEY, which is never in the dump and must be
# kept apart from it (and restored with it). Old dumps are removed after
# CASEWORK_BACKUP_KEEP_DAYS days (default 14; 0 keeps every one).
set -euo pipefail

if [ -z "${DATABASE_URL:-}" ] && [ -n "${DATABASE_URL_FILE:-}" ]; then
    DATABASE_URL="$(cat "$DATABASE_URL_FILE")"
fi
: "${DATABASE_URL:?DATABASE_URL (or DATABASE_URL_FILE) must name the database to back up}"
case "$DATABASE_URL" in
    postgres://* | postgresql://*) ;;
    *) echo "backup.sh: DATABASE_URL is not a PostgreSQL database; pg_dump backs up PostgreSQL only." >&2; exit 2 ;;
esac

directory="${1:-${CASEWORK_BACKUP_DIR:-var/backups}}"
keep_days="${CASEWORK_BACKUP_KEEP_DAYS:-14}"
mkdir -p "$directory"
chmod 700 "$directory"
umask 077

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
target="$directory/casework-$stamp.dump"
partial="$target.partial"
trap 'rm -f "$partial"' EXIT

# --no-owner/--no-privileges: the dump restores under whichever role the restore runs as.
# shellcheck source=deploy/libpq_environment.sh
source "$(dirname "$0")/libpq_environment.sh"
pg_dump --format=custom --compress=6 --no-owner --no-privileges --file="$partial"
# A dump that pg_restore cannot list is not a backup.
pg_restore --list "$partial" >/dev/null
mv "$partial" "$target"
trap - EXIT

if [ "$keep_days" -gt 0 ]; then
    find "$directory" -maxdepth 1 -name 'casework-*.dump' -mtime "+$keep_days" -delete
fi
echo "$target"
