"""How long a wait for the database may last here: the *answer limit* the PostgreSQL backend
(``base.py``) applies to every round trip, set for a request by the outage middleware
(``answer_within``) and read by the backend (``answer_limit``).

Kept apart from the backend, which imports psycopg, so that the middleware and the health
checks, which every web process loads, do not load psycopg and Django's PostgreSQL backend
(about 9 MiB) in a process that runs on SQLite.
"""

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings


@dataclass
class Patience:
    seconds: float
    exhausted: bool = False  # the database already failed to answer within the block


_patience: contextvars.ContextVar[Patience | None] = contextvars.ContextVar(
    "database_patience", default=None
)


@contextmanager
def answer_within(seconds: float) -> Iterator[None]:
    """Within the block, no wait for the database lasts longer than ``seconds`` (0: no limit)."""
    token = _patience.set(Patience(seconds))
    try:
        yield
    finally:
        _patience.reset(token)


def current_patience() -> Patience | None:
    """The innermost ``answer_within`` block's, or None outside any."""
    return _patience.get()


def answer_limit() -> float:
    patience = _patience.get()
    if patience is None:
        return float(getattr(settings, "DATABASE_ANSWER_SECONDS", 0))
    return patience.seconds


def mark_exhausted() -> None:
    """The database failed to answer or to connect: no new connection is tried in the block."""
    patience = _patience.get()
    if patience is not None:
        patience.exhausted = True
