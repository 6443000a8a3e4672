"""Comparing a register export with the register as we hold it.

``diff_entries`` walks the file's rows once and says of each entry whether it is new, changed or
unchanged, then what becomes of the entries the file does not have. ``HeldRegister`` reads the
entries a chunk of rows names as the chunk comes and keeps one bit per entry for the ones seen:
memory is bounded by the chunk (and an eighth of a byte per entry), not by the register.
``DiffTally`` counts the differences and keeps the first few of each kind, JSON-ready, for the
preview.

Absence is not removal: every file is the whole register, but an export can drop rows by
mistake. An entry the file does not have is "absent": marked not in the latest reading, its
credential suspended (reversible). Absent from the next full reading too, it is "gone": removed,
its credential revoked. An entry the register itself says is removed is removed at once, and an
absent entry that is back in a reading takes the status that reading gives it.

A reading that would suspend or remove many entries (``needs_confirmation``) is applied only
when someone confirms that count.
"""

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from operator import attrgetter
from typing import Any

from django.db import connection
from django.db.models import Max, Min

from casework.registry.importers.rows import RegisterRow
from casework.registry.models import RegisterEntry, RegistrationStatus, Regulator

SAMPLE_SIZE = 200  # entries of each kind kept in a preview
# Numbers looked up in one query: under SQLite's 999 variables, the least it may allow.
READ_CHUNK = 900
# The fields a reading sets, compared with what we hold. A new optional field of the register
# is added here, to ``RegisterRow`` and to ``RegisterEntry``: the diff and the writer follow.
COMPARED_FIELDS = ("name", "previous_names", "status", "conditions", "valid_from", "valid_until")
_STATUS = COMPARED_FIELDS.index("status")

# An entry's compared fields, in COMPARED_FIELDS order (lists as tuples, so they compare).
Fields = tuple[Any, ...]

_S = RegistrationStatus
# Statuses that suspend or revoke a credential: a change into one of them "withdraws" an entry.
WITHDRAWING_STATUSES = frozenset({_S.SUSPENDED, _S.LAPSED, _S.NOT_IN_READING, _S.REMOVED})
# A reading withdrawing more than this share of the entries held, or more than this many, is
# more likely a wrong or cut file than news: it needs a second confirmation naming the count.
CONFIRM_ABOVE_PERCENT = 2
CONFIRM_ABOVE_ENTRIES = 50


def needs_confirmation(*, withdrawals: int, register_size: int) -> bool:
    return (
        withdrawals > CONFIRM_ABOVE_ENTRIES
        or withdrawals * 100 > CONFIRM_ABOVE_PERCENT * register_size
    )


@dataclass(frozen=True, slots=True)
class EntryDiff:
    """What the reading says about one entry compared with the register.

    ``kind`` is "new", "changed" or "unchanged" for an entry in the file; "absent" (first
    reading without it) or "gone" (second in a row: removed) for one that is not."""

    kind: str
    registration_number: str
    entry_id: int | None
    old: Fields | None
    new: Fields

    @property
    def name(self) -> str:
        return str(self.new[0])

    @property
    def old_status(self) -> str:
        return str(self.old[_STATUS]) if self.old else ""

    @property
    def new_status(self) -> str:
        return str(self.new[_STATUS])

    @property
    def status_changed(self) -> bool:
        return self.old is not None and self.old_status != self.new_status

    @property
    def withdraws(self) -> bool:
        """This reading suspends or removes the entry (or its credential)."""
        return self.status_changed and self.new_status in WITHDRAWING_STATUSES

    def changed_fields(self) -> dict[str, list[Any]]:
        """field -> [old, new], JSON-ready; for a new entry, the fields it is given."""
        if self.old is None:  # nothing to compare with: the fields the reading gives
            # _json_value spelt out: a first reading asks this of every row.
            return {
                name: [
                    None,
                    after.isoformat()
                    if isinstance(after, date)
                    else list(after)
                    if isinstance(after, tuple)
                    else after,
                ]
                for name, after in zip(COMPARED_FIELDS, self.new, strict=True)
                if after not in _NOT_GIVEN
            }
        return {
            name: [_json_value(before), _json_value(after)]
            for name, before, after in zip(COMPARED_FIELDS, self.old, self.new, strict=True)
            if before != after
        }


# What a new entry's history leaves out: fields the reading does not give.
_NOT_GIVEN = ("", (), None)


def _json_value(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


_ROW_FIELDS = attrgetter(*COMPARED_FIELDS)


def _fields(row: RegisterRow) -> Fields:
    """A row's values as compared and kept in ``Fields``: enums as their value, lists as
    tuples. Read in one call and converted inline: every row of a reading passes here."""
    return tuple(
        [
            value.value
            if isinstance(value, Enum)
            else tuple(value)
            if isinstance(value, list)
            else value
            for value in _ROW_FIELDS(row)
        ]
    )


def _with_status(fields: Fields, status: RegistrationStatus) -> Fields:
    return (*fields[:_STATUS], status.value, *fields[_STATUS + 1 :])


# The compared fields in COMPARED_FIELDS order, by number.
_HELD_SQLITE = (
    "SELECT id, registration_number, name, previous_names, status, conditions, valid_from, "
    "valid_until FROM registry_registerentry WHERE regulator_id = %s "
    "AND registration_number IN (SELECT value FROM json_each(%s))"
)
_HELD_POSTGRESQL = (
    "SELECT id, registration_number, name, previous_names, status, conditions, valid_from, "
    "valid_until FROM registry_registerentry WHERE regulator_id = %s "
    "AND registration_number = ANY(%s)"
)


_PAGE = (
    "SELECT id, regulator_id, registration_number, name, previous_names, status, conditions, "
    "valid_from, valid_until FROM registry_registerentry WHERE id > %s AND id <= %s "
    "ORDER BY id LIMIT %s"
)


def _day(value: str | date | None) -> date | None:
    """A date as SQLite returns it (ISO text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


class HeldRegister:
    """The regulator's register as we hold it when a reading starts, compared a chunk of the
    reading at a time: each chunk's numbers are looked up when it comes, so memory is bounded
    by the chunk, not by the register.

    Which entries the reading had is kept as one bit per entry id up to the highest id held at
    the start (an id is never reused, and entries written by this reading come after it): a
    million entries take 125 kB. The entries the reading did not have are then read back in
    pages of ids."""

    def __init__(self, regulator: Regulator) -> None:
        self._regulator_id = regulator.pk
        self._entries = RegisterEntry.objects.filter(regulator=regulator)
        ids = self._entries.aggregate(first=Min("pk"), last=Max("pk"))
        self._first_id: int = ids["first"] or 0
        self.last_id: int = ids["last"] or 0
        # How many entries the register holds before the reading (removed ones are not held).
        self.size = self._entries.exclude(status=_S.REMOVED).count()
        self._seen = bytearray(self.last_id // 8 + 1)

    def _held(self, numbers: list[str]) -> dict[str, tuple[int, Fields]]:
        """number -> (entry id, compared fields) of the entries held with these numbers.

        One statement with the numbers as one parameter (a JSON array on SQLite, an array on
        PostgreSQL): an ORM ``__in`` of a chunk's numbers cost more to build and convert than
        the database took to answer it."""
        if not self.last_id:
            # The regulator held no entry when the reading started (its first): nothing to
            # find, and on PostgreSQL the lookup in the table this reading fills, planned on
            # statistics that say it is empty, grew with every chunk.
            return {}
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(_HELD_POSTGRESQL, [self._regulator_id, numbers])
            else:
                cursor.execute(_HELD_SQLITE, [self._regulator_id, json.dumps(numbers)])
            return {
                number: (pk, self._stored_fields(values))
                for pk, number, *values in cursor.fetchall()
            }

    def _mark_seen(self, entry_id: int) -> None:
        if entry_id <= self.last_id:  # one written since the start is not one held before it
            self._seen[entry_id >> 3] |= 1 << (entry_id & 7)

    def _was_seen(self, entry_id: int) -> bool:
        return bool(self._seen[entry_id >> 3] & (1 << (entry_id & 7)))

    def diff(self, rows: Sequence[RegisterRow]) -> Iterator[EntryDiff]:
        """Each row of one chunk of the reading compared with the register (a number appears
        once in a file: a duplicate is a bad row, never compared)."""
        current = self._held([row.registration_number for row in rows])
        for row in rows:
            number = row.registration_number
            new = _fields(row)
            known = current.get(number)
            if known is None:
                yield EntryDiff("new", number, None, None, new)
            else:
                entry_id, old = known
                self._mark_seen(entry_id)
                kind = "unchanged" if old == new else "changed"
                yield EntryDiff(kind, number, entry_id, old, new)

    def not_in_reading(self) -> Iterator[EntryDiff]:
        """Each entry held before the reading that it did not have, in id order (entries
        already removed stay as they are). Called once every chunk is compared."""
        after = self._first_id - 1
        while after < self.last_id:
            # A page read whole before any of it is written (the writer may change these rows),
            # by the primary key alone: with the regulator in the statement, PostgreSQL's plan
            # on statistics not yet refreshed after a first reading scanned the rest of the
            # register for every page. Other regulators' entries are skipped here.
            with connection.cursor() as cursor:
                cursor.execute(_PAGE, [after, self.last_id, READ_CHUNK])
                page = cursor.fetchall()
            if not page:
                return
            after = page[-1][0]
            for entry_id, regulator_id, number, *values in page:
                if regulator_id != self._regulator_id or self._was_seen(entry_id):
                    continue
                old = self._stored_fields(values)
                if old[_STATUS] == _S.REMOVED:
                    continue
                if old[_STATUS] == _S.NOT_IN_READING:
                    yield EntryDiff("gone", number, entry_id, old, _with_status(old, _S.REMOVED))
                else:
                    yield EntryDiff(
                        "absent", number, entry_id, old, _with_status(old, _S.NOT_IN_READING)
                    )

    def _stored_fields(self, values: Sequence[Any]) -> Fields:
        """The compared fields as a statement returns them: JSON as text (Django has psycopg
        hand jsonb over as text, for JSONField to decode), dates as ISO text on SQLite."""
        name, previous, status, conditions, start, end = values
        return (name, tuple(json.loads(previous)), status, conditions, _day(start), _day(end))


def chunks(rows: Iterable[RegisterRow]) -> Iterator[list[RegisterRow]]:
    """The reading's rows in lists of ``READ_CHUNK``."""
    chunk: list[RegisterRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= READ_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def diff_entries(rows: Iterable[RegisterRow], held: HeldRegister) -> Iterator[EntryDiff]:
    """Each row compared with the register, then each entry the file does not have."""
    for chunk in chunks(rows):
        yield from held.diff(chunk)
    yield from held.not_in_reading()


# Preview lists, each one case an officer must see apart from the others.
SAMPLE_KINDS = (
    "new",
    "changed",
    "status_changes",  # a status the register states, other than removed
    "removed_by_register",
    "restored",  # back in a reading after being absent, with the status it gives
    "absent",
    "gone",
)


@dataclass
class DiffTally:
    """Counts of each kind of difference, and the first few of each, for the preview."""

    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys((*SAMPLE_KINDS, "unchanged", "withdrawals"), 0)
    )
    sample: dict[str, list[dict[str, object]]] = field(
        default_factory=lambda: {kind: [] for kind in SAMPLE_KINDS}
    )

    def add(self, diff: EntryDiff) -> None:
        self.counts[diff.kind] += 1
        if diff.withdraws:
            self.counts["withdrawals"] += 1
        if diff.kind == "new":
            self._keep("new", diff, status=diff.new_status)
        elif diff.kind in ("absent", "gone"):
            self._keep(diff.kind, diff, status=diff.old_status)
        elif diff.kind == "changed":
            self._keep("changed", diff, fields=diff.changed_fields())
            if diff.status_changed:
                if diff.new_status == _S.REMOVED:
                    status_kind = "removed_by_register"
                elif diff.old_status == _S.NOT_IN_READING:
                    status_kind = "restored"
                else:
                    status_kind = "status_changes"
                self.counts[status_kind] += 1
                self._keep(
                    status_kind, diff, old_status=diff.old_status, new_status=diff.new_status
                )

    def _keep(self, kind: str, diff: EntryDiff, **details: object) -> None:
        if len(self.sample[kind]) < SAMPLE_SIZE:
            self.sample[kind].append(
                {"registration_number": diff.registration_number, "name": diff.name, **details}
            )

    def summary(self, *, rows: int, bad_rows: int, held: int) -> dict[str, int]:
        """The counts stored as an import's summary. ``confirm_withdrawals`` is the count a
        second confirmation must name before applying, or 0 when none is needed."""
        withdrawals = self.counts["withdrawals"]
        confirm = needs_confirmation(withdrawals=withdrawals, register_size=held)
        return {
            "rows": rows,
            **self.counts,
            "bad_rows": bad_rows,
            "register_size": held,
            "confirm_withdrawals": withdrawals if confirm else 0,
        }
