"""Throwaway databases for the benchmarks that load data: a SQLite file in a temporary folder,
or a PostgreSQL database created on a given server for one run and dropped after it. Each
yields the environment a child process needs (``CASEWORK_VAR_DIR`` and ``DATABASE_URL``)."""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit


@contextmanager
def throwaway_sqlite() -> Iterator[dict[str, str]]:
    with tempfile.TemporaryDirectory() as var_dir:
        yield {"CASEWORK_VAR_DIR": var_dir, "DATABASE_URL": f"sqlite:///{var_dir}/bench.sqlite3"}


@contextmanager
def throwaway_postgres(server_url: str, purpose: str) -> Iterator[dict[str, str]]:
    """``server_url`` names any database of the server; ``purpose`` goes into the new name."""
    import psycopg

    parts = urlsplit(server_url)
    name = f"casework_bench_{purpose}_{os.getpid()}"
    admin_url = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin_url, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')  # a fixed name of our own, not user input
    try:
        with tempfile.TemporaryDirectory() as var_dir:
            url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))
            yield {"CASEWORK_VAR_DIR": var_dir, "DATABASE_URL": url}
    finally:
        with psycopg.connect(admin_url, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}"')


def postgres_server(given: str | None) -> str:
    """The server to run on: the one given, else DATABASE_URL when it names PostgreSQL."""
    server = given or os.environ.get("DATABASE_URL", "")
    return server if server.startswith(("postgres://", "postgresql://")) else ""
