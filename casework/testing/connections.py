"""One test's broken database connection is not the next test's.

Our PostgreSQL backend closes a connection whose server did not answer in time
(casework/shell/postgresql/base.py), and Django opens a new one only between requests. The
test that met the silence fails; without this, every later test of the session that reaches
the database before a request would fail with "the connection is closed" too."""

import pytest
from django.db import connections


def drop_broken_connections() -> None:
    """Close every connection its driver already knows is closed, so the next use reconnects.
    One inside a transaction is left to the transaction's owner."""
    for wrapper in connections.all(initialized_only=True):
        broken = wrapper.connection is not None and getattr(wrapper.connection, "closed", False)
        if broken and not wrapper.in_atomic_block:
            wrapper.close()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    drop_broken_connections()
