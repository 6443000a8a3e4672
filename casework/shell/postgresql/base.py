"""Django's PostgreSQL backend whose connections stop waiting for a silent server.

Every round trip of psycopg goes through ``Connection.wait``; here it waits at most the
*answer limit* (``patience.py``): inside a web request ``DATABASE_REQUEST_ANSWER_SECONDS``
(``answer_within``, set by the outage middleware), elsewhere (task workers, the clock,
commands) ``DATABASE_ANSWER_SECONDS``. Past the limit the connection is closed -- what it was
doing is unknown, so it is never used again -- and the caller gets an ``OperationalError``: a
page then answers 503 (casework/shell/outages.py) instead of holding a web thread for the
whole outage. A rolled-back transaction is all the server sees of it. Once the database has
failed to answer or to connect within an ``answer_within`` block, no new connection is tried in
it: a request meets one outage, not one per connection attempt.
"""

from typing import Any

import psycopg
from django.db.backends.postgresql import base
from psycopg import errors

from casework.shell.postgresql.patience import (
    answer_limit,
    answer_within,
    current_patience,
    mark_exhausted,
)

__all__ = ["DatabaseWrapper", "answer_limit", "answer_within"]


class AnsweringConnection(psycopg.Connection[Any]):
    def wait(
        self,
        gen: Any,
        interval: float = 0.1,
        timeout: float | None = None,
    ) -> Any:
        limit = answer_limit()
        if not limit or (timeout is not None and timeout <= limit):
            return super().wait(gen, interval=interval, timeout=timeout)
        try:
            return super().wait(gen, interval=interval, timeout=limit)
        # psycopg's own "wait timed out" (3.3, pinned in pyproject.toml): a documented
        # parameter whose exception class is private.
        except errors._WaitTimeout:
            mark_exhausted()
            self.pgconn.finish()  # half-way through a round trip: never to be used again
            raise errors.OperationalError(
                f"the database did not answer within {limit:g} seconds"
            ) from None


class _Psycopg:
    """psycopg as Django's backend uses it, but connecting with ``AnsweringConnection``."""

    connect = staticmethod(AnsweringConnection.connect)

    def __getattr__(self, name: str) -> Any:
        return getattr(psycopg, name)


class DatabaseWrapper(base.DatabaseWrapper):
    Database = _Psycopg()  # type: ignore[assignment]

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        patience = current_patience()
        if patience is not None and patience.exhausted:
            raise errors.OperationalError("the database did not answer earlier in this request")
        try:
            return super().get_new_connection(conn_params)
        except errors.OperationalError:
            mark_exhausted()
            raise
