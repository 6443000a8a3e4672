"""Registers re-read on a schedule: the clock reads each due source through the import service
(the same diff, notices and audit as an upload), once across clocks, skips content it has
already judged, and keeps every failure for the officers without stopping."""

import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from casework.accounts.models import User
from casework.privacy.models import AuditEvent
from casework.registry import register_sources
from casework.registry.models import (
    RegisterEntry,
    RegisterImport,
    RegisterSource,
    Regulator,
    RegulatorOfficer,
)
from casework.shell.models import JobLease
from casework.shell.schedule import SCHEDULE, run_due
from casework.testing.directory import registered_practitioner

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
Outcome = RegisterSource.Outcome
State = RegisterImport.State
HEADER = "registration_number,name,status\n"
# 59 colleagues: with one more, a register where one absence is under 2 %.
COLLEAGUES = "".join(f"SW{2000 + n},Colleague {n},registered\n" for n in range(59))
REREAD = tuple(job for job in SCHEDULE if job.command == "reread_registers")


@pytest.fixture
def england_officer(england: Regulator, officer: User) -> User:
    RegulatorOfficer.objects.create(officer=officer, regulator=england)
    return officer


@pytest.fixture
def loopback(settings: Settings) -> None:
    """The test's register server is on this machine, which production refuses."""
    settings.REGISTER_SOURCES_PRIVATE_HOSTS = True


@pytest.fixture
def publish(served: tuple[str, Path], loopback: None) -> Any:
    """Publish ``text`` as the regulator's export; its address."""
    address, folder = served

    def run(text: str, name: str = "register.csv") -> str:
        (folder / name).write_text(text, encoding="utf-8")
        return f"{address}/{name}"

    return run


def set_source(england: Regulator, location: str, officer: User | None = None) -> RegisterSource:
    return register_sources.set_register_source(
        regulator=england,
        location=location,
        file_format="generic-csv",
        every_hours=24,
        set_by=officer,
    )


def clock_round(capture: DjangoCaptureOnCommitCallbacks, holder: str = "clock-a") -> list[str]:
    """One round of the clock's re-read job, with what it queues run as the worker would."""
    with capture(execute=True):
        reports = run_due(holder=holder, schedule=REREAD)
    return [report for _job, report in reports]


def test_a_due_source_is_read_as_an_upload_is_and_applied_once_across_two_clocks(
    england: Regulator,
    officer: User,
    publish: Any,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    source = set_source(england, publish(HEADER + "SW1001,Amara Okafor,registered\n" + COLLEAGUES))
    assert clock_round(django_capture_on_commit_callbacks, "clock-a") == [
        "Queued 1 register re-reads."
    ]
    assert clock_round(django_capture_on_commit_callbacks, "clock-b") == []
    (reading,) = RegisterImport.objects.all()
    assert (reading.state, reading.origin) == (State.APPLIED, RegisterImport.Origin.SCHEDULED)
    assert reading.uploaded_by is None
    assert reading.summary["new"] == 60
    assert RegisterEntry.objects.filter(regulator=england).count() == 60
    actions = set(
        AuditEvent.objects.filter(object_id=str(reading.pk)).values_list("action", flat=True)
    )
    assert {"registry.import_received", "registry.import_checked", "registry.import_applied"} <= (
        actions
    )
    source.refresh_from_db()
    assert (source.last_outcome, source.last_import, source.last_failure) == (
        Outcome.APPLIED,
        reading,
        "",
    )
    assert source.last_sha256 == reading.file_sha256
    assert JobLease.objects.get(job="reread_registers").last_succeeded


def test_the_same_content_is_not_imported_again_and_new_content_is(
    england: Regulator,
    publish: Any,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    text = HEADER + "SW1001,Amara Okafor,registered\n" + COLLEAGUES
    source = set_source(england, publish(text))
    with time_machine.travel(timezone.now(), tick=False) as clock:
        clock_round(django_capture_on_commit_callbacks)
        clock.shift(timedelta(hours=24))
        clock_round(django_capture_on_commit_callbacks)
        assert RegisterImport.objects.count() == 1
        source.refresh_from_db()
        assert source.last_outcome == Outcome.UNCHANGED
        # Not due yet: the interval runs from the last reading.
        publish(text + "SW9999,Ola Smith,registered\n")
        clock.shift(timedelta(hours=23))
        clock_round(django_capture_on_commit_callbacks)
        assert RegisterImport.objects.count() == 1
        clock.shift(timedelta(hours=1))
        clock_round(django_capture_on_commit_callbacks)
    latest = RegisterImport.objects.latest("created_at", "pk")
    assert (latest.state, latest.summary["new"], latest.summary["unchanged"]) == (
        State.APPLIED,
        1,
        60,
    )


def test_a_registrant_is_told_of_a_change_a_scheduled_reading_brings(
    england: Regulator,
    publish: Any,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    person = registered_practitioner(legal_name="Amara Okafor")
    entry = RegisterEntry.objects.get(claims__practitioner=person)
    address = publish(f"{HEADER}{entry.registration_number},Amara Okafor,registered\n{COLLEAGUES}")
    set_source(england, address)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        clock_round(django_capture_on_commit_callbacks)
        publish(HEADER + COLLEAGUES)  # the next export is without her
        mail.outbox.clear()
        clock.shift(timedelta(hours=24))
        clock_round(django_capture_on_commit_callbacks)
    entry.refresh_from_db()
    assert entry.status == "absent"
    (told,) = [message for message in mail.outbox if person.email in message.to]
    assert "Not in the latest reading of the register" in str(told.body)
    event = AuditEvent.objects.get(action="registry.status_changed")
    assert event.detail["import"] == RegisterImport.objects.latest("created_at", "pk").pk


def test_a_reading_that_withdraws_many_waits_for_an_officer(
    england: Regulator,
    england_officer: User,
    client: Client,
    publish: Any,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    source = set_source(england, publish(HEADER + COLLEAGUES))
    with time_machine.travel(timezone.now(), tick=False) as clock:
        clock_round(django_capture_on_commit_callbacks)
        publish(HEADER + COLLEAGUES[: COLLEAGUES.index("SW2030")])  # half of it, cut short
        clock.shift(timedelta(hours=24))
        clock_round(django_capture_on_commit_callbacks)
    waiting = RegisterImport.objects.latest("created_at", "pk")
    assert waiting.state == State.PREVIEWED  # nothing applied
    assert RegisterEntry.objects.filter(status="absent").count() == 0
    source.refresh_from_db()
    assert source.last_outcome == Outcome.AWAITING
    assert "must confirm that number" in source.last_failure
    client.force_login(england_officer)
    page = client.get(reverse("registry:register_imports")).content.decode()
    assert "Scheduled readings that need you" in page
    assert "would suspend or remove 29 entries" in page
    assert "Scheduled" in page  # the history says which imports the clock made


def test_failures_are_kept_for_officers_and_never_stop_the_clock(
    england: Regulator,
    england_officer: User,
    client: Client,
    served: tuple[str, Path],
    loopback: None,
    settings: Settings,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    address, folder = served
    source = set_source(england, f"{address}/register.csv")
    # Nothing published there yet.
    with time_machine.travel(timezone.now(), tick=False) as clock:
        clock_round(django_capture_on_commit_callbacks)
        source.refresh_from_db()
        assert source.last_outcome == Outcome.FAILED
        assert "answered 404" in source.last_failure
        assert JobLease.objects.get(job="reread_registers").last_succeeded
        event = AuditEvent.objects.get(action="registry.source_read_failed")
        assert "answered 404" in event.detail["reason"]

        # Bad rows: imported as invalid, never applied, and not read again while unchanged.
        (folder / "register.csv").write_text(HEADER + "SW1,Amara Okafor,registered,extra\n")
        clock.shift(timedelta(hours=24))
        clock_round(django_capture_on_commit_callbacks)
        source.refresh_from_db()
        (invalid,) = RegisterImport.objects.all()
        assert (invalid.state, invalid.origin) == (State.INVALID, RegisterImport.Origin.SCHEDULED)
        assert (source.last_outcome, source.last_import) == (Outcome.FAILED, invalid)
        assert "1 bad rows" in source.last_failure
        clock.shift(timedelta(hours=24))
        clock_round(django_capture_on_commit_callbacks)
        assert RegisterImport.objects.count() == 1

        # Larger than an import may be.
        settings.REGISTER_IMPORT_MAX_BYTES = 100
        (folder / "register.csv").write_text(HEADER + COLLEAGUES)
        clock.shift(timedelta(hours=24))
        clock_round(django_capture_on_commit_callbacks)
        source.refresh_from_db()
        assert "larger than" in source.last_failure
    client.force_login(england_officer)
    page = client.get(reverse("registry:register_sources")).content.decode()
    assert "Could not be read or applied" in page
    assert "larger than" in page


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server on loopback that accepts a connection and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/register.csv"
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()


def test_a_server_that_never_answers_is_given_up_on_after_the_timeout(
    england: Regulator,
    silent_server: str,
    loopback: None,
    settings: Settings,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    settings.REGISTER_SOURCE_TIMEOUT_SECONDS = 1
    source = set_source(england, silent_server)
    clock_round(django_capture_on_commit_callbacks)
    source.refresh_from_db()
    assert source.last_outcome == Outcome.FAILED
    assert "timed out" in source.last_failure


def test_a_file_inside_the_sources_folder_is_read(
    england: Regulator,
    settings: Settings,
    tmp_path: Path,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    settings.REGISTER_SOURCES_DIR = str(tmp_path / "exports")
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "england.csv").write_text(HEADER + COLLEAGUES)
    source = set_source(england, "england.csv")
    assert source.location == str((tmp_path / "exports" / "england.csv").resolve())
    clock_round(django_capture_on_commit_callbacks)
    assert RegisterImport.objects.get().state == State.APPLIED


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("ftp://example.org/register.csv", "Only http:// and https://"),
        ("http://127.0.0.1:9/register.csv", "on this machine or a private network"),
        ("http://10.1.2.3/register.csv", "on this machine or a private network"),
        ("https://user:secret@example.org/register.csv", "user name or password"),
        ("../../etc/passwd", "inside"),
        ("/etc/passwd", "inside"),
        ("", "Give an address"),
    ],
)
def test_a_source_that_must_not_be_read_is_refused(
    england: Regulator, settings: Settings, tmp_path: Path, location: str, message: str
) -> None:
    settings.REGISTER_SOURCES_DIR = str(tmp_path)
    with pytest.raises(ValidationError, match=message):
        set_source(england, location)
    assert not RegisterSource.objects.exists()


def test_without_a_sources_folder_no_path_is_accepted(england: Regulator, tmp_path: Path) -> None:
    (tmp_path / "england.csv").write_text(HEADER)
    with pytest.raises(ValidationError, match="CASEWORK_REGISTER_SOURCES_DIR"):
        set_source(england, str(tmp_path / "england.csv"))


def test_an_officer_sets_and_removes_her_regulators_source_on_the_page(
    england: Regulator,
    england_officer: User,
    client: Client,
    publish: Any,
) -> None:
    client.force_login(england_officer)
    url = reverse("registry:register_sources")
    address = publish(HEADER + COLLEAGUES)
    refused = client.post(
        url,
        {
            "regulator": england.slug,
            "location": "ftp://example.org/x.csv",
            "file_format": "generic-csv",
            "every_hours": "24",
        },
    )
    assert refused.status_code == 200
    assert "Only http:// and https:// addresses can be read." in refused.content.decode()
    wrong_format = client.post(
        url,
        {
            "regulator": england.slug,
            "location": address,
            "file_format": "sssc",
            "every_hours": "24",
        },
    )
    assert "is not one for" in wrong_format.content.decode()
    saved = client.post(
        url,
        {
            "regulator": england.slug,
            "location": address,
            "file_format": "generic-csv",
            "every_hours": "12",
        },
    )
    assert saved.status_code == 302
    source = RegisterSource.objects.get(regulator=england)
    assert (source.location, source.every_hours, source.set_by) == (address, 12, england_officer)
    assert AuditEvent.objects.filter(
        action="registry.source_set", actor_id=england_officer.pk
    ).exists()
    assert address in client.get(url).content.decode()
    removed = client.post(reverse("registry:remove_register_source", args=[england.slug]))
    assert removed.status_code == 302
    assert not RegisterSource.objects.exists()
    assert AuditEvent.objects.filter(action="registry.source_removed").exists()


def test_an_officer_cannot_set_another_regulators_source(
    england: Regulator, england_officer: User, client: Client, publish: Any
) -> None:
    client.force_login(england_officer)
    answer = client.post(
        reverse("registry:register_sources"),
        {
            "regulator": "sssc",
            "location": publish(HEADER),
            "file_format": "generic-csv",
            "every_hours": "24",
        },
    )
    assert answer.status_code == 200
    assert not RegisterSource.objects.exists()
