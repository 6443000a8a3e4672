"""Django's PostgreSQL backend whose connections stop waiting for a silent server.

Every round trip of psycopg goes through ``Connection.wait``; here it waits at most the
*answer limit*: inside a web request ``DATABASE_REQUEST_ANSWER_SECONDS`` (``answer_within``,
set by the outage middleware), elsewhere (task workers, the clock, commands)
``DATABASE_ANSWER_SECONDS``. Past the limit the connection is closed -- what it was doing is
unknown, so it is never used again -- and the caller gets an ``OperationalError``: a page then
answers 503 (casework/shell/outages.py) instead of holding a web thread for the whole outage.
A rolled-back transaction is all the server sees of it.
"""

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base
from psycopg import errors

RV = TypeVar("RV")

_answer_limit: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "database_answer_limit", default=None
)


@contextmanager
def answer_within(seconds: float) -> Iterator[None]:
    """Within the block, no wait for the database lasts longer than ``seconds`` (0: no limit)."""
    token = _answer_limit.set(seconds)
    try:
        yield
    finally:
        _answer_limit.reset(token)


def answer_limit() -> float:
    limit = _answer_limit.get()
    if limit is None:
        limit = float(getattr(settings, "DATABASE_ANSWER_SECONDS", 0))
    return limit


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
