# Sourced by backup.sh and restore.sh: hands DATABASE_URL to libpq through its environment
# (PGHOST, PGUSER, PGPASSWORD, ...), never on a command line, where any user of the host could
# read the password in the process list (ps, /proc/PID/cmdline). A process's environment is
# readable by its own user only.
# shellcheck shell=bash
libpq_environment="$(DATABASE_URL="$DATABASE_URL" "${PYTHON:-python3}" - <<'PYTHON'
import os
import shlex
import sys
from urllib.parse import parse_qsl, unquote, urlsplit

url = urlsplit(os.environ["DATABASE_URL"])
values = {
    "PGHOST": unquote(url.hostname or ""),
    "PGPORT": str(url.port or ""),
    "PGUSER": unquote(url.username or ""),
    "PGPASSWORD": unquote(url.password or ""),
    "PGDATABASE": unquote(url.path.lstrip("/")),
}
# The query parameters libpq also reads from its environment.
PARAMETERS = {
    "sslmode": "PGSSLMODE",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslrootcert": "PGSSLROOTCERT",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
    "application_name": "PGAPPNAME",
    "host": "PGHOST",
    "port": "PGPORT",
}
for name, value in parse_qsl(url.query):
    if name not in PARAMETERS:
        sys.exit(f"DATABASE_URL: the parameter {name!r} is not handed to pg_dump; set PG* yourself")
    values[PARAMETERS[name]] = value
for variable, value in values.items():
    if value:
        print(f"export {variable}={shlex.quote(value)}")
PYTHON
)"
# An assignment, not eval "$(...)": a refused DATABASE_URL stops the script (set -e).
eval "$libpq_environment"
unset libpq_environment
