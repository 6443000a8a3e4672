"""Personas every test can use: a client, her practitioner, an unrelated practitioner, a
moderator, a regulator officer, an administrator, and a visitor (nobody signed in).

Staff personas have TOTP enrolled, so their areas open; signing in with ``client.force_login``
stands for a completed sign-in.
"""

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, connection
from django.test import Client
from django.test.signals import setting_changed

from casework.accounts.models import User
from casework.testing import factories

# ``--clock`` runs the session at a chosen moment (casework/testing/clock.py); every answer of
# /api/v1 a test receives is checked against the schema (casework/testing/api_schema.py);
# pytester runs pytest inside a test, to test that option; a connection the database left
# silent is replaced before the next test (casework/testing/connections.py).
pytest_plugins = [
    "casework.testing.clock",
    "casework.testing.api_schema",
    "casework.testing.connections",
    "pytester",
]


def pytest_configure(config: pytest.Config) -> None:
    # Tasks run as they are enqueued, so tests see their effects; one test runs the real
    # database worker to prove that path (casework/shell/tests/test_tasks.py).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Apps that declare tasks at import time (in ready()) have already built the configured
    # backend by now: tell django-tasks the setting changed, so every task uses this one.
    setting_changed.send(sender=type(settings), setting="TASKS", value=settings.TASKS, enter=True)
    # Connections opened by worker threads (websocket consumers' database calls, the live
    # servers) close after each use, so none is left holding the test database at teardown.
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A test's request may wait long on a busy CI machine (fifty racing writers): the answer
    # limit of production would turn that into a 503. The fault tests set their own.
    settings.DATABASE_REQUEST_ANSWER_SECONDS = 60
    # For the same reason the gate stays open (the many requests of a live server's racing
    # clients are not an outage); the fault tests' servers have their own.
    settings.DATABASE_REQUESTS_AT_ONCE = 0
    # Every test client builds a handler of its own, and WhiteNoise's middleware reads every
    # static file's details as it is built (10-30 ms, some 2,000 times a run); looking a file
    # up when it is asked for, as under runserver, costs nothing for the pages tests ask for.
    settings.WHITENOISE_AUTOREFRESH = True
    _let_test_teardown_empty_the_audit_log()
    _let_test_teardown_outwait_a_last_request()
    _let_test_teardown_delete_rather_than_truncate()


def _let_test_teardown_outwait_a_last_request() -> None:
    """On PostgreSQL a transactional test ends by emptying every table (a TRUNCATE needs each
    to itself; the DELETEs below lock the rows they take). A live server's thread still
    answering the page's last request holds some of them; when it then asks for one the
    emptying holds, PostgreSQL breaks the deadlock by failing the flush. The request's thread
    finishes once its query goes through: try the emptying again."""
    if connection.vendor != "postgresql":  # the engine is casework.shell.postgresql
        return
    import django.db.backends.postgresql.base  # noqa: F401
    from django.db.backends.postgresql.operations import DatabaseOperations

    empty = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self: DatabaseOperations, sql_list: Iterable[str]) -> None:
        statements = list(sql_list)
        for _attempt in range(5):
            try:
                empty(self, statements)
                return
            except OperationalError as error:
                if "deadlock detected" not in str(error):
                    raise
                time.sleep(0.5)
        empty(self, statements)

    DatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign,assignment]


def _let_test_teardown_delete_rather_than_truncate() -> None:
    """On PostgreSQL a transactional test ends with one TRUNCATE of the hundred-odd tables,
    which gives every table and index new files: 0.3 to 1.2 s here, 2.3 to 2.9 s while CI's
    other runs share the machine, some 175 times a run. DELETEs of the few rows a test left
    take 15 to 50 ms, in one round trip. They run with the triggers set aside
    (``session_replication_role``, for a superuser only): the audit log's append-only
    triggers would refuse them, and as every table is emptied no foreign key needs checking.
    Without that right, or where sequences are to restart, the TRUNCATE stays."""
    if connection.vendor != "postgresql":  # the engine is casework.shell.postgresql
        return
    import django.db.backends.postgresql.base  # noqa: F401
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush
    superuser: dict[str, bool] = {}

    def may_set_triggers_aside(ops: DatabaseOperations) -> bool:
        alias = ops.connection.alias
        if alias not in superuser:
            with ops.connection.cursor() as cursor:
                cursor.execute("SHOW is_superuser")
                superuser[alias] = cursor.fetchone()[0] == "on"
        return superuser[alias]

    def sql_flush(
        self: DatabaseOperations,
        style: Any,
        tables: Sequence[str],
        *,
        reset_sequences: bool = False,
        allow_cascade: bool = False,
    ) -> list[str]:
        if reset_sequences or allow_cascade or not tables or not may_set_triggers_aside(self):
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        # One round trip, in execute_sql_flush's transaction, and the setting put back before
        # its end all the same. The names are the schema's, not input.
        deletes = " ".join(f"DELETE FROM {self.quote_name(table)};" for table in tables)  # noqa: S608
        return [
            "SET LOCAL session_replication_role = replica; "
            f"{deletes} SET LOCAL session_replication_role = DEFAULT;"
        ]

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign,assignment]


def _let_test_teardown_empty_the_audit_log() -> None:
    """A transactional test ends by emptying every table; on SQLite that is a DELETE, which the
    audit log's append-only triggers refuse (PostgreSQL's TRUNCATE does not fire them). Only
    for that emptying, every trigger steps aside and is put back as it was: not the audit
    log's alone, since the tables are emptied in no set order and the triggers that keep the
    stored search answers would write rows back into a table emptied before theirs (deleting
    a registration claim restates where its practitioner practises from the claims still
    there). The full-text index their absence left holding the profiles' words (Django's
    emptying does not know it) is then rebuilt from its emptied table, or a later profile with
    a reused id would match the words of the one before."""
    if connection.vendor != "sqlite":
        return
    # The backend's base module first: importing its operations alone is circular.
    import django.db.backends.sqlite3.base  # noqa: F401
    from django.db.backends.sqlite3.operations import DatabaseOperations

    empty = DatabaseOperations.execute_sql_flush

    def when_unlocked(cursor: Any, sql: str) -> None:
        # Changing the schema waits for a live server's thread still reading the shared
        # in-memory database (a last request of the page, answered as the test ends).
        for _attempt in range(50):
            try:
                cursor.execute(sql)
                return
            except OperationalError as error:
                if "locked" not in str(error):
                    raise
                time.sleep(0.1)
        cursor.execute(sql)

    def execute_sql_flush(self: DatabaseOperations, sql_list: Iterable[str]) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                when_unlocked(cursor, f'DROP TRIGGER "{name}"')
        try:
            empty(self, sql_list)
        finally:
            with self.connection.cursor() as cursor:
                for _name, sql in triggers:
                    when_unlocked(cursor, sql)
                cursor.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE "
                    "'CREATE VIRTUAL TABLE % USING fts5(%content=%'"
                )
                for (index,) in cursor.fetchall():  # names from the schema, not from input
                    rebuild = f'INSERT INTO "{index}"("{index}") VALUES (\'rebuild\')'  # noqa: S608
                    when_unlocked(cursor, rebuild)

    DatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign,assignment]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate limits, used TOTP codes and kept pages live in the cache (and this process's near
    copies of the pages): each test starts with none. The places a picker offers are read once
    from the reference data each test loads."""
    from casework.registry.places import forget_places  # not at load time: it reaches tasks
    from casework.shell.page_cache import NEAR

    cache.clear()
    NEAR.clear()
    forget_places()


@pytest.fixture(autouse=True)
def _site_language() -> None:
    """Each test starts in the site's language: a request in Spanish leaves Spanish active on
    the thread (the locale middleware activates it and nothing deactivates it), and a later
    test's form errors would read in Spanish."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def client_person(db: None) -> User:
    return factories.ClientFactory.create(alias="Robin", email="robin@example.org")


@pytest.fixture
def practitioner(db: None) -> User:
    return factories.PractitionerFactory.create(
        legal_name="Amara Okafor", email="amara@example.org"
    )


@pytest.fixture
def other_practitioner(db: None) -> User:
    return factories.PractitionerFactory.create(legal_name="Jonas Berg", email="jonas@example.org")


@pytest.fixture
def moderator(db: None) -> User:
    return factories.ModeratorFactory.create(legal_name="Tomás Herrera", email="tomas@example.org")


@pytest.fixture
def officer(db: None) -> User:
    return factories.OfficerFactory.create(
        legal_name="Siobhan Gallagher", email="siobhan@example.org"
    )


@pytest.fixture
def admin_person(db: None) -> User:
    return factories.AdminFactory.create(legal_name="Priya Raman", email="priya@example.org")


PERSONAS = [
    "visitor",
    "client_person",
    "practitioner",
    "other_practitioner",
    "moderator",
    "officer",
    "admin_person",
]


@pytest.fixture
def signed_in(client: Client) -> Callable[[User | None], Client]:
    """``signed_in(user)`` signs ``user`` in on the test client and returns the client."""

    def sign_in(user: User | None) -> Client:
        if user is not None:
            client.force_login(user)
        return client

    return sign_in
