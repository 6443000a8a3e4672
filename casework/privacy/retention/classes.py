"""What each kind of data is, for the retention task: the app that owns it registers how to
find the records whose period may have run out and how to remove them.

The privacy app knows no other app's tables: care registers closed cases, messaging closed
enquiries, accounts ended sessions (each in its ``retention.py``, imported by its ``ready``).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils.functional import Promise


@dataclass(frozen=True)
class Candidate:
    """A record that may be past its period: its id, where its client lives, and the moment
    its period counts from."""

    object_id: str
    jurisdiction: str | None
    since: datetime
    # Whose records these are, and of which case: a legal hold on either keeps them.
    people: tuple[int | None, ...] = ()
    case_id: str | None = None


@dataclass(frozen=True)
class Words:
    """The data class in plain words, for /privacy/ (translated when shown)."""

    what: Promise
    starts: Promise
    removal: Promise


@dataclass(frozen=True)
class Remover:
    # Records whose period started before ``started_before`` (the shortest period of the class
    # has passed), not yet removed.
    candidates: Callable[[datetime], Iterable[Candidate]]
    # Remove these records (ids from ``candidates``), in the caller's transaction; how many.
    remove: Callable[[list[str]], int]
    words: Words
    # Whether a report may list the ids (not when an id is itself a secret, as a session key).
    ids_listed: bool = True


REMOVERS: dict[str, Remover] = {}


def removes(
    key: str,
    *,
    candidates: Callable[[datetime], Iterable[Candidate]],
    words: Words,
    ids_listed: bool = True,
) -> Callable[[Callable[[list[str]], int]], Callable[[list[str]], int]]:
    """Register the data class ``key`` (a ``data_class`` of the retention file)."""

    def register(remove: Callable[[list[str]], int]) -> Callable[[list[str]], int]:
        if key in REMOVERS:
            raise ValueError(f"retention data class {key} is registered twice")
        REMOVERS[key] = Remover(
            candidates=candidates, remove=remove, words=words, ids_listed=ids_listed
        )
        return remove

    return register
