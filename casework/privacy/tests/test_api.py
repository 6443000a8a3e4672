"""/api/v1/me/exports: the export page's request, status and audited download, with a token."""

import io
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework.accounts.models import User
from casework.accounts.services import create_api_token
from casework.privacy import actions, case_export
from casework.privacy.export_archive import build_export
from casework.privacy.models import AuditEvent
from casework.privacy.rights_models import DataExport, ExportStatus
from casework.privacy.tests.conftest import Practice
from casework.testing import factories

pytestmark = pytest.mark.django_db


def _token(person: User, *scopes: str) -> Client:
    secret = create_api_token(
        person=person, name="App", scopes=list(scopes), days=30, now=timezone.now()
    )[1]
    return Client(headers={"Authorization": f"Bearer {secret}"})


def _session(person: User) -> Client:
    browser = Client()
    browser.force_login(person)
    return browser


def test_one_export_at_a_time_as_on_the_page(client_person: User) -> None:
    app = _token(client_person, "privacy:write")
    asked = app.post("/api/v1/me/exports")
    assert asked.status_code == 202
    body = asked.json()
    assert (body["status"], body["progress"], body["download_url"]) == ("queued", 0, None)
    again = app.post("/api/v1/me/exports")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "export_running")
    # The page refuses the same second request the same way.
    assert _session(client_person).post(reverse("rights:export")).status_code == 409
    assert DataExport.objects.filter(person=client_person).count() == 1
    (listed,) = app.get("/api/v1/me/exports").json()
    assert listed["id"] == body["id"]
    assert app.get(body["url"]).json()["status"] == "queued"


def test_asking_needs_the_write_scope_and_reading_the_read_scope(client_person: User) -> None:
    assert _token(client_person, "privacy:read").post("/api/v1/me/exports").status_code == 403
    assert _token(client_person, "messaging:read").get("/api/v1/me/exports").status_code == 403
    assert Client().get("/api/v1/me/exports").status_code == 401
    assert not DataExport.objects.exists()


def test_a_ready_export_downloads_for_its_person_and_each_download_is_recorded(
    practice: Practice, frozen: Any
) -> None:
    queued = _token(practice.client, "privacy:write").post("/api/v1/me/exports").json()
    build_export(export_id=queued["id"])
    app = _token(practice.client, "privacy:read")
    status = app.get(queued["url"]).json()
    assert (status["status"], status["progress"]) == (ExportStatus.READY, 100)
    assert status["expires_at"] is not None
    downloads = AuditEvent.objects.filter(action=str(actions.PRIVACY_EXPORT_DOWNLOADED))
    before = downloads.count()
    response = app.get(status["download_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "data.json" in zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert downloads.count() == before + 1
    page = _session(practice.client).get(reverse("rights:export_download", args=[queued["id"]]))
    assert page.status_code == 200
    assert downloads.count() == before + 2
    # Someone else: missing, on the page and here, and nothing is recorded.
    other = practice.other_client
    other_app = _token(other, "privacy:write")
    assert other_app.get(queued["url"]).status_code == 404
    assert other_app.get(status["download_url"]).status_code == 404
    assert (
        _session(other).get(reverse("rights:export_download", args=[queued["id"]])).status_code
        == 404
    )
    assert downloads.count() == before + 2
    # Once the link has expired: gone, on the page and here.
    expires_at = DataExport.objects.get(pk=queued["id"]).expires_at
    assert expires_at is not None
    frozen.move_to(expires_at + timedelta(seconds=1))
    gone = app.get(status["download_url"])
    assert (gone.status_code, gone.json()["error"]["code"]) == (410, "export_expired")
    page = _session(practice.client).get(reverse("rights:export_download", args=[queued["id"]]))
    assert page.status_code == 410


def test_an_export_still_being_prepared_has_no_download_yet(client_person: User) -> None:
    queued = _token(client_person, "privacy:write").post("/api/v1/me/exports").json()
    app = _token(client_person, "privacy:read")
    archive = reverse("api:privacy_export_download", kwargs={"export_id": queued["id"]})
    assert app.get(archive).status_code == 410
    assert app.get("/api/v1/me/exports/not-an-id").status_code in (404, 422)
    staff = factories.ModeratorFactory.create()
    assert _token(staff, "privacy:read").get(queued["url"]).status_code == 404


def test_a_case_export_is_not_among_the_practitioners_own_exports(practice: Practice) -> None:
    """Asking to export a client's case (for a transfer) is not an export of one's own data:
    neither the list nor the export page shows it, as the export's own address would not."""
    case_export.ask_for_case_export(case=practice.case, practitioner=practice.practitioner)
    app = _token(practice.practitioner, "privacy:write")
    assert app.get("/api/v1/me/exports").json() == []
    page = _session(practice.practitioner).get(reverse("rights:export"))
    assert page.context["exports"] == []
    # Her own export, asked for now, is listed (and may be asked for: none is running).
    own = app.post("/api/v1/me/exports")
    assert own.status_code == 202
    assert [found["id"] for found in app.get("/api/v1/me/exports").json()] == [own.json()["id"]]
