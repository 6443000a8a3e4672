"""Comparing a register export with the register as we hold it.

``diff_entries`` walks the file's rows once and says of each entry whether it is new, changed or
unchanged, then which entries the file no longer has ("gone"). It holds the regulator's current
entries (number -> compared fields) and the set of numbers seen: bounded by the register's size,
never by the file's rows. ``DiffTally`` counts the differences and keeps the first few of each
kind, JSON-ready, for the preview.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from casework.registry.importers.rows import RegisterRow
from casework.registry.models import RegisterEntry, RegistrationStatus, Regulator

SAMPLE_SIZE = 200  # entries of each kind kept in a preview
COMPARED_FIELDS = ("name", "previous_names", "status", "conditions", "valid_from", "valid_until")

# An entry's compared fields, in COMPARED_FIELDS order.
Fields = tuple[str, tuple[str, ...], str, str, date | None, date | None]


@dataclass(frozen=True, slots=True)
class EntryDiff:
    """What the file says about one entry compared with the register."""

    kind: str  # "new", "changed", "unchanged" or "gone"
    registration_number: str
    entry_id: int | None
    old: Fields | None
    new: Fields | None

    @property
    def name(self) -> str:
        fields = self.new or self.old
        return fields[0] if fields else ""

    @property
    def old_status(self) -> str:
        return self.old[2] if self.old else ""

    @property
    def new_status(self) -> str:
        return self.new[2] if self.new else RegistrationStatus.REMOVED.value

    @property
    def status_changed(self) -> bool:
        return self.old is not None and self.old_status != self.new_status

    def changed_fields(self) -> dict[str, list[Any]]:
        """field -> [old, new], JSON-ready; for a new entry, the fields it is given."""
        if self.new is None:
            return {"status": [self.old_status, self.new_status]}
        old = self.old or (None,) * len(COMPARED_FIELDS)
        return {
            name: [_json_value(before), _json_value(after)]
            for name, before, after in zip(COMPARED_FIELDS, old, self.new, strict=True)
            if before != after and (self.old is not None or after not in ("", (), None))
        }


def _json_value(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _fields(row: RegisterRow) -> Fields:
    return (
        row.name,
        row.previous_names,
        row.status.value,
        row.conditions,
        row.valid_from,
        row.valid_until,
    )


def current_entries(regulator: Regulator) -> dict[str, tuple[int, Fields]]:
    """The regulator's register as we hold it: number -> (entry id, compared fields)."""
    rows = RegisterEntry.objects.filter(regulator=regulator).values_list(
        "pk", "registration_number", *COMPARED_FIELDS
    )
    return {
        number: (pk, (name, tuple(previous or ()), status, conditions, start, until))
        for pk, number, name, previous, status, conditions, start, until in rows.iterator(
            chunk_size=2000
        )
    }


def diff_entries(
    rows: Iterable[RegisterRow], current: dict[str, tuple[int, Fields]]
) -> Iterator[EntryDiff]:
    """Each row compared with the register, then each entry the file no longer has (entries
    already removed stay as they are)."""
    seen: set[str] = set()
    for row in rows:
        number = row.registration_number
        seen.add(number)
        new = _fields(row)
        known = current.get(number)
        if known is None:
            yield EntryDiff("new", number, None, None, new)
        else:
            entry_id, old = known
            kind = "unchanged" if old == new else "changed"
            yield EntryDiff(kind, number, entry_id, old, new)
    for number, (entry_id, old) in current.items():
        if number not in seen and old[2] != RegistrationStatus.REMOVED:
            yield EntryDiff("gone", number, entry_id, old, None)


@dataclass
class DiffTally:
    """Counts of each kind of difference, and the first few of each, for the preview."""

    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("new", "changed", "status_changes", "gone", "unchanged"), 0
        )
    )
    sample: dict[str, list[dict[str, object]]] = field(
        default_factory=lambda: {"new": [], "changed": [], "status_changes": [], "gone": []}
    )

    def add(self, diff: EntryDiff) -> None:
        self.counts[diff.kind] += 1
        if diff.kind == "new":
            self._keep("new", diff, status=diff.new_status)
        elif diff.kind == "changed":
            self._keep("changed", diff, fields=diff.changed_fields())
        elif diff.kind == "gone":
            self._keep("gone", diff, status=diff.old_status)
        if diff.status_changed:
            self.counts["status_changes"] += 1
            self._keep(
                "status_changes", diff, old_status=diff.old_status, new_status=diff.new_status
            )

    def _keep(self, kind: str, diff: EntryDiff, **details: object) -> None:
        if len(self.sample[kind]) < SAMPLE_SIZE:
            self.sample[kind].append(
                {"registration_number": diff.registration_number, "name": diff.name, **details}
            )

    def summary(self, *, rows: int, bad_rows: int) -> dict[str, int]:
        """The counts stored as an import's summary."""
        return {"rows": rows, **self.counts, "bad_rows": bad_rows}
