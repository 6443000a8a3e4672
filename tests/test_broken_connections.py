"""A connection the database left silent fails its own test and no other
(casework/testing/connections.py)."""

import pytest
from django.db import OperationalError, connection

from casework.accounts.models import User
from casework.shell.postgresql.patience import answer_within
from casework.testing.connections import drop_broken_connections

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="our PostgreSQL backend closes a silent one"
    ),
    pytest.mark.django_db(transaction=True),
]


def test_the_next_test_reconnects_after_the_server_fell_silent() -> None:
    with (
        pytest.raises(OperationalError, match="did not answer"),
        answer_within(0.05),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT pg_sleep(2)")
    with pytest.raises(OperationalError, match="connection is closed"):
        User.objects.count()

    drop_broken_connections()  # what the next test's setup does

    assert User.objects.count() == 0


def test_a_working_connection_is_kept() -> None:
    User.objects.count()
    kept = connection.connection

    drop_broken_connections()

    assert connection.connection is kept
