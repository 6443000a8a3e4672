#!/usr/bin/env bash
# Restore a dump made by deploy/backup.sh into an EMPTY PostgreSQL database (docs/backups.md).
#
#   createdb casework_restored
#   DATABASE_URL=postgres://casework@db/casework_restored deploy/restore.sh casework-....dump
#
# Refuses a database that already has Casework's tables: a restore never overwrites live data.
# Restores in one transaction (all or nothing), then runs `manage.py check_restore` with the
# environment it was given: the audit log's seals verified, every data key opened with
# CASEWORK_VAULT_KEY, erased keys still destroyed, and the site answering. Run it with the
# same CASEWORK_VAULT_KEY and CASEWORK_AUDIT_KEY as the site the dump came from.
set -euo pipefail

dump="${1:?usage: restore.sh DUMP_FILE}"
[ -r "$dump" ] || { echo "restore.sh: cannot read $dump" >&2; exit 2; }
if [ -z "${DATABASE_URL:-}" ] && [ -n "${DATABASE_URL_FILE:-}" ]; then
    DATABASE_URL="$(cat "$DATABASE_URL_FILE")"
fi
: "${DATABASE_URL:?DATABASE_URL (or DATABASE_URL_FILE) must name the empty database to restore into}"
case "$DATABASE_URL" in
    postgres://* | postgresql://*) ;;
    *) echo "restore.sh: DATABASE_URL is not a PostgreSQL database." >&2; exit 2 ;;
esac

# shellcheck source=deploy/libpq_environment.sh
source "$(dirname "$0")/libpq_environment.sh"
existing="$(psql --no-psqlrc --tuples-only --no-align \
    --command="SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
if [ "$existing" != "0" ]; then
    echo "restore.sh: the database already has $existing tables; restore into an empty one (createdb)." >&2
    exit 3
fi

pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
    --dbname="$PGDATABASE" "$dump"

here="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-$here/.venv/bin/python}"
[ -x "$python" ] || python=python3
cd "$here"
DATABASE_URL="$DATABASE_URL" "$python" manage.py check_restore
