"""/api/v1 operations of complaints: filing one about a social worker (the same form rules,
limit and service as the page), and following those one filed under one's name."""

import uuid
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited
from ninja import Field, Query, Router, Schema, Status, UploadedFile
from ninja.params import FileEx, FormEx, P

from casework import cursors
from casework.accounts.models import User
from casework.accounts.tokens import open_to_anyone, person_auth
from casework.complaints import services
from casework.complaints.access import (
    complaints_filed_by,
    find_complaint_by_secret,
    get_complaint_for_complainant,
)
from casework.complaints.forms import ComplaintForm
from casework.complaints.models import Category, Complaint
from casework.complaints.services import MAX_EVIDENCE_FILES
from casework.complaints.subjects import find_subject
from casework.complaints.views import FILE_RATE, TRACK_RATE
from casework.messaging.attachments import CheckedFile, allowed_extensions_text, check_upload
from casework.problems import Error as Problem
from casework.problems import form_fields, problem

router = Router(tags=["complaints"])

PAGE_SIZE = 50


def _person(request: HttpRequest) -> User:
    person = request.user
    if not isinstance(person, User):  # the authentication ran; this only narrows the type
        raise Http404
    return person


class NewComplaint(Schema):
    profile: str | None = Field(
        None, max_length=300, description="The social worker's profile: its slug or address"
    )
    regulator: str | None = Field(
        None, max_length=60, description="Or their regulator's slug (with `number`)"
    )
    number: str | None = Field(None, max_length=40, description="And their registration number")
    category: Category = Field(description="What the complaint is about")
    details: str = Field(
        max_length=services.DETAILS_MAX_CHARS,
        description="What happened: when, where, and what the social worker did. Only the "
        "regulator (or Casework's moderators) reads it",
    )
    share_identity: bool = Field(
        False,
        description="Tell the regulator who you are (your name and email address on "
        "Casework). Only such complaints are listed under `GET /complaints`; without it, follow "
        "the complaint on the site with its reference and secret",
    )
    idempotency_key: uuid.UUID | None = Field(
        None,
        description="A new UUID for each complaint: filing again with the same key (after a "
        "lost response) files nothing more and answers 200 with the first complaint",
    )

    model_config = {
        "json_schema_extra": {
            "example": {
                "profile": "amara-okafor",
                "category": "boundary",
                "details": "On 3 May she asked me to pay her privately, outside Casework.",
                "share_identity": True,
                "idempotency_key": "5d8f8a4e-3b7a-4f0e-9a55-0c2f4c1e7b21",
            }
        }
    }


class ComplaintSchema(Schema):
    reference: str = Field(description="CW-XXXX-XXXX")
    about: str = Field(description="The social worker, by the name the complainant saw")
    category: str
    state: str = Field(description="received, under_review, referred or closed")
    state_label: str = Field(description="The state in words, in your language")
    handled_by: list[str] = Field(description="The regulators it went to")
    to_moderators: bool = Field(
        description="No verified registration on Casework: Casework's moderators handle it"
    )
    filed_at: datetime
    closed_at: datetime | None


class FiledComplaintSchema(ComplaintSchema):
    secret: str | None = Field(
        description="With the reference, follows the complaint on the site: shown this once "
        "and never stored (null when the same `idempotency_key` filed it before)"
    )
    track_url: str = Field(description="Where to follow it with the reference and secret")


class StepSchema(Schema):
    state: str
    state_label: str
    at: datetime


class TrackedComplaintSchema(ComplaintSchema):
    outcome: str | None = Field(description="What the regulator wrote for you when it closed")
    history: list[StepSchema] = Field(description="Each state it went through, oldest first")


class ComplaintPage(Schema):
    results: list[ComplaintSchema]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


def _complaint(complaint: Complaint) -> dict[str, object]:
    return {
        "reference": complaint.reference,
        "about": complaint.practitioner.display_name,
        "category": complaint.category,
        "state": complaint.state,
        "state_label": str(complaint.get_state_display()),
        "handled_by": [str(route.regulator) for route in complaint.routes.all()],
        "to_moderators": complaint.to_moderators,
        "filed_at": complaint.created_at,
        "closed_at": complaint.closed_at,
    }


def _with_related(complaints: QuerySet[Complaint]) -> QuerySet[Complaint]:
    return complaints.select_related("practitioner").prefetch_related("routes__regulator")


@router.post(
    "/complaints",
    response={
        200: FiledComplaintSchema,
        201: FiledComplaintSchema,
        400: Problem,
        401: Problem,
        404: Problem,
        429: Problem,
    },
    summary="Complain about a social worker to their regulator",
    description="The same complaint as the site's form: about a practitioner named by their "
    "profile, or by their regulator and registration number (nobody known by them answers "
    "404); it goes to the regulators of their verified registrations, or to Casework's "
    "moderators when they hold none. Evidence files go with `POST /complaints/with-evidence`. "
    "Too many complaints from one address in an hour answer 429.",
    auth=person_auth("complaints", "write"),
    url_name="complaints_file",
)
def file(request: HttpRequest, payload: NewComplaint) -> Status[object]:
    return _file(
        request,
        named={
            "profile": payload.profile or "",
            "regulator": payload.regulator or "",
            "number": payload.number or "",
        },
        category=payload.category,
        details=payload.details,
        share_identity=payload.share_identity,
        idempotency_key=payload.idempotency_key,
        evidence=[],
    )


# Form fields: the same as the JSON complaint's, sent as the site's form sends them.
EVIDENCE_DESCRIPTION = (
    f"Up to {MAX_EVIDENCE_FILES} files ({allowed_extensions_text()}), each checked by what it "
    "contains, not its name, and at most the size the site's form states; sealed in the vault "
    "with the complaint, for the regulator alone"
)


@router.post(
    "/complaints/with-evidence",
    response={
        200: FiledComplaintSchema,
        201: FiledComplaintSchema,
        400: Problem,
        401: Problem,
        404: Problem,
        429: Problem,
    },
    summary="Complain about a social worker, with evidence files",
    description="The same complaint as `POST /complaints`, as a `multipart/form-data` request "
    "with its files under `evidence` (one part per file), as the site's form sends it: the "
    "same rules, the same hourly limit per address (429), and the same checks of each file as "
    "the form's (a file refused answers 400 with the reason under `fields.evidence`). The "
    "files are sealed in the vault with the complaint; only its regulator (or Casework's "
    "moderators) opens them.",
    auth=person_auth("complaints", "write"),
    url_name="complaints_file_with_evidence",
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "example": {
                        "profile": "amara-okafor",
                        "category": "boundary",
                        "details": "On 3 May she asked me to pay her privately, outside Casework.",
                        "share_identity": True,
                        "evidence": ["(binary)"],
                    }
                }
            }
        }
    },
)
def file_with_evidence(
    request: HttpRequest,
    category: FormEx[Category, P(description="What the complaint is about")],
    details: FormEx[
        str,
        P(
            max_length=services.DETAILS_MAX_CHARS,
            description="What happened: when, where, and what the social worker did",
        ),
    ],
    profile: FormEx[
        str, P(max_length=300, description="The social worker's profile: its slug or address")
    ] = "",
    regulator: FormEx[
        str, P(max_length=60, description="Or their regulator's slug (with `number`)")
    ] = "",
    number: FormEx[str, P(max_length=40, description="And their registration number")] = "",
    share_identity: FormEx[
        bool, P(description="Tell the regulator who you are, as in `POST /complaints`")
    ] = False,
    idempotency_key: FormEx[
        uuid.UUID | None,
        P(description="A new UUID for each complaint, as in `POST /complaints`"),
    ] = None,
    evidence: FileEx[list[UploadedFile], P(description=EVIDENCE_DESCRIPTION)] = None,  # type: ignore[assignment]
) -> Status[object]:
    return _file(
        request,
        named={"profile": profile, "regulator": regulator, "number": number},
        category=category,
        details=details,
        share_identity=share_identity,
        idempotency_key=idempotency_key,
        evidence=evidence or [],
    )


def _file(
    request: HttpRequest,
    *,
    named: dict[str, str],
    category: str,
    details: str,
    share_identity: bool,
    idempotency_key: uuid.UUID | None,
    evidence: list[UploadedFile],
) -> Status[object]:
    """File a complaint as the site's form does: the same form, limit, checks of each file and
    service (which seals the files in the vault)."""
    person = _person(request)
    if not named["profile"] and not (named["regulator"] and named["number"]):
        message = _("Name the social worker: their profile, or their regulator and number.")
        return problem(400, message, fields={"profile": [message]})
    subject = find_subject(**named)
    if subject is None:
        return problem(404, _("We could not find this social worker on Casework."))
    if len(evidence) > MAX_EVIDENCE_FILES:
        message = _("You can add at most %(count)d files.") % {"count": MAX_EVIDENCE_FILES}
        return problem(400, message, fields={"evidence": [message]})
    key = idempotency_key or uuid.uuid4()
    form = ComplaintForm(
        {
            "submission": str(key),
            "category": category,
            "details": details,
            "share_identity": share_identity,
        },
        MultiValueDict({"evidence": evidence}) if evidence else None,
        signed_in=True,
    )
    if not form.is_valid():
        return problem(
            400,
            " ".join(str(m) for messages in form.errors.values() for m in messages),
            fields=form_fields(form.errors),
        )
    if is_ratelimited(request, group="complaints.file", key="ip", rate=FILE_RATE, increment=True):
        return problem(429, _("Too many complaints from here. Try again in an hour."))
    try:
        checked: list[CheckedFile] = [check_upload(upload) for upload in evidence]
    except ValidationError as error:
        message = " ".join(error.messages)
        return problem(400, message, fields={"evidence": [message]})
    try:
        filed = services.file_complaint(
            practitioner=subject.practitioner,
            category=form.cleaned_data["category"],
            details=form.cleaned_data["details"],
            evidence=checked,
            complainant=person if form.cleaned_data.get("share_identity") else None,
            idempotency_key=form.cleaned_data["submission"],
        )
    except ValidationError as error:
        return problem(400, " ".join(error.messages))
    complaint = _with_related(Complaint.objects.filter(pk=filed.complaint.pk)).get()
    return Status(
        200 if filed.already_filed else 201,
        _complaint(complaint)
        | {
            "about": subject.shown_name,
            "secret": filed.secret or None,
            "track_url": request.build_absolute_uri(reverse("complaints:track")),
        },
    )


@router.get(
    "/complaints",
    response={200: ComplaintPage, 400: Problem, 401: Problem},
    summary="The complaints you filed under your name, newest first",
    description="Those you filed signed in and chose to tell the regulator who you are "
    f"(`share_identity`), by pages of {PAGE_SIZE}: pass `next_cursor` as `cursor` for the "
    "next. A cursor of another list answers 400.",
    auth=person_auth("complaints", "read"),
    url_name="complaints_mine",
)
def my_complaints(request: HttpRequest, query: Query[cursors.PageQuery]) -> Status[object]:
    person = _person(request)
    page = cursors.after_row(
        _with_related(complaints_filed_by(person)),
        belongs_to=f"complaints.mine:{person.pk}",
        order=("-created_at", "-id"),
        cursor=query.cursor,
        limit=PAGE_SIZE,
    )
    if page is None:
        return cursors.refused()
    found, next_cursor = page
    return Status(200, {"results": [_complaint(c) for c in found], "next_cursor": next_cursor})


@router.get(
    "/complaints/{reference}",
    response={200: TrackedComplaintSchema, 401: Problem, 404: Problem},
    summary="Follow one of your complaints: its state, history and outcome",
    description="A complaint you filed under your name, by its reference. Anyone else's (or "
    "one filed without your name) answers 404, as a missing one does.",
    auth=person_auth("complaints", "read"),
    url_name="complaints_track",
)
def track(request: HttpRequest, reference: str) -> Status[object]:
    try:
        found = get_complaint_for_complainant(_person(request), reference)
    except Http404:
        return problem(404, _("You filed no complaint under your name with this reference."))
    return Status(200, _tracked(found))


def _tracked(found: Complaint) -> dict[str, object]:
    complaint = _with_related(Complaint.objects.filter(pk=found.pk)).get()
    return _complaint(complaint) | {
        "outcome": complaint.outcome_summary or None,
        "history": [
            {"state": step.state, "state_label": str(step.get_state_display()), "at": step.at}
            for step in complaint.progress.all()
        ],
    }


class SecretOfComplaint(Schema):
    secret: str = Field(
        min_length=1,
        max_length=40,
        description="The secret given when the complaint was filed",
    )

    model_config = {"json_schema_extra": {"example": {"secret": "7K3M9QXD2F4H6J8N"}}}


@router.post(
    "/complaints/{reference}/track",
    response={200: TrackedComplaintSchema, 400: Problem, 404: Problem, 429: Problem},
    summary="Follow any complaint by its reference and secret",
    description='What the site\'s "follow a complaint" page shows, to whoever holds both (no '
    "sign-in: a complaint filed without a name is followed this way). A wrong reference or "
    "secret answers 404 alike; too many tries from one address in an hour answer 429. A "
    "personal access token (with `complaints:read`) or the session (with its CSRF token) may "
    "be sent too; a token that is wrong, expired or revoked answers 401.",
    **open_to_anyone("complaints"),
    url_name="complaints_follow",
)
def follow(request: HttpRequest, reference: str, payload: SecretOfComplaint) -> Status[object]:
    if is_ratelimited(request, group="complaints.track", key="ip", rate=TRACK_RATE, increment=True):
        return problem(429, _("Too many tries. Wait an hour, then try again."))
    found = find_complaint_by_secret(reference, payload.secret)
    if found is None:
        return problem(
            404, _("No complaint matches this reference and secret. Check both and try again.")
        )
    return Status(200, _tracked(found))
