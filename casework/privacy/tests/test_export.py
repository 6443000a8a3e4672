import io
import json
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from casework.accounts.models import User
from casework.events.models import EmailDelivery
from casework.events.relay import relay_pending
from casework.privacy import export
from casework.privacy.export_archive import build_export
from casework.privacy.models import AuditEvent
from casework.privacy.rights_models import DataExport, ExportStatus
from casework.privacy.tests.conftest import Practice
from casework.vault.models import DataKey


def _ready_export(person: User) -> DataExport:
    requested = export.request_export(person=person)
    built = build_export(export_id=str(requested.pk))
    assert built is not None
    return built


def _download(client: Client, found: DataExport) -> zipfile.ZipFile:
    response = client.get(reverse("rights:export_download", args=[found.pk]))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_a_clients_export_holds_her_messages_check_ins_and_appointments_and_nothing_else(
    practice: Practice, signed_in: Any
) -> None:
    found = _ready_export(practice.client)
    archive = _download(signed_in(practice.client), found)
    names = set(archive.namelist())
    assert {"data.json", "index.html", "schema.json"} <= names
    raw = b"".join(archive.read(name) for name in names).decode("utf-8", "replace")
    document = json.loads(archive.read("data.json"))

    assert document["schema_version"] == "1.1"
    assert document["account"]["email"] == "robin@example.org"
    bodies = [m["body"] for c in document["conversations"] for m in c["messages"]]
    assert "ROBIN-SAYS I slept badly" in bodies
    assert "AMARA-TO-ROBIN Let us talk on Thursday" in bodies
    (case,) = document["cases"]
    assert case["emergency_contact"].startswith("ROBIN-CONTACT")
    (check_in,) = case["check_ins"]
    assert check_in["score"] == 6
    assert check_in["urgent"] is True
    assert check_in["answers"]
    (appointment,) = document["appointments"]
    assert appointment["id"] == practice.appointment.pk
    assert appointment["with"] == practice.practitioner.display_name
    assert any(name.startswith("attachments/") for name in names)

    # Nothing of anyone else: Kit's case and messages, Amara's notes and her address.
    for absent in ("KIT-SAYS", "KIT-CONTACT", "kit@example.org", "AMARA-NOTE"):
        assert absent not in raw
    assert practice.practitioner.email not in raw


def test_the_export_lists_who_accessed_the_record(practice: Practice, signed_in: Any) -> None:
    found = _ready_export(practice.client)
    document = json.loads(_download(signed_in(practice.client), found).read("data.json"))
    assert document["who_accessed"], "opening the case and writing notes are accesses"
    assert all(entry["who"] != practice.client.display_name for entry in document["who_accessed"])


def test_a_second_request_while_one_runs_is_refused(practice: Practice, signed_in: Any) -> None:
    export.request_export(person=practice.client)
    with pytest.raises(export.ExportAlreadyRunning):
        export.request_export(person=practice.client)
    response = signed_in(practice.client).post(reverse("rights:export"))
    assert response.status_code == 409
    assert DataExport.objects.filter(person=practice.client).count() == 1


def test_the_database_allows_one_running_export_per_person(practice: Practice) -> None:
    DataExport.objects.create(person=practice.client, requested_at=practice.case.opened_at)
    with pytest.raises(IntegrityError), transaction.atomic():
        DataExport.objects.create(person=practice.client, requested_at=practice.case.opened_at)


def test_the_page_shows_progress_and_refreshes_itself_while_it_runs(
    practice: Practice, signed_in: Any
) -> None:
    export.request_export(person=practice.client)
    page = signed_in(practice.client).get(reverse("rights:export"))
    assert page.status_code == 200
    assert b'http-equiv="refresh"' in page.content
    assert b"<progress" in page.content


def test_someone_elses_export_is_not_found(practice: Practice, signed_in: Any) -> None:
    found = _ready_export(practice.client)
    response = signed_in(practice.other_client).get(
        reverse("rights:export_download", args=[found.pk])
    )
    assert response.status_code == 404


def test_a_download_is_audited(practice: Practice, signed_in: Any) -> None:
    found = _ready_export(practice.client)
    _download(signed_in(practice.client), found)
    assert AuditEvent.objects.filter(
        action="privacy.export_downloaded", object_id=str(found.pk), actor_id=practice.client.pk
    ).exists()


def test_an_expired_link_answers_gone_and_the_clock_destroys_the_archive(
    practice: Practice, signed_in: Any, frozen: Any
) -> None:
    found = _ready_export(practice.client)
    assert found.expires_at is not None
    frozen.move_to(found.expires_at + timedelta(seconds=1))
    response = signed_in(practice.client).get(reverse("rights:export_download", args=[found.pk]))
    assert response.status_code == 410

    assert export.expire_exports() == 1
    found.refresh_from_db()
    assert found.status == ExportStatus.EXPIRED
    assert bytes(found.archive) == b""
    assert DataKey.objects.get(owner=f"export:{found.pk}").is_destroyed


def test_the_person_is_emailed_a_link_to_the_export_page_and_nothing_of_the_data(
    practice: Practice,
) -> None:
    relay_pending()  # what the practice's setting up announced
    mail.outbox.clear()
    _ready_export(practice.client)
    relay_pending()
    (sent,) = mail.outbox
    assert sent.to == [practice.client.email]
    assert "export is ready" in sent.subject
    body = str(sent.body)
    assert reverse("rights:export") in body
    # No download address (it would work for anyone holding the email), nothing of the data.
    assert "ROBIN-SAYS" not in body
    assert "ROBIN-CONTACT" not in body
    assert str(DataExport.objects.get().pk) not in body
    assert EmailDelivery.objects.filter(kind="privacy.export_ready").count() == 1
    relay_pending()  # delivered once
    assert len(mail.outbox) == 1


def test_an_export_that_expired_before_the_email_went_is_not_announced(
    practice: Practice,
) -> None:
    relay_pending()  # what the practice's setting up announced
    mail.outbox.clear()
    found = _ready_export(practice.client)
    DataExport.objects.filter(pk=found.pk).update(status=ExportStatus.EXPIRED, archive=b"")
    relay_pending()
    assert not mail.outbox
