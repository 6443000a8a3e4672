"""The register writer's prepared rows (COPY / executemany) against what the ORM writes.

``OrmEntryWriter`` is the writer as it was, through model instances (``bulk_create`` and
``update``): every column of every entry and history row the reading writes must be the same
whichever of the two writes it, on SQLite and PostgreSQL alike.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction

from casework.accounts.models import User
from casework.registry import claims, register_diff, register_writer
from casework.registry import register_import as services
from casework.registry.models import (
    RegisterEntry,
    RegisterEntryChange,
    RegisterImport,
    RegistrationStatus,
)
from casework.registry.names import name_search_key
from casework.registry.register_diff import COMPARED_FIELDS, EntryDiff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
Upload = Callable[..., RegisterImport]

HEADER = (
    "registration_number,name,previous_names,status,conditions,valid_from,valid_until,"
    "contact_email\n"
)
FIRST = HEADER + (
    "SW1001,Amara Okafor,Amara Eze;Amara O.,registered,,2019-04-01,2026-11-30,amara@example.org\n"
    "SW1002,José-María O'Neil,,registered,,2020-01-15,,\n"
    "SW1003,Dana Ruiz,,conditions,Supervised practice,,2027-03-01,dana@example.org\n"
    "SW1004,Łucja de la Cruz,,lapsed,,2018-06-01,2026-05-31,\n"
    "SW1005,Kim Tran,,registered,,,,kim@example.org\n"
    "SW1006,Siobhan Gallagher,Siobhan Ní Ghallchóir,suspended,,2021-01-01,2026-12-31,\n"
    "SW1007,Priya Raman,,registered,,2022-02-02,2027-02-01,\n"
)
# 1001 renamed (the old name kept), 1002 suspended with an address, 1003 gone, 1004 back to
# registered, 1005 unchanged but its address cleared, 1006 and 1007 unchanged, 1008 new.
SECOND = HEADER + (
    "SW1001,Amara Eze-Okafor,Amara Eze;Amara O.;Amara Okafor,registered,,2019-04-01,2027-11-30,"
    "amara@example.org\n"
    "SW1002,José-María O'Neil,,suspended,,2020-01-15,,jose@example.org\n"
    "SW1004,Łucja de la Cruz,,registered,,2018-06-01,2028-05-31,\n"
    "SW1005,Kim Tran,,registered,,,,\n"
    "SW1006,Siobhan Gallagher,Siobhan Ní Ghallchóir,suspended,,2021-01-01,2026-12-31,\n"
    "SW1007,Priya Raman,,registered,,2022-02-02,2027-02-01,\n"
    "SW1008,Ola Smith,,registered,,2025-02-01,2027-01-31,ola@example.org\n"
)
# 1003 is missing twice (removed); 1006 goes missing (absent); 1002 is removed by the register.
THIRD = HEADER + (
    "SW1001,Amara Eze-Okafor,Amara Eze;Amara O.;Amara Okafor,registered,,2019-04-01,2027-11-30,"
    "amara@example.org\n"
    "SW1002,José-María O'Neil,,removed,,2020-01-15,,jose@example.org\n"
    "SW1004,Łucja de la Cruz,,registered,,2018-06-01,2028-05-31,\n"
    "SW1005,Kim Tran,,registered,,,,\n"
    "SW1007,Priya Raman,,registered,,2022-02-02,2027-02-01,\n"
    "SW1008,Ola Smith,,registered,,2025-02-01,2027-01-31,ola@example.org\n"
)


class OrmEntryWriter:
    """The writer through model instances, as it was before rows were prepared by hand."""

    def __init__(self, register_import: RegisterImport, now: datetime) -> None:
        self._import = register_import
        self._now = now
        self._batches: dict[str, list[tuple[RegisterEntry, EntryDiff]]] = {
            kind: [] for kind in ("new", "changed", "absent", "gone")
        }

    def __enter__(self) -> "OrmEntryWriter":
        return self

    def __exit__(self, *exception: object) -> None:
        pass

    def add(self, diff: EntryDiff) -> None:
        if diff.kind == "unchanged":
            return
        entry = RegisterEntry(
            pk=diff.entry_id,
            regulator_id=self._import.regulator_id,
            registration_number=diff.registration_number,
            source_import=self._import,
            updated_at=self._now,
        )
        for name, value in zip(COMPARED_FIELDS, diff.new, strict=True):
            setattr(entry, name, list(value) if isinstance(value, tuple) else value)
        self._batches[diff.kind].append((entry, diff))

    def flush(self) -> None:
        statuses = {"absent": RegistrationStatus.NOT_IN_READING, "gone": RegistrationStatus.REMOVED}
        for kind, batch in self._batches.items():
            entries = [entry for entry, _diff in batch]
            if kind == "new":
                RegisterEntry.objects.bulk_create(entries)
            elif kind in statuses:
                RegisterEntry.objects.filter(pk__in=[entry.pk for entry in entries]).update(
                    status=statuses[kind], source_import=self._import, updated_at=self._now
                )
            changes = [diff.changed_fields() for _entry, diff in batch]
            if kind == "changed":
                for (entry, _diff), changed in zip(batch, changes, strict=True):
                    RegisterEntry.objects.filter(pk=entry.pk).update(
                        source_import=self._import,
                        updated_at=self._now,
                        name_key=name_search_key(entry.name, *entry.previous_names),
                        **{name: getattr(entry, name) for name in changed},
                    )
            RegisterEntryChange.objects.bulk_create(
                RegisterEntryChange(
                    entry=entry,
                    register_import=self._import,
                    kind=kind,
                    old_status=diff.old_status,
                    new_status=diff.new_status,
                    changed_fields=changed,
                )
                for (entry, diff), changed in zip(batch, changes, strict=True)
            )
            for entry, diff in batch:
                if diff.status_changed:
                    claims.registration_status_changed(
                        entry=entry,
                        old_status=diff.old_status,
                        new_status=diff.new_status,
                        register_import=self._import,
                    )
            batch.clear()


def stored_rows() -> dict[str, list[tuple[Any, ...]]]:
    """Every column as the database holds it; ids (which differ between the two runs) as the
    registration number of the entry and the order of the import."""
    imports = {
        pk: n
        for n, pk in enumerate(RegisterImport.objects.order_by("pk").values_list("pk", flat=True))
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM registry_registerentry ORDER BY registration_number")
        columns = [column[0] for column in cursor.description]
        entries = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        numbers = {entry["id"]: entry["registration_number"] for entry in entries}
        cursor.execute("SELECT * FROM registry_registerentrychange")
        change_columns = [column[0] for column in cursor.description]
        changes = [dict(zip(change_columns, row, strict=True)) for row in cursor.fetchall()]
    for entry in entries:
        del entry["id"]
        entry["source_import_id"] = imports.get(entry["source_import_id"])
    for change in changes:
        del change["id"]
        change["entry_id"] = numbers[change["entry_id"]]
        change["register_import_id"] = imports[change["register_import_id"]]
    return {
        "entries": [tuple(sorted(entry.items())) for entry in entries],
        "changes": sorted(tuple(sorted(change.items())) for change in changes),
    }


@time_machine.travel(datetime(2026, 12, 5, 1, 30, tzinfo=UTC), tick=False)
@pytest.mark.parametrize("chunk", [900, 2])
def test_the_rows_written_are_the_rows_the_orm_writes(
    upload: Upload, officer: User, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    # Small chunks: a reading spans several lookups, writes and pages of absent entries.
    monkeypatch.setattr(register_diff, "READ_CHUNK", chunk)
    monkeypatch.setattr(register_writer, "WRITE_BATCH", chunk)
    monkeypatch.setattr(register_writer, "COPY_BATCH", chunk)

    def apply_readings() -> dict[str, list[tuple[Any, ...]]]:
        for text in (FIRST, SECOND, THIRD):
            reading = upload(text)
            applied = services.apply_register_import(
                register_import_id=reading.pk,
                applied_by=officer,
                confirmed_withdrawals=reading.summary["confirm_withdrawals"] or None,
            )
            assert applied.state == RegisterImport.State.APPLIED, applied.failure
        return stored_rows()

    with transaction.atomic():
        with monkeypatch.context() as orm:
            orm.setattr(services, "EntryWriter", OrmEntryWriter)
            by_the_orm = apply_readings()
        transaction.set_rollback(True)
    assert not RegisterEntry.objects.exists()

    written = apply_readings()

    assert written == by_the_orm
    # The readings touched every kind of write the writer has.
    kinds = {dict(change)["kind"] for change in written["changes"]}
    assert kinds == {"new", "changed", "absent", "gone"}
    entries = {entry.registration_number: entry for entry in RegisterEntry.objects.all()}
    assert entries["SW1001"].name_key == name_search_key(
        "Amara Eze-Okafor", "Amara Eze", "Amara O.", "Amara Okafor"
    )
    assert entries["SW1001"].previous_names == ["Amara Eze", "Amara O.", "Amara Okafor"]
    assert entries["SW1005"].contact_email == ""
    assert entries["SW1002"].contact_email == "jose@example.org"
    assert (entries["SW1003"].status, entries["SW1006"].status) == ("removed", "absent")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="new entries copied behind")
def test_a_copy_behind_that_fails_leaves_nothing_applied(
    upload: Upload, officer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A batch a row: the third copy fails while the reading goes on preparing the next ones.
    monkeypatch.setattr(register_writer, "COPY_BATCH", 1)
    copy_batch = register_writer._CopyBehind._copy_batch
    copies: list[int] = []

    def fail_on_the_third(behind: Any, *batch: Any) -> None:
        copies.append(1)
        if len(copies) == 3:
            raise RuntimeError("disk full")
        copy_batch(behind, *batch)

    monkeypatch.setattr(register_writer._CopyBehind, "_copy_batch", fail_on_the_third)
    reading = upload(FIRST)

    with pytest.raises(RuntimeError, match="disk full"):
        services.apply_register_import(register_import_id=reading.pk, applied_by=officer)

    reading.refresh_from_db()
    assert reading.state == RegisterImport.State.FAILED
    assert reading.failure == "Applying failed: disk full"
    assert not RegisterEntry.objects.exists()
    assert not RegisterEntryChange.objects.exists()
    assert len(copies) == 3  # nothing copied after the failure


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SET CONSTRAINTS")
def test_every_deferrable_constraint_is_initially_deferred() -> None:
    # The copy behind checks its batch's foreign keys at once, then puts every deferrable
    # constraint back to deferred: right only while none is declared initially immediate.
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE condeferrable AND NOT condeferred")
        assert cursor.fetchall() == []
