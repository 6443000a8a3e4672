"""Register imports end to end: receive, preview, apply atomically, history, discard, command."""

import hashlib
import importlib.util
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoCaptureOnCommitCallbacks

from casework.accounts.models import User
from casework.privacy.models import AuditEvent
from casework.registry import register_import as services
from casework.registry import register_writer
from casework.registry.models import (
    RegisterEntry,
    RegisterEntryChange,
    RegisterImport,
    RegistrationClaim,
    Regulator,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
State = RegisterImport.State
HEADER = "registration_number,name,previous_names,status,conditions,valid_from,valid_until\n"
FIRST_READING = HEADER + (
    "SW1001,Amara Okafor,Amara Eze,registered,,2019-04-01,2026-11-30\n"
    "SW1002,Jonas Berg,,registered,,2020-01-15,2026-01-14\n"
    "SW1003,Dana Ruiz,,registered,,2021-03-02,2027-03-01\n"
    "SW1004,Kim Tran,,conditions,Supervised practice,2018-06-01,2026-05-31\n"
)
# Amara's date moves on; Jonas is suspended; Dana is not in it; Kim is unchanged; Ola is new.
SECOND_READING = HEADER + (
    "SW1001,Amara Okafor,Amara Eze,registered,,2019-04-01,2027-11-30\n"
    "SW1002,Jonas Berg,,suspended,,2020-01-15,2026-01-14\n"
    "SW1004,Kim Tran,,conditions,Supervised practice,2018-06-01,2026-05-31\n"
    "SW1005,Ola Smith,,registered,,2025-02-01,2027-01-31\n"
)


Upload = Callable[..., RegisterImport]


@pytest.fixture
def applied_first_reading(upload: Upload, officer: User) -> RegisterImport:
    first = upload(FIRST_READING)
    return services.apply_register_import(register_import_id=first.pk, applied_by=officer)


def summary_of(**counts: int) -> dict[str, int]:
    """An import's summary: every count named, the others 0."""
    keys = (
        "rows", "new", "changed", "status_changes", "removed_by_register", "restored", "absent",
        "gone", "unchanged", "withdrawals", "bad_rows", "register_size", "confirm_withdrawals",
    )  # fmt: skip
    assert set(counts) <= set(keys)
    return {key: counts.get(key, 0) for key in keys}


def register_snapshot() -> list[tuple[Any, ...]]:
    return list(
        RegisterEntry.objects.order_by("registration_number").values_list(
            "registration_number", "name", "status", "valid_until", "source_import_id", "updated_at"
        )
    )


# --- Receiving and previewing ---------------------------------------------------------------


def test_an_upload_is_stored_hashed_audited_and_previewed(upload: Upload, media: Path) -> None:
    register_import = upload(FIRST_READING)
    assert register_import.state == State.PREVIEWED
    assert register_import.file_sha256 == hashlib.sha256(FIRST_READING.encode()).hexdigest()
    assert register_import.file_name == "export.csv"
    stored = Path(register_import.file.path)
    assert stored.is_relative_to(media)
    assert stored.read_bytes() == FIRST_READING.encode()
    assert register_import.rows_total == register_import.rows_done == 4
    assert register_import.summary == summary_of(rows=4, new=4)
    assert [sample["registration_number"] for sample in register_import.diff_sample["new"]] == [
        "SW1001",
        "SW1002",
        "SW1003",
        "SW1004",
    ]
    assert not RegisterEntry.objects.exists()  # a preview changes nothing
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"registry.import_received", "registry.import_checked"} <= actions


def test_the_preview_shows_new_changed_status_changes_and_gone_entries(
    applied_first_reading: RegisterImport, upload: Upload
) -> None:
    second = upload(SECOND_READING)
    assert second.state == State.PREVIEWED
    assert second.summary == summary_of(
        rows=4,
        new=1,
        changed=2,
        status_changes=1,  # Jonas suspended
        absent=1,  # Dana: not in this reading, not yet removed
        unchanged=1,
        register_size=4,
        withdrawals=2,
        confirm_withdrawals=2,  # half the register
    )
    sample = second.diff_sample
    assert sample["new"] == [
        {"registration_number": "SW1005", "name": "Ola Smith", "status": "registered"}
    ]
    assert {
        "registration_number": "SW1001",
        "name": "Amara Okafor",
        "fields": {"valid_until": ["2026-11-30", "2027-11-30"]},
    } in sample["changed"]
    assert sample["status_changes"] == [
        {
            "registration_number": "SW1002",
            "name": "Jonas Berg",
            "old_status": "registered",
            "new_status": "suspended",
        },
    ]
    assert sample["absent"] == [
        {"registration_number": "SW1003", "name": "Dana Ruiz", "status": "registered"}
    ]
    assert sample["gone"] == sample["removed_by_register"] == sample["restored"] == []
    assert RegisterEntry.objects.get(registration_number="SW1002").status == "registered"


def test_a_file_over_the_size_limit_is_refused_and_nothing_is_stored(
    england: Regulator, officer: User, media: Path
) -> None:
    with (
        override_settings(REGISTER_IMPORT_MAX_BYTES=100),
        pytest.raises(ValidationError, match="larger than"),
    ):
        services.receive_register_file(
            regulator=england,
            uploaded_file=SimpleUploadedFile("big.csv", FIRST_READING.encode()),
            file_format="generic-csv",
            uploaded_by=officer,
        )
    assert not RegisterImport.objects.exists()
    assert not media.exists() or not any(media.rglob("*.csv"))


def test_an_empty_file_is_refused_and_nothing_is_stored(england: Regulator, officer: User) -> None:
    with pytest.raises(ValidationError, match="The file is empty"):
        services.receive_register_file(
            regulator=england,
            uploaded_file=SimpleUploadedFile("empty.csv", b""),
            file_format="generic-csv",
            uploaded_by=officer,
        )
    assert not RegisterImport.objects.exists()


def test_a_format_that_does_not_serve_the_regulator_is_refused(
    england: Regulator, officer: User
) -> None:
    with pytest.raises(ValidationError, match="us-state-board"):
        services.receive_register_file(
            regulator=england,
            uploaded_file=SimpleUploadedFile("x.csv", FIRST_READING.encode()),
            file_format="us-state-board",
            uploaded_by=officer,
        )
    assert not RegisterImport.objects.exists()


def test_a_file_with_bad_rows_is_invalid_lists_them_and_is_never_applied(
    upload: Upload, officer: User
) -> None:
    text = FIRST_READING + "SW1001,Amara Again,,registered,,,\nSW1006,Bo Li,,retired,,,\n"
    register_import = upload(text)
    assert register_import.state == State.INVALID
    assert register_import.bad_rows == [
        {"line": 6, "reason": "registration number SW1001 is already on line 2"},
        {"line": 7, "reason": register_import.bad_rows[1]["reason"]},
    ]
    assert 'unknown status "retired"' in register_import.bad_rows[1]["reason"]
    assert register_import.summary["bad_rows"] == 2
    with pytest.raises(ValidationError, match="ready to apply"):
        services.apply_register_import(register_import_id=register_import.pk, applied_by=officer)
    assert not RegisterEntry.objects.exists()


@pytest.mark.parametrize(
    ("data", "file_format", "expected"),
    [
        (HEADER + 'SW1,"Ann,,registered,,,\n', "generic-csv", "never closed"),
        (b'{"entries": [{"registration_number": "1"', "generic-json", "JSON is malformed"),
        (HEADER.encode() + b"\x00\x01\x02", "generic-csv", "NUL byte"),
        ("registration_number,status\n1,registered\n", "generic-csv", 'no "name" column'),
    ],
)
def test_an_unreadable_file_is_invalid_with_the_reason(
    upload: Upload, data: str | bytes, file_format: str, expected: str
) -> None:
    register_import = upload(data, file_format=file_format)
    assert register_import.state == State.INVALID
    assert expected in register_import.failure
    assert register_import.diff_sample == {}


def test_bad_rows_kept_are_capped_with_the_full_count_in_the_summary(upload: Upload) -> None:
    text = HEADER + "".join(f"N{n},Person {n},,unknown,,,\n" for n in range(1200))
    register_import = upload(text)
    assert register_import.state == State.INVALID
    assert len(register_import.bad_rows) == services.BAD_ROWS_KEPT
    assert register_import.summary["bad_rows"] == 1200
    assert register_import.rows_total == register_import.rows_done == 1200


def test_checking_reports_its_progress_every_thousand_rows(
    england: Regulator, officer: User
) -> None:
    text = HEADER + "".join(f"N{n},Person {n},,registered,,,\n" for n in range(2500))
    register_import = services.receive_register_file(
        regulator=england,
        uploaded_file=SimpleUploadedFile("export.csv", text.encode()),
        file_format="generic-csv",
        uploaded_by=officer,
        check_in_background=False,
    )
    with CaptureQueriesContext(connection) as queries:
        services.check_register_import(register_import_id=register_import.pk)
    progress = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith('UPDATE "registry_registerimport" SET "rows_done" =')
    ]
    assert len(progress) == 2  # after rows 1000 and 2000
    register_import.refresh_from_db()
    assert register_import.rows_done == register_import.rows_total == 2500


# --- Applying -------------------------------------------------------------------------------


def test_applying_writes_the_entries_their_history_and_when_the_register_was_read(
    applied_first_reading: RegisterImport, officer: User, england: Regulator
) -> None:
    first = applied_first_reading
    assert first.state == State.APPLIED
    assert first.applied_at is not None
    amara = RegisterEntry.objects.get(registration_number="SW1001")
    assert (amara.name, amara.previous_names, amara.status) == (
        "Amara Okafor",
        ["Amara Eze"],
        "registered",
    )
    assert amara.source_import == first
    assert RegisterEntryChange.objects.filter(register_import=first, kind="new").count() == 4
    change = RegisterEntryChange.objects.get(entry=amara)
    assert change.new_status == "registered"
    assert change.changed_fields["valid_from"] == [None, "2019-04-01"]
    england.refresh_from_db()
    assert england.register_read_at == first.applied_at
    event = AuditEvent.objects.get(action="registry.import_applied")
    assert event.actor_id == officer.pk
    assert event.detail["new"] == 4


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's limit on variables")
def test_a_register_larger_than_sqlites_limit_on_variables_is_applied(
    england: Regulator, officer: User
) -> None:
    # SQLite allows 250,000 variables in a statement by default: the same limit, made small.
    raw = connection.connection
    assert raw is not None
    limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    try:
        rows = "".join(f"N{n},Person {n},,registered,,,\n" for n in range(1500))
        register_import = services.receive_register_file(
            regulator=england,
            uploaded_file=SimpleUploadedFile("export.csv", (HEADER + rows).encode()),
            file_format="generic-csv",
            uploaded_by=officer,
            check_in_background=False,
        )
        services.check_register_import(register_import_id=register_import.pk)
        applied = services.apply_register_import(
            register_import_id=register_import.pk, applied_by=officer
        )
    finally:
        raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
    assert applied.state == State.APPLIED
    assert RegisterEntry.objects.filter(regulator=england).count() == 1500


def test_applying_a_later_reading_updates_suspends_and_marks_the_absent(
    applied_first_reading: RegisterImport, upload: Upload, officer: User
) -> None:
    second = upload(SECOND_READING)
    kim_before = RegisterEntry.objects.get(registration_number="SW1004")
    second = services.apply_register_import(
        register_import_id=second.pk, applied_by=officer, confirmed_withdrawals=2
    )
    assert second.state == State.APPLIED
    statuses = dict(RegisterEntry.objects.values_list("registration_number", "status"))
    assert statuses == {
        "SW1001": "registered",
        "SW1002": "suspended",
        "SW1003": "absent",  # not in the latest reading: not removed
        "SW1004": "conditions",
        "SW1005": "registered",
    }
    changes = {
        change.entry.registration_number: change
        for change in RegisterEntryChange.objects.filter(register_import=second).select_related(
            "entry"
        )
    }
    assert {number: change.kind for number, change in changes.items()} == {
        "SW1001": "changed",
        "SW1002": "changed",
        "SW1003": "absent",
        "SW1005": "new",
    }
    assert changes["SW1001"].changed_fields == {"valid_until": ["2026-11-30", "2027-11-30"]}
    assert (changes["SW1002"].old_status, changes["SW1002"].new_status) == (
        "registered",
        "suspended",
    )
    assert changes["SW1003"].changed_fields == {"status": ["registered", "absent"]}
    kim = RegisterEntry.objects.get(registration_number="SW1004")
    assert kim.source_import_id == applied_first_reading.pk  # unchanged: not touched
    assert kim.updated_at == kim_before.updated_at
    assert RegisterEntry.objects.get(registration_number="SW1002").source_import == second


def test_applying_the_same_file_again_changes_nothing(
    applied_first_reading: RegisterImport, upload: Upload, officer: User
) -> None:
    before = register_snapshot()
    again = upload(FIRST_READING)
    assert again.file_sha256 == applied_first_reading.file_sha256
    assert again.summary["unchanged"] == 4
    again = services.apply_register_import(register_import_id=again.pk, applied_by=officer)
    assert again.state == State.APPLIED
    assert again.summary == summary_of(rows=4, unchanged=4, register_size=4)
    assert not RegisterEntryChange.objects.filter(register_import=again).exists()
    assert register_snapshot() == before


def test_a_failure_part_way_through_applying_leaves_nothing_applied(
    applied_first_reading: RegisterImport,
    upload: Upload,
    officer: User,
    england: Regulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    second = upload(SECOND_READING)
    before = register_snapshot()
    read_at = Regulator.objects.get(pk=england.pk).register_read_at
    monkeypatch.setattr(register_writer, "WRITE_BATCH", 1)  # write each change as it comes
    written = register_writer.insert_changes
    calls: list[int] = []

    def fail_on_the_third_batch(rows: Any) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        written(rows)

    monkeypatch.setattr(register_writer, "insert_changes", fail_on_the_third_batch)
    with pytest.raises(RuntimeError, match="disk full"):
        services.apply_register_import(
            register_import_id=second.pk, applied_by=officer, confirmed_withdrawals=2
        )

    second.refresh_from_db()
    assert second.state == State.FAILED
    assert second.failure == "Applying failed: disk full"
    assert register_snapshot() == before
    assert not RegisterEntryChange.objects.filter(register_import=second).exists()
    assert Regulator.objects.get(pk=england.pk).register_read_at == read_at
    assert not AuditEvent.objects.filter(action="registry.import_applied", object_id=str(second.pk))
    assert AuditEvent.objects.filter(action="registry.import_failed").exists()


def test_each_status_change_reaches_the_claims_side_inside_the_apply_transaction(
    applied_first_reading: RegisterImport,
    upload: Upload,
    officer: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if importlib.util.find_spec("casework.registry.claims") is None:
        pytest.skip("casework/registry/claims.py is not written yet")
    from casework.registry import claims

    second = upload(SECOND_READING)
    outside = len(connection.savepoint_ids)  # the test's own transaction
    seen: list[tuple[str, str, str, int, bool, bool]] = []

    def record(**kwargs: Any) -> None:
        seen.append(
            (
                kwargs["entry"].registration_number,
                kwargs["old_status"],
                kwargs["new_status"],
                kwargs["register_import"].pk,
                # The status is already written where the claims side reads it...
                RegisterEntry.objects.get(pk=kwargs["entry"].pk).status == kwargs["new_status"],
                # ...in the apply's own transaction, which rolls back if the claims side fails.
                len(connection.savepoint_ids) > outside,
            )
        )

    monkeypatch.setattr(claims, "registration_status_changed", record)
    services.apply_register_import(
        register_import_id=second.pk, applied_by=officer, confirmed_withdrawals=2
    )
    assert sorted(seen) == [
        ("SW1002", "registered", "suspended", second.pk, True, True),
        ("SW1003", "registered", "absent", second.pk, True, True),
    ]


def test_a_suspension_in_an_import_reaches_the_verified_holder(
    applied_first_reading: RegisterImport, upload: Upload, officer: User, england: Regulator
) -> None:
    if importlib.util.find_spec("casework.registry.claims") is None:
        pytest.skip("casework/registry/claims.py is not written yet")
    from casework.testing.factories import PractitionerFactory
    from casework.testing.registry import verified_claim

    jonas = PractitionerFactory.create(legal_name="Jonas Berg")
    claim = verified_claim(practitioner=jonas, regulator=england, registration_number="SW1002")
    assert claim.state == RegistrationClaim.State.VERIFIED
    second = upload(SECOND_READING)
    services.apply_register_import(
        register_import_id=second.pk, applied_by=officer, confirmed_withdrawals=2
    )
    event = AuditEvent.objects.get(action="registry.status_changed")
    assert event.detail == {"from": "registered", "to": "suspended", "import": second.pk}


def test_a_first_reading_looks_up_no_entries_by_number(upload: Upload, officer: User) -> None:
    # The register holds none yet and the file gives no addresses: each lookup of a chunk's
    # numbers would only search the table this reading fills.
    first = upload(FIRST_READING)
    with CaptureQueriesContext(connection) as queries:
        services.apply_register_import(register_import_id=first.pk, applied_by=officer)
    by_number = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith("SELECT")
        and "registry_registerentry" in query["sql"]
        and "registration_number" in query["sql"].partition(" WHERE ")[2]
    ]
    # SQLite reads the ids of the entries it inserted back by number, once per batch.
    assert len(by_number) == (0 if connection.vendor == "postgresql" else 1), by_number
    assert RegisterEntry.objects.count() == 4


def test_the_claims_side_is_asked_once_per_batch_of_status_changes(
    upload: Upload, officer: User, england: Regulator
) -> None:
    from casework.testing.factories import PractitionerFactory
    from casework.testing.registry import verified_claim

    rows = [f"SW{n},Ann Okafor,,registered,,,\n" for n in range(2000, 2060)]
    first = upload(HEADER + "".join(rows))
    services.apply_register_import(register_import_id=first.pk, applied_by=officer)
    holder = PractitionerFactory.create(legal_name="Ann Okafor")
    claim = verified_claim(practitioner=holder, regulator=england, registration_number="SW2031")
    # Every entry suspended: 60 status changes, one of them held by a verified claim.
    second = upload(HEADER + "".join(row.replace("registered", "suspended") for row in rows))
    with CaptureQueriesContext(connection) as queries:
        services.apply_register_import(
            register_import_id=second.pk, applied_by=officer, confirmed_withdrawals=60
        )
    # Reads of claims by their entry (the holder's own claims are read once it is told).
    by_entry = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith("SELECT")
        and '"registry_registrationclaim"."entry_id"' in query["sql"].partition(" WHERE ")[2]
    ]
    assert len(by_entry) == 1, by_entry
    event = AuditEvent.objects.get(action="registry.status_changed")
    assert event.object_id == str(claim.pk)
    assert event.detail == {"from": "registered", "to": "suspended", "import": second.pk}


def test_a_queued_apply_runs_in_the_background(
    upload: Upload,
    officer: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    register_import = upload(FIRST_READING)
    with django_capture_on_commit_callbacks(execute=True):
        queued = services.queue_register_import_apply(
            register_import_id=register_import.pk, applied_by=officer
        )
        assert queued.state == State.APPLYING
    register_import.refresh_from_db()
    assert register_import.state == State.APPLIED
    assert RegisterEntry.objects.count() == 4
    assert AuditEvent.objects.get(action="registry.import_applied").actor_id == officer.pk


def test_an_applied_import_cannot_be_applied_again(
    applied_first_reading: RegisterImport, officer: User
) -> None:
    with pytest.raises(ValidationError, match="this one is applied"):
        services.apply_register_import(
            register_import_id=applied_first_reading.pk, applied_by=officer
        )


def test_a_preview_made_before_a_newer_import_was_applied_is_not_applied(
    upload: Upload, officer: User
) -> None:
    older = upload(FIRST_READING)
    newer = upload(SECOND_READING)
    services.apply_register_import(register_import_id=newer.pk, applied_by=officer)
    before = register_snapshot()
    older = services.apply_register_import(register_import_id=older.pk, applied_by=officer)
    assert older.state == State.FAILED
    assert "out of date" in older.failure
    assert register_snapshot() == before


def test_a_stored_file_changed_since_upload_is_not_applied(upload: Upload, officer: User) -> None:
    register_import = upload(FIRST_READING)
    Path(register_import.file.path).write_text(FIRST_READING.replace("Kim", "Kit"))
    register_import = services.apply_register_import(
        register_import_id=register_import.pk, applied_by=officer
    )
    assert register_import.state == State.FAILED
    assert "SHA-256 differs" in register_import.failure
    assert not RegisterEntry.objects.exists()


def test_a_regulators_own_format_is_imported(upload: Upload, officer: User) -> None:
    text = (
        "Registration number,Name,Registration status,Conditions,Registered until\n"
        "SW2001,Amara Okafor,Registered,,30/11/2026\n"
        "SW2002,Jonas Berg,Suspended,,\n"
    )
    register_import = upload(text, file_format="social-work-england")
    register_import = services.apply_register_import(
        register_import_id=register_import.pk, applied_by=officer
    )
    assert register_import.state == State.APPLIED
    assert RegisterEntry.objects.get(registration_number="SW2002").status == "suspended"


# --- Discarding -----------------------------------------------------------------------------


def test_a_previewed_import_can_be_discarded(upload: Upload, officer: User) -> None:
    register_import = upload(FIRST_READING)
    discarded = services.discard_register_import(
        register_import_id=register_import.pk, discarded_by=officer
    )
    assert discarded.state == State.DISCARDED
    assert AuditEvent.objects.get(action="registry.import_discarded").actor_id == officer.pk
    with pytest.raises(ValidationError, match="ready to apply"):
        services.apply_register_import(register_import_id=register_import.pk, applied_by=officer)
    assert not RegisterEntry.objects.exists()


def test_an_applied_import_cannot_be_discarded(
    applied_first_reading: RegisterImport, officer: User
) -> None:
    with pytest.raises(ValidationError, match="can no longer be discarded"):
        services.discard_register_import(
            register_import_id=applied_first_reading.pk, discarded_by=officer
        )


# --- The management command -----------------------------------------------------------------


def run_command(*args: str) -> tuple[str, str]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("import_register", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_previews_a_local_file(england: Regulator, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(FIRST_READING)
    out, _err = run_command("social-work-england", str(path), "--format", "generic-csv")
    assert "new: 4" in out
    assert "--apply applies it" in out
    assert RegisterImport.objects.get().state == State.PREVIEWED
    assert not RegisterEntry.objects.exists()


def test_the_command_applies_a_file_fetched_from_a_url(
    england: Regulator, served: tuple[str, Path]
) -> None:
    address, folder = served
    (folder / "register.csv").write_text(FIRST_READING)
    out, _err = run_command(
        "social-work-england", f"{address}/register.csv", "--format", "generic-csv", "--apply"
    )
    assert "Applied import" in out
    register_import = RegisterImport.objects.get()
    assert register_import.file_name == "register.csv"
    assert register_import.state == State.APPLIED
    assert RegisterEntry.objects.count() == 4


def test_the_command_prints_each_bad_row_and_fails(england: Regulator, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(FIRST_READING + "SW1009,Bo Li,,retired,,,\n")
    from io import StringIO

    err = StringIO()
    with pytest.raises(CommandError, match="has bad rows: nothing was applied"):
        call_command(
            "import_register",
            "social-work-england",
            str(path),
            "--format",
            "generic-csv",
            "--apply",
            stdout=StringIO(),
            stderr=err,
        )
    assert 'line 6: unknown status "retired"' in err.getvalue()
    assert not RegisterEntry.objects.exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["nobody", "x.csv", "--format", "generic-csv"], "No regulator 'nobody'"),
        (["social-work-england", "missing.csv", "--format", "generic-csv"], "No file at"),
        (["social-work-england", "x.csv", "--format", "sssc"], "does not serve"),
        (["social-work-england", "ftp://example.org/x.csv", "--format", "generic-csv"], "Only"),
    ],
)
def test_the_command_refuses_bad_input_plainly(
    england: Regulator, args: list[str], expected: str
) -> None:
    with pytest.raises(CommandError, match=expected):
        run_command(*args)


def test_the_command_reports_a_missing_address_and_an_oversized_download(
    england: Regulator, served: tuple[str, Path]
) -> None:
    address, folder = served
    with pytest.raises(CommandError, match="answered 404"):
        run_command("social-work-england", f"{address}/nothing.csv", "--format", "generic-csv")
    (folder / "big.csv").write_text(FIRST_READING)
    with (
        override_settings(REGISTER_IMPORT_MAX_BYTES=100),
        pytest.raises(
            CommandError, match=r"Do not split it.*Raise CASEWORK_REGISTER_IMPORT_MAX_MB"
        ),
    ):
        run_command("social-work-england", f"{address}/big.csv", "--format", "generic-csv")
    assert not RegisterImport.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statistics")
def test_a_reading_that_adds_many_entries_refreshes_the_registers_statistics(
    upload: Upload, officer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "ANALYZE_AFTER_NEW", 4)
    first = upload(FIRST_READING)
    with CaptureQueriesContext(connection) as queries:
        applied = services.apply_register_import(register_import_id=first.pk, applied_by=officer)
    assert applied.state == State.APPLIED
    assert "ANALYZE registry_registerentry" in [query["sql"] for query in queries]
