"""Writing what a register reading changes, inside the transaction that applies it
(register_import.py): new entries, changed ones, absent and gone ones, each with a history row,
in batches, and each status change told to the claims side in the same transaction.

Rows are written as prepared tuples (``COPY`` on PostgreSQL, with ids taken from the sequence
first; ``executemany`` elsewhere), not as model instances: building ``bulk_create``'s SQL for
each batch cost several times the database's own work. What the models would have filled in is
filled in here the same way: the name search key from ``names.name_search_key``, JSON as the
fields store it, ``updated_at`` as the moment of the reading. ``test_register_writer.py``
compares every column with what the ORM writes.
"""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection

from casework.registry import claims
from casework.registry.models import (
    RegisterEntry,
    RegisterImport,
    RegistrationStatus,
)
from casework.registry.names import name_search_key
from casework.registry.register_diff import COMPARED_FIELDS, EntryDiff

# At most the numbers one query may name on SQLite (register_diff.READ_CHUNK).
WRITE_BATCH = 900

# Entries marked absent or gone all get one status: one UPDATE per batch.
_STATUS_OF_KIND = {"absent": RegistrationStatus.NOT_IN_READING, "gone": RegistrationStatus.REMOVED}
_KINDS = ("new", "changed", "absent", "gone")

# Statements spelt out whole: no SQL is assembled from pieces.
_INSERT_ENTRIES = (
    "INSERT INTO registry_registerentry (regulator_id, registration_number, name, "
    "previous_names, name_key, status, conditions, valid_from, valid_until, contact_email, "
    "source_import_id, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
_COPY_ENTRIES = (
    "COPY registry_registerentry (id, regulator_id, registration_number, name, previous_names, "
    "name_key, status, conditions, valid_from, valid_until, contact_email, source_import_id, "
    "updated_at) FROM STDIN"
)
# On PostgreSQL a batch's ids are taken from the table's sequence before its COPY (which
# cannot return them), as the column's default would take them.
_NEXT_IDS_POSTGRESQL = (
    "SELECT nextval(pg_get_serial_sequence('registry_registerentry', 'id')) "
    "FROM generate_series(1, %s)"
)
# Every field a reading sets, whichever changed: the same row as updating only those.
_UPDATE_ENTRY = (
    "UPDATE registry_registerentry SET name = %s, previous_names = %s, name_key = %s, "
    "status = %s, conditions = %s, valid_from = %s, valid_until = %s, source_import_id = %s, "
    "updated_at = %s WHERE id = %s"
)
# The ids of entries just inserted on SQLite, by number (the numbers as one parameter).
_IDS_SQLITE = (
    "SELECT registration_number, id FROM registry_registerentry WHERE regulator_id = %s "
    "AND registration_number IN (SELECT value FROM json_each(%s))"
)
_INSERT_CHANGES = (
    "INSERT INTO registry_registerentrychange (entry_id, register_import_id, kind, old_status, "
    "new_status, changed_fields) VALUES (%s, %s, %s, %s, %s, %s)"
)
_COPY_CHANGES = (
    "COPY registry_registerentrychange (entry_id, register_import_id, kind, old_status, "
    "new_status, changed_fields) FROM STDIN"
)


def _insert(insert_sql: str, copy_sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """Insert prepared rows: by COPY on PostgreSQL (psycopg 3), else one executemany."""
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(insert_sql, rows)


def insert_changes(rows: Sequence[Sequence[Any]]) -> None:
    """The history rows of one batch: (entry id, import id, kind, old status, new status,
    changed fields as JSON)."""
    _insert(_INSERT_CHANGES, _COPY_CHANGES, rows)


class EntryWriter:
    """Writes the differences in batches, with a history row for each, inside the caller's
    transaction."""

    def __init__(self, register_import: RegisterImport, now: datetime) -> None:
        self._import = register_import
        self._now = now
        # Looked up once: each use of django.db.connection goes through a proxy.
        self._postgres = connection.vendor == "postgresql"
        self._adapt_json = connection.ops.adapt_json_value
        self._date = connection.ops.adapt_datefield_value
        self._updated_at = connection.ops.adapt_datetimefield_value(now)
        self._batches: dict[str, list[EntryDiff]] = {kind: [] for kind in _KINDS}

    def add(self, diff: EntryDiff) -> None:
        if diff.kind == "unchanged":
            return
        batch = self._batches[diff.kind]
        batch.append(diff)
        if len(batch) >= WRITE_BATCH:
            self._write(diff.kind)

    def flush(self) -> None:
        for kind in _KINDS:
            self._write(kind)

    def _write(self, kind: str) -> None:
        batch = self._batches[kind]
        if not batch:
            return
        if kind == "new":
            entry_ids = self._insert_entries(batch)
        else:
            entry_ids = [diff.entry_id or 0 for diff in batch]
        if kind == "changed":
            self._update_entries(batch)
        elif kind in _STATUS_OF_KIND:
            RegisterEntry.objects.filter(pk__in=entry_ids).update(
                status=_STATUS_OF_KIND[kind], source_import=self._import, updated_at=self._now
            )
        import_id = self._import.pk
        insert_changes(
            [
                (
                    entry_id,
                    import_id,
                    kind,
                    diff.old_status,
                    diff.new_status,
                    self._json(diff.changed_fields()),
                )
                for entry_id, diff in zip(entry_ids, batch, strict=True)
            ]
        )
        status_changes = [
            (entry_id, diff)
            for entry_id, diff in zip(entry_ids, batch, strict=True)
            if diff.status_changed
        ]
        # The batch's verified claims in one query, now that its statuses are written: asked
        # per change, the claims side cost about 40 % of a later reading's apply.
        held = claims.verified_claims_of_entries([entry_id for entry_id, _diff in status_changes])
        for entry_id, diff in status_changes:
            claims.registration_status_changed(
                entry=self._entry(entry_id, diff),
                old_status=diff.old_status,
                new_status=diff.new_status,
                register_import=self._import,
                verified_claims=held.get(entry_id, []),
            )
        batch.clear()

    def _json(self, value: object, *, copied: bool = True) -> Any:
        """A JSON field's value as ``JSONField`` stores it: text when COPY sends it (the server
        reads it into jsonb), else the backend's own adaptation."""
        if copied and self._postgres:
            return "[]" if value == [] else json.dumps(value)  # most entries' previous names
        return self._adapt_json(value, None)

    def _values(self, diff: EntryDiff, *, copied: bool = True) -> tuple[Any, ...]:
        """name, previous names, name key, status, conditions, valid from, valid until."""
        name, previous, status, conditions, valid_from, valid_until = diff.new
        previous_names = list(previous)
        return (
            name,
            self._json(previous_names, copied=copied),
            name_search_key(name, *previous_names),
            status,
            conditions,
            self._date(valid_from),
            self._date(valid_until),
        )

    def _insert_entries(self, batch: list[EntryDiff]) -> list[int]:
        regulator_id = self._import.regulator_id
        rows = [
            (
                regulator_id,
                diff.registration_number,
                *self._values(diff),
                "",  # the contact address follows (contact_addresses.py)
                self._import.pk,
                self._updated_at,
            )
            for diff in batch
        ]
        with connection.cursor() as cursor:
            if self._postgres:
                cursor.execute(_NEXT_IDS_POSTGRESQL, [len(batch)])
                entry_ids = [entry_id for (entry_id,) in cursor.fetchall()]
                with cursor.cursor.copy(_COPY_ENTRIES) as copy:
                    for entry_id, row in zip(entry_ids, rows, strict=True):
                        copy.write_row((entry_id, *row))
                return entry_ids
            cursor.executemany(_INSERT_ENTRIES, rows)
            numbers = [diff.registration_number for diff in batch]
            cursor.execute(_IDS_SQLITE, [regulator_id, json.dumps(numbers)])
            ids = dict(cursor.fetchall())
        return [ids[number] for number in numbers]

    def _update_entries(self, batch: list[EntryDiff]) -> None:
        import_id = self._import.pk
        rows = [
            (*self._values(diff, copied=False), import_id, self._updated_at, diff.entry_id)
            for diff in batch
        ]
        with connection.cursor() as cursor:
            cursor.executemany(_UPDATE_ENTRY, rows)

    def _entry(self, entry_id: int, diff: EntryDiff) -> RegisterEntry:
        """The entry as written, for the claims side."""
        entry = RegisterEntry(
            pk=entry_id,
            regulator_id=self._import.regulator_id,
            registration_number=diff.registration_number,
            source_import=self._import,
            updated_at=self._now,
        )
        for name, value in zip(COMPARED_FIELDS, diff.new, strict=True):
            setattr(entry, name, list(value) if isinstance(value, tuple) else value)
        entry.name_key = name_search_key(entry.name, *entry.previous_names)
        return entry
