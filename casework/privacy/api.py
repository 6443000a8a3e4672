"""/api/v1 operations on a person's own data: ask for an export of all of it, follow it, and
download it while its link lasts. The same service and access helper as the export page: one
export at a time, only one's own, every download audited."""

import uuid
from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from casework.accounts.models import User
from casework.accounts.tokens import person_auth
from casework.privacy import access, export
from casework.privacy.rights_models import DataExport, ExportStatus
from casework.problems import Error as Problem
from casework.problems import problem

router = Router(tags=["privacy"])

# As many as the export page lists.
EXPORTS_SHOWN = 5


class ExportSchema(Schema):
    id: uuid.UUID
    status: str = Field(description="queued, building, ready, failed or expired")
    progress: int = Field(description="How far the build has come, in per cent")
    requested_at: datetime
    ready_at: datetime | None
    expires_at: datetime | None = Field(
        description="When the download link stops working and the archive is destroyed"
    )
    size: int = Field(description="The archive's size in bytes, once ready")
    url: str = Field(description="This export's status, here")
    download_url: str | None = Field(
        description="While ready: where to download the ZIP (each download is recorded)"
    )


def _person(request: HttpRequest) -> User:
    person = request.user
    assert isinstance(person, User)  # noqa: S101  (the authentication ran)
    return person


def _export(request: HttpRequest, found: DataExport) -> dict[str, Any]:
    ready = found.status == ExportStatus.READY
    return {
        "id": found.pk,
        "status": found.status,
        "progress": found.progress,
        "requested_at": found.requested_at,
        "ready_at": found.ready_at,
        "expires_at": found.expires_at,
        "size": found.size,
        "url": request.build_absolute_uri(
            reverse("api:privacy_export", kwargs={"export_id": found.pk})
        ),
        "download_url": request.build_absolute_uri(
            reverse("api:privacy_export_download", kwargs={"export_id": found.pk})
        )
        if ready
        else None,
    }


@router.get(
    "/me/exports",
    response={200: list[ExportSchema], 401: Problem},
    summary="Your data exports, newest first",
    description=f"The last {EXPORTS_SHOWN}, as the export page lists them.",
    auth=person_auth("privacy", "read"),
    url_name="privacy_exports",
)
def list_exports(request: HttpRequest) -> Status[object]:
    person = _person(request)
    exports = access.own_exports(person).defer("archive")[:EXPORTS_SHOWN]
    return Status(200, [_export(request, found) for found in exports])


@router.post(
    "/me/exports",
    response={202: ExportSchema, 401: Problem, 409: Problem},
    summary="Ask for an export of all your data",
    description="One ZIP file with everything Casework holds about you (the documented JSON "
    "layout, a readable page and your attachments), prepared in the background: follow its "
    "`progress` at `url`. One at a time: while one is being prepared, another answers 409.",
    auth=person_auth("privacy", "write"),
    url_name="privacy_request_export",
)
def request_export(request: HttpRequest) -> Status[object]:
    person = _person(request)
    try:
        queued = export.request_export(person=person)
    except export.ExportAlreadyRunning:
        return problem(
            409,
            _("Your export is still being prepared: one at a time."),
            code="export_running",
        )
    return Status(202, _export(request, queued))


@router.get(
    "/me/exports/{export_id}",
    response={200: ExportSchema, 401: Problem, 404: Problem},
    summary="One of your exports: its status and progress",
    auth=person_auth("privacy", "read"),
    url_name="privacy_export",
)
def read_export(request: HttpRequest, export_id: uuid.UUID) -> Status[object]:
    try:
        found = access.get_own_export(_person(request), export_id)
    except Http404:
        return problem(404, _("You have no export with this id."))
    return Status(200, _export(request, found))


@router.get(
    "/me/exports/{export_id}/archive",
    response={200: None, 401: Problem, 404: Problem, 410: Problem},
    summary="Download one of your exports (a ZIP file)",
    description="While its link lasts (`expires_at`); each download is recorded in your "
    "record's access log. Once expired the archive is destroyed: 410, ask for a new one.",
    auth=person_auth("privacy", "read"),
    url_name="privacy_export_download",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The ZIP file",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def download_export(request: HttpRequest, export_id: uuid.UUID) -> HttpResponse | Status[object]:
    person = _person(request)
    try:
        found = access.get_own_export(person, export_id)
    except Http404:
        return problem(404, _("You have no export with this id."))
    try:
        content = export.open_export(export=found, person=person)
    except export.ExportExpired:
        return problem(
            410, _("This export's link has expired: ask for a new one."), code="export_expired"
        )
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, export.archive_name(found))
    response["Cache-Control"] = "private, no-store"
    return response
