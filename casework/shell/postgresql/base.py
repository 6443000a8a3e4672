"""Django's PostgreSQL backend whose connections stop waiting for a silent server.

Every round trip of psycopg goes through ``Connection.wait``; here it waits at most the
*answer limit*: inside a web request ``DATABASE_REQUEST_ANSWER_SECONDS`` (``answer_within``,
set by the outage middleware), elsewhere (task workers, the clock, commands)
``DATABASE_ANSWER_SECONDS``. Past the limit the connection is closed -- what it was doing is
unknown, so it is never used again -- and the caller gets an ``OperationalError``: a page then
answers 503 (casework/shell/outages.py) instead of holding a web thread for the whole outage.
A rolled-back transaction is all the server sees of it. Once the database has failed to
answer or to connect within an ``answer_within`` block, no new connection is tried in it: a
request meets one outage, not one per connection attempt.
"""

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base
from psycopg import errors

RV = TypeVar("RV")


@dataclass
class _Patience:
    seconds: float
    exhausted: bool = False  # the database already failed to answer within the block


_patience: contextvars.ContextVar[_Patience | None] = contextvars.ContextVar(
    "database_patience", default=None
)


@contextmanager
def answer_within(seconds: float) -> Iterator[None]:
    """Within the block, no wait for the database lasts longer than ``seconds`` (0: no limit)."""
    token = _patience.set(_Patience(seconds))
    try:
        yield
    finally:
        _patience.reset(token)


def answer_limit() -> float:
    patience = _patience.get()
    if patience is None:
        return float(getattr(settings, "DATABASE_ANSWER_SECONDS", 0))
    return patience.seconds


def _exhausted() -> None:
    patience = _patience.get()
    if patience is not None:
        patience.exhausted = True


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
            _exhausted()
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
        patience = _patience.get()
        if patience is not None and patience.exhausted:
            raise errors.OperationalError("the database did not answer earlier in this request")
        try:
            return super().get_new_connection(conn_params)
        except errors.OperationalError:
            _exhausted()
            raise
