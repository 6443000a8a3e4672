"""Readings that cannot hurt the innocent: a malformed row, an unexpected encoding, an invisible
character or a file cut short never suspends, removes or revokes a real registrant by mistake.

Absence is not removal: missing once, an entry is marked not in the latest reading and its
credential suspended; missing twice in a row, or removed by the register itself, it is removed
and its credential revoked; back in a reading, it is restored. A reading that would suspend or
remove many entries needs a second confirmation naming the count."""

import importlib
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from pytest_django import DjangoCaptureOnCommitCallbacks

from casework.accounts.models import User
from casework.privacy.models import AuditEvent
from casework.registry import register_import as services
from casework.registry.claims import claim_registration
from casework.registry.credentials.models import IssuedCredential
from casework.registry.importers.decoding import CHUNK_BYTES
from casework.registry.models import (
    RegisterEntry,
    RegisterEntryChange,
    RegisterImport,
    RegistrationClaim,
    Regulator,
    RegulatorOfficer,
)
from casework.registry.names import (
    clean_register_name,
    names_match,
    normalise_registration_number,
)
from casework.registry.register_diff import needs_confirmation
from casework.registry.standing import in_good_standing
from casework.registry.verification import entry_by_number
from casework.testing.directory import registered_practitioner
from casework.testing.factories import PractitionerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
State = RegisterImport.State
Upload = Callable[..., RegisterImport]
HEADER = "registration_number,name,status\n"
# 59 colleagues: with the holder, a register where one absence is under 2 %.
COLLEAGUES = "".join(f"SW{2000 + n},Colleague {n},registered\n" for n in range(59))


def applied(upload: Upload, text: str, **kwargs: Any) -> RegisterImport:
    register_import = upload(text)
    assert register_import.state == State.PREVIEWED, (register_import.failure, text[:200])
    return services.apply_register_import(
        register_import_id=register_import.pk, applied_by=None, **kwargs
    )


def snapshot() -> list[tuple[Any, ...]]:
    return list(
        RegisterEntry.objects.order_by("registration_number").values_list(
            "registration_number", "name", "status", "updated_at"
        )
    )


# --- A registrant and her credential through absent readings --------------------------------


@pytest.fixture
def holder(england: Regulator, upload: Upload) -> tuple[User, RegisterEntry]:
    """A practitioner whose verified claim holds an entry, on a register of 60 entries."""
    person = registered_practitioner(legal_name="Amara Okafor")
    entry = RegisterEntry.objects.get(claims__practitioner=person)
    applied(upload, f"{HEADER}{entry.registration_number},Amara Okafor,registered\n{COLLEAGUES}")
    assert IssuedCredential.objects.get(claim__practitioner=person, revoked=False)
    return person, entry


def credential_of(person: User) -> IssuedCredential:
    return IssuedCredential.objects.filter(claim__practitioner=person).latest("issued_at", "pk")


def test_an_entry_missing_from_a_reading_is_not_in_the_latest_reading_and_only_suspended(
    holder: tuple[User, RegisterEntry],
    upload: Upload,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    person, entry = holder
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reading = applied(upload, HEADER + COLLEAGUES)
    assert reading.state == State.APPLIED
    assert reading.summary["absent"] == 1
    assert reading.summary["gone"] == 0
    assert reading.summary["confirm_withdrawals"] == 0  # 1 of 60: under 2 %
    entry.refresh_from_db()
    assert entry.status == "absent"
    assert entry.get_status_display() == "Not in the latest reading"
    change = RegisterEntryChange.objects.get(entry=entry, register_import=reading)
    assert (change.kind, change.old_status, change.new_status) == ("absent", "registered", "absent")
    credential = credential_of(person)
    assert credential.suspended
    assert not credential.revoked
    assert not in_good_standing(person)  # no listing, no bookings while absent
    event = AuditEvent.objects.get(action="registry.status_changed")
    assert event.detail == {"from": "registered", "to": "absent", "import": reading.pk}
    (told,) = [message for message in mail.outbox if person.email in message.to]
    assert "Not in the latest reading of the register" in str(told.body)
    assert "your credential is suspended, not revoked" in str(told.body)


def test_an_entry_missing_from_two_readings_in_a_row_is_removed_and_its_credential_revoked(
    holder: tuple[User, RegisterEntry], upload: Upload
) -> None:
    person, entry = holder
    applied(upload, HEADER + COLLEAGUES)
    second = applied(upload, HEADER + COLLEAGUES + "SW9999,Ola Smith,registered\n")
    assert second.state == State.APPLIED
    assert (second.summary["absent"], second.summary["gone"]) == (0, 1)
    assert second.diff_sample["gone"] == [
        {
            "registration_number": entry.registration_number,
            "name": "Amara Okafor",
            "status": "absent",
        }
    ]
    entry.refresh_from_db()
    assert entry.status == "removed"
    assert RegisterEntryChange.objects.get(entry=entry, register_import=second).kind == "gone"
    assert credential_of(person).revoked
    # Removed entries stay removed: a third reading without it changes nothing.
    third = applied(upload, HEADER + COLLEAGUES + "SW9999,Ola Smith,registered\n")
    assert third.summary["gone"] == third.summary["absent"] == 0


def test_an_entry_back_in_a_reading_is_restored_and_its_suspension_lifted(
    holder: tuple[User, RegisterEntry], upload: Upload
) -> None:
    person, entry = holder
    applied(upload, HEADER + COLLEAGUES)
    suspended = credential_of(person)
    assert suspended.suspended
    back = applied(
        upload, f"{HEADER}{entry.registration_number},Amara Okafor,registered\n{COLLEAGUES}"
    )
    assert back.summary["restored"] == 1
    assert back.diff_sample["restored"] == [
        {
            "registration_number": entry.registration_number,
            "name": "Amara Okafor",
            "old_status": "absent",
            "new_status": "registered",
        }
    ]
    entry.refresh_from_db()
    assert entry.status == "registered"
    credential = credential_of(person)
    assert credential.pk == suspended.pk  # the same credential, reinstated
    assert not credential.suspended
    assert not credential.revoked
    assert in_good_standing(person)
    # The absence counter starts again: missing once more is a suspension, not a removal.
    again = applied(upload, HEADER + COLLEAGUES)
    assert (again.summary["absent"], again.summary["gone"]) == (1, 0)


def test_an_entry_back_in_a_reading_as_suspended_stays_suspended(
    holder: tuple[User, RegisterEntry], upload: Upload
) -> None:
    person, entry = holder
    applied(upload, HEADER + COLLEAGUES)
    back = applied(
        upload, f"{HEADER}{entry.registration_number},Amara Okafor,suspended\n{COLLEAGUES}"
    )
    assert back.summary["restored"] == 1
    entry.refresh_from_db()
    assert entry.status == "suspended"
    credential = credential_of(person)
    assert credential.suspended
    assert not credential.revoked
    assert not in_good_standing(person)


def test_an_entry_the_register_says_is_removed_is_revoked_at_once(
    holder: tuple[User, RegisterEntry], upload: Upload
) -> None:
    person, entry = holder
    reading = applied(
        upload, f"{HEADER}{entry.registration_number},Amara Okafor,removed\n{COLLEAGUES}"
    )
    assert reading.summary["removed_by_register"] == 1
    assert reading.summary["status_changes"] == reading.summary["absent"] == 0
    assert reading.diff_sample["removed_by_register"][0]["new_status"] == "removed"
    entry.refresh_from_db()
    assert entry.status == "removed"
    assert credential_of(person).revoked


def test_the_register_cannot_state_not_in_the_reading_itself(upload: Upload) -> None:
    register_import = upload(HEADER + "SW1,Ann Lee,absent\n")
    assert register_import.state == State.INVALID
    assert 'unknown status "absent"' in register_import.bad_rows[0]["reason"]


# --- A reading that would suspend or remove many entries ------------------------------------

FOUR = HEADER + (
    "SW1001,Amara Okafor,registered\n"
    "SW1002,Jonas Berg,registered\n"
    "SW1003,Dana Ruiz,registered\n"
    "SW1004,Kim Tran,registered\n"
)
HALF = HEADER + "SW1001,Amara Okafor,registered\nSW1002,Jonas Berg,suspended\n"


@pytest.fixture
def half_the_register(upload: Upload) -> RegisterImport:
    """A register of four, then a reading that suspends one and lacks two: 3 of 4."""
    applied(upload, FOUR)
    reading = upload(HALF)
    assert reading.state == State.PREVIEWED
    assert reading.summary["withdrawals"] == 3
    assert reading.summary["register_size"] == 4
    assert reading.summary["confirm_withdrawals"] == 3
    return reading


def test_an_import_that_would_remove_half_the_register_is_refused_without_a_confirmation(
    half_the_register: RegisterImport, officer: User
) -> None:
    before = snapshot()
    with pytest.raises(services.ConfirmationNeeded) as refusal:
        services.apply_register_import(register_import_id=half_the_register.pk, applied_by=officer)
    message = " ".join(refusal.value.messages)
    assert "would suspend or remove 3 of the 4 entries" in message
    assert "confirm the number 3" in message
    assert "Nothing was applied" in message
    with pytest.raises(ValidationError, match="The number given, 2, is not 3"):
        services.apply_register_import(
            register_import_id=half_the_register.pk, applied_by=officer, confirmed_withdrawals=2
        )
    half_the_register.refresh_from_db()
    assert half_the_register.state == State.PREVIEWED  # still ready, for a confirmation
    assert snapshot() == before


def test_an_import_that_would_remove_half_the_register_is_applied_with_the_confirmation(
    half_the_register: RegisterImport, officer: User
) -> None:
    done = services.apply_register_import(
        register_import_id=half_the_register.pk, applied_by=officer, confirmed_withdrawals=3
    )
    assert done.state == State.APPLIED
    assert done.withdrawals_confirmed == 3
    statuses = dict(RegisterEntry.objects.values_list("registration_number", "status"))
    assert statuses == {
        "SW1001": "registered",
        "SW1002": "suspended",
        "SW1003": "absent",
        "SW1004": "absent",
    }
    event = AuditEvent.objects.get(action="registry.import_applied", object_id=str(done.pk))
    assert event.detail["withdrawals_confirmed"] == 3


def test_a_queued_apply_needs_the_confirmation_before_it_is_queued(
    half_the_register: RegisterImport,
    officer: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with pytest.raises(services.ConfirmationNeeded):
        services.queue_register_import_apply(
            register_import_id=half_the_register.pk, applied_by=officer
        )
    half_the_register.refresh_from_db()
    assert half_the_register.state == State.PREVIEWED
    with django_capture_on_commit_callbacks(execute=True):
        services.queue_register_import_apply(
            register_import_id=half_the_register.pk, applied_by=officer, confirmed_withdrawals=3
        )
    half_the_register.refresh_from_db()
    assert half_the_register.state == State.APPLIED
    assert RegisterEntry.objects.get(registration_number="SW1003").status == "absent"


def test_the_officer_confirms_the_count_on_the_preview_page(
    half_the_register: RegisterImport,
    officer: User,
    england: Regulator,
    client: Client,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    RegulatorOfficer.objects.create(officer=officer, regulator=england)
    client.force_login(officer)
    address = f"/oversight/imports/{half_the_register.pk}/"
    page = client.get(address).content.decode()
    assert "This reading suspends or removes 3 entries" in page
    assert "type the number of entries it suspends or removes (3)" in page
    assert "Not in this reading: marked not in the latest reading" in page

    decide = f"{address}decide/"
    answer = client.post(decide, {"decision": "apply"}, follow=True)
    assert "would suspend or remove 3 of the 4 entries" in answer.content.decode()
    answer = client.post(decide, {"decision": "apply", "confirm_withdrawals": "three"}, follow=True)
    assert "would suspend or remove 3 of the 4 entries" in answer.content.decode()
    half_the_register.refresh_from_db()
    assert half_the_register.state == State.PREVIEWED

    with django_capture_on_commit_callbacks(execute=True):
        client.post(decide, {"decision": "apply", "confirm_withdrawals": " 3 "})
    half_the_register.refresh_from_db()
    assert half_the_register.state == State.APPLIED


def test_the_command_applies_a_reading_that_removes_many_only_with_confirm_removals(
    england: Regulator, upload: Upload, tmp_path: Path
) -> None:
    applied(upload, FOUR)
    path = tmp_path / "half.csv"
    path.write_text(HALF)
    out = StringIO()
    call_command(
        "import_register", "social-work-england", str(path), "--format", "generic-csv", stdout=out
    )
    assert "applying it needs --confirm-removals 3" in out.getvalue()
    assert "--apply --confirm-removals 3 applies it" in out.getvalue()
    with pytest.raises(CommandError, match="again with --apply --confirm-removals 3"):
        call_command(
            "import_register",
            "social-work-england",
            str(path),
            "--format",
            "generic-csv",
            "--apply",
            stdout=StringIO(),
        )
    assert RegisterEntry.objects.get(registration_number="SW1003").status == "registered"
    call_command(
        "import_register",
        "social-work-england",
        str(path),
        "--format",
        "generic-csv",
        "--apply",
        "--confirm-removals",
        "3",
        stdout=StringIO(),
    )
    assert RegisterEntry.objects.get(registration_number="SW1003").status == "absent"


@pytest.mark.parametrize(
    ("withdrawals", "held", "needed"),
    [
        (0, 0, False),
        (1, 50, False),  # 2 %: not more than 2 %
        (2, 50, True),
        (1, 4, True),
        (50, 100_000, False),  # 50 entries: not more than 50
        (51, 100_000, True),  # 0.05 %, but more than 50 entries
    ],
)
def test_a_confirmation_is_needed_above_2_per_cent_or_50_entries(
    withdrawals: int, held: int, needed: bool
) -> None:
    assert needs_confirmation(withdrawals=withdrawals, register_size=held) is needed


# --- Rows that must never reach the register -------------------------------------------------

SHIFTED = (
    "status,name,registration_number,conditions,valid_from,valid_until\n"
    "registered,Siobhán Keane,IESW200001,,2020-01-01,2027-01-01\n"
    "registered,Berg, Jonas,IESW200010,,2027-01-01,\n"
)


def test_a_shifted_column_row_is_a_bad_row_and_nothing_in_the_file_is_applied(
    upload: Upload, officer: User
) -> None:
    applied(
        upload,
        "status,name,registration_number,conditions,valid_from,valid_until\n"
        "registered,Siobhán Keane,IESW200001,,2020-01-01,2027-01-01\n"
        "registered,Maeve Berg,IESW200010,,2019-01-01,2027-01-01\n",
    )
    before = snapshot()
    reading = upload(SHIFTED)
    assert reading.state == State.INVALID
    assert reading.summary["bad_rows"] == 1
    (bad,) = reading.bad_rows
    assert bad["line"] == 3
    assert "7 values but the header has 6 columns" in str(bad["reason"])
    with pytest.raises(ValidationError, match="ready to apply"):
        services.apply_register_import(register_import_id=reading.pk, applied_by=officer)
    assert snapshot() == before
    maeve = RegisterEntry.objects.get(registration_number="IESW200010")
    assert (maeve.name, maeve.status) == ("Maeve Berg", "registered")
    assert not RegisterEntry.objects.filter(registration_number="JONAS").exists()


def test_quoted_commas_and_line_breaks_are_still_imported(upload: Upload) -> None:
    reading = applied(
        upload,
        "registration_number,name,status,conditions\n"
        'IESW200010,"Berg, Jonas",conditions,"Supervised practice,\nweekly"\n',
    )
    assert reading.state == State.APPLIED
    jonas = RegisterEntry.objects.get(registration_number="IESW200010")
    assert (jonas.name, jonas.conditions) == ("Berg, Jonas", "Supervised practice,\nweekly")


def test_a_zero_width_space_in_a_number_is_dropped_so_the_entry_is_found_and_claimed(
    upload: Upload, england: Regulator
) -> None:
    reading = applied(upload, HEADER + "SW\u200b1001,\u200bAmara Okafor\ufeff,registered\n")
    assert reading.state == State.APPLIED
    entry = RegisterEntry.objects.get()
    assert (entry.registration_number, entry.name) == ("SW1001", "Amara Okafor")
    assert entry_by_number("social-work-england", "sw 1001") == entry
    # The same number with or without the invisible character is the same entry.
    again = upload(HEADER + "SW1001\u200b,Amara Okafor,registered\n")
    assert again.summary["unchanged"] == 1
    assert again.summary["new"] == again.summary["absent"] == 0
    person = PractitionerFactory.create(legal_name="Amara Okafor")
    claim = claim_registration(
        practitioner=person, regulator=england, registration_number="SW\u200b1001"
    )
    assert claim.registration_number == "SW1001"
    assert RegistrationClaim.objects.filter(registration_number="SW1001").exists()


def test_a_windows_1252_register_with_a_late_accent_is_imported(upload: Upload) -> None:
    rows = "".join(f"SW{n},Person {n},registered\n" for n in range(1, 4000))
    assert len(HEADER + rows) > CHUNK_BYTES
    data = (HEADER + rows).encode() + "SW4000,José Muñoz,registered\n".encode("cp1252")
    reading = upload(data)
    assert reading.state == State.PREVIEWED, reading.failure
    assert reading.summary["new"] == 4000
    services.apply_register_import(register_import_id=reading.pk, applied_by=None)
    assert RegisterEntry.objects.get(registration_number="SW4000").name == "José Muñoz"


def test_the_size_refusal_says_how_to_raise_the_limit_and_never_to_split(
    england: Regulator, officer: User
) -> None:
    with (
        override_settings(REGISTER_IMPORT_MAX_BYTES=100),
        pytest.raises(ValidationError) as refusal,
    ):
        services.receive_register_file(
            regulator=england,
            uploaded_file=SimpleUploadedFile("big.csv", FOUR.encode()),
            file_format="generic-csv",
            uploaded_by=officer,
        )
    message = " ".join(refusal.value.messages)
    assert "CASEWORK_REGISTER_IMPORT_MAX_MB" in message
    assert "Do not split it" in message
    assert "Split it" not in message


# --- One home for cleaning numbers and names ---------------------------------------------------


def test_numbers_and_names_lose_format_characters_wherever_they_are_compared() -> None:
    assert normalise_registration_number("\ufeff sw\u200b 1001\u200e ") == "SW1001"
    assert normalise_registration_number("\u2060\u00ad") == ""
    assert clean_register_name(" \u200bAmara\u00a0 Okafor\u200d ") == "Amara Okafor"
    assert names_match("Amara Okafor", "Ama\u200bra Oka\ufefffor")


def test_the_migration_cleans_numbers_and_names_read_before_unless_the_clean_number_is_taken(
    england: Regulator,
) -> None:
    migration = importlib.import_module("casework.registry.migrations.0004_register_readings")
    dirty = RegisterEntry.objects.create(
        regulator=england,
        registration_number="SW\u200b1001",
        name="Amara\u200b Okafor",
        previous_names=["Amara\u00ad Eze"],
        status="registered",
    )
    taken = RegisterEntry.objects.create(
        regulator=england, registration_number="SW\u200b1002", name="Jonas Berg", status="lapsed"
    )
    RegisterEntry.objects.create(
        regulator=england, registration_number="SW1002", name="Jonas Berg", status="registered"
    )
    person = PractitionerFactory.create(legal_name="Amara Okafor")
    claim = RegistrationClaim.objects.create(
        practitioner=person,
        regulator=england,
        registration_number="SW\u200b1001",
        state=RegistrationClaim.State.PENDING,
    )
    migration.clean_numbers_and_names(django_apps, None)
    dirty.refresh_from_db()
    assert (dirty.registration_number, dirty.name, dirty.previous_names) == (
        "SW1001",
        "Amara Okafor",
        ["Amara Eze"],
    )
    taken.refresh_from_db()
    assert taken.registration_number == "SW\u200b1002"  # left for an officer to see
    claim.refresh_from_db()
    assert claim.registration_number == "SW1001"


def test_a_confirmation_given_when_none_is_needed_is_not_kept(upload: Upload) -> None:
    reading = applied(upload, FOUR, confirmed_withdrawals=-7)
    assert reading.state == State.APPLIED
    assert reading.withdrawals_confirmed is None
