"""Writing what a register reading changes, inside the transaction that applies it
(register_import.py): new entries, changed ones, absent and gone ones, each with a history row,
in batches, and each status change told to the claims side in the same transaction.

Rows are written as prepared tuples (``COPY`` on PostgreSQL, with ids taken from the sequence
first; ``executemany`` elsewhere), not as model instances: building ``bulk_create``'s SQL for
each batch cost several times the database's own work. What the models would have filled in is
filled in here the same way: the name search key from ``names.name_search_key``, JSON as the
fields store it, ``updated_at`` as the moment of the reading. ``test_register_writer.py``
compares every column with what the ORM writes.

On PostgreSQL new entries are copied behind (``_CopyBehind``): a second thread copies one
batch, on the same connection and in the same transaction, while this one prepares the next.
Preparing a batch in Python and the server's work on it (indexes, the foreign keys' checks)
cost about the same, and one after the other they added up.
"""

import json
import threading
from collections.abc import Sequence
from datetime import datetime
from queue import Queue
from types import TracebackType
from typing import Any, Self

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper

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
# New entries copied behind on PostgreSQL, in larger batches: each of the copying thread's
# statements waits for the reading's thread to hand over the interpreter (up to 5 ms, Python's
# switch interval), so the fewer a row's share of them, the less the copies lag.
COPY_BATCH = 2 * WRITE_BATCH

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


# A new entry's row without its id, and its history row without the entry's id.
_NewBatch = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]
# Batches prepared ahead of the one being copied: memory stays a few batches, whatever the file.
_BATCHES_AHEAD = 1


class _CopyBehind:
    """PostgreSQL: new entries and their history rows copied by a thread of their own, a
    batch at a time, while the reading goes on preparing the next batch.

    The thread uses the reading's own connection (psycopg's connections serialise their
    statements), so its rows are in the reading's transaction and roll back with it. The
    reading's thread sends nothing while a batch is copying: each of its other statements first
    waits for the copies queued before it (``settle``, through ``EntryWriter.flush``), so that
    nothing runs between a copy's statements and a savepoint rolled back never takes a copied
    batch with it. A failed copy is raised in the reading's thread and the rest are dropped.

    Each batch's foreign keys are checked as it is copied (``SET CONSTRAINTS ... IMMEDIATE``)
    rather than all at commit: the same checks, made while the next batch is prepared (at
    commit they took about a fifth of a first reading, with nothing else to do meanwhile).
    """

    def __init__(self, wrapper: BaseDatabaseWrapper) -> None:
        # The reading thread's own: through django.db.connection the copying thread would open
        # a connection of its own, outside the reading's transaction.
        self._wrapper = wrapper
        self._queue: Queue[_NewBatch | None] = Queue(maxsize=_BATCHES_AHEAD)
        self._error: BaseException | None = None
        self._stopped = False
        self._thread: threading.Thread | None = None

    def put(self, batch: _NewBatch) -> None:
        self._raise_error()
        if self._thread is None:
            self._thread = threading.Thread(target=self._copy, name="register-copy", daemon=True)
            self._thread.start()
        self._queue.put(batch)

    def settle(self) -> None:
        """Wait until every batch queued is copied; raise what stopped a copy."""
        if self._thread is not None:
            self._queue.join()
        self._raise_error()

    def close(self) -> None:
        """End the thread. Batches still queued are dropped: the reading stopped, and its
        transaction rolls back (a reading that goes on settles first)."""
        if self._thread is not None:
            self._stopped = True
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error

    def _copy(self) -> None:
        while (batch := self._queue.get()) is not None:
            try:
                if self._error is None and not self._stopped:
                    self._copy_batch(*batch)
            except BaseException as error:  # raised again in the reading's thread
                self._error = error
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def _copy_batch(self, entries: list[tuple[Any, ...]], changes: list[tuple[Any, ...]]) -> None:
        # Errors as Django's, as the reading's own statements raise them.
        with self._wrapper.wrap_database_errors, self._wrapper.connection.cursor() as cursor:
            cursor.execute(_NEXT_IDS_POSTGRESQL, [len(entries)])
            entry_ids = [entry_id for (entry_id,) in cursor.fetchall()]
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            with cursor.copy(_COPY_ENTRIES) as copy:
                for entry_id, row in zip(entry_ids, entries, strict=True):
                    copy.write_row((entry_id, *row))
            with cursor.copy(_COPY_CHANGES) as copy:
                for entry_id, row in zip(entry_ids, changes, strict=True):
                    copy.write_row((entry_id, *row))
            # Back as Django declares them (every deferrable constraint is initially deferred).
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class EntryWriter:
    """Writes the differences in batches, with a history row for each, inside the caller's
    transaction. Used as a context manager: on PostgreSQL new entries are copied behind, and
    ``flush`` waits for them."""

    def __init__(self, register_import: RegisterImport, now: datetime) -> None:
        self._import = register_import
        self._now = now
        # Looked up once: each use of django.db.connection goes through a proxy.
        self._postgres = connection.vendor == "postgresql"
        self._adapt_json = connection.ops.adapt_json_value
        self._date = connection.ops.adapt_datefield_value
        self._updated_at = connection.ops.adapt_datetimefield_value(now)
        self._batches: dict[str, list[EntryDiff]] = {kind: [] for kind in _KINDS}
        self._behind = _CopyBehind(connections[DEFAULT_DB_ALIAS]) if self._postgres else None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._behind is None:
            return
        try:
            if kind is None:  # nothing added may be left unwritten
                self.flush()
        finally:
            self._behind.close()

    def add(self, diff: EntryDiff) -> None:
        if diff.kind == "unchanged":
            return
        batch = self._batches[diff.kind]
        batch.append(diff)
        if len(batch) >= (COPY_BATCH if diff.kind == "new" and self._behind else WRITE_BATCH):
            self._write(diff.kind)

    def flush(self) -> None:
        """Write every batch begun, and wait for the new entries copying behind: after it,
        everything added is in the database (the reading's other statements come after it:
        looking entries up, writing their addresses)."""
        for kind in _KINDS:
            self._write(kind)
        if self._behind is not None:
            self._behind.settle()

    def _write(self, kind: str) -> None:
        batch = self._batches[kind]
        if not batch:
            return
        if kind == "new" and self._behind is not None:
            # A new entry changes no status (nothing for the claims side): its rows are all.
            self._behind.put(self._new_rows(batch))
            batch.clear()
            return
        if self._behind is not None:
            self._behind.settle()  # nothing may run between a copy's statements
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

    def _entry_row(self, diff: EntryDiff) -> tuple[Any, ...]:
        """A new entry's row, without its id (the column order of ``_INSERT_ENTRIES``)."""
        return (
            self._import.regulator_id,
            diff.registration_number,
            *self._values(diff),
            "",  # the contact address follows (contact_addresses.py)
            self._import.pk,
            self._updated_at,
        )

    def _new_rows(self, batch: list[EntryDiff]) -> _NewBatch:
        """A batch of new entries' rows and their history rows, for ``_CopyBehind`` to give
        them ids."""
        import_id = self._import.pk
        entries = [self._entry_row(diff) for diff in batch]
        changes = [
            (import_id, "new", "", diff.new_status, self._json(diff.changed_fields()))
            for diff in batch
        ]
        return entries, changes

    def _insert_entries(self, batch: list[EntryDiff]) -> list[int]:
        """SQLite's new entries (PostgreSQL copies them behind): their ids, in batch order."""
        rows = [self._entry_row(diff) for diff in batch]
        numbers = [diff.registration_number for diff in batch]
        with connection.cursor() as cursor:
            cursor.executemany(_INSERT_ENTRIES, rows)
            cursor.execute(_IDS_SQLITE, [self._import.regulator_id, json.dumps(numbers)])
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
