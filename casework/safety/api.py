"""/api/v1 operations of safety: reporting someone or something (the same targets, categories,
limits and service as the report pages), one's own reports with their status, and blocking
(the same service, and the same people one could block from a page)."""

import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from casework import cursors
from casework.accounts.models import User
from casework.accounts.tokens import person_auth
from casework.problems import Error as Problem
from casework.problems import form_fields, problem
from casework.safety import access, blocks
from casework.safety.access import Target
from casework.safety.flooding import reporting_too_often
from casework.safety.forms import ReportForm
from casework.safety.models import Block, Report, ReportCategory, ReportTarget
from casework.safety.reports import DETAILS_MAX_LENGTH, file_report
from casework.shell.converters import MAX_ROW_ID, RowId

router = Router(tags=["safety"])

PAGE_SIZE = 50

About = Literal[
    "person", "profile", "message", "attachment", "appointment", "claim", "comment", "article"
]


def _person(request: HttpRequest) -> User:
    person = request.user
    if not isinstance(person, User):  # the authentication ran; this only narrows the type
        raise Http404
    return person


def _row_id(value: str) -> int:
    """A row's id as the pages' addresses take it (1 to 18 digits); anything else is missing."""
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise Http404
    number = int(value)
    if not 1 <= number <= MAX_ROW_ID:
        raise Http404
    return number


# Each kind of thing, found by the same access helper as its report page.
FINDERS: dict[str, Callable[[User, str], Target]] = {
    ReportTarget.PERSON: lambda person, key: access.target_for_person(person, _row_id(key)),
    ReportTarget.PROFILE: access.target_for_profile,
    ReportTarget.MESSAGE: access.target_for_message,
    ReportTarget.ATTACHMENT: access.target_for_attachment,
    ReportTarget.APPOINTMENT: lambda person, key: access.target_for_appointment(
        person, _row_id(key)
    ),
    ReportTarget.CLAIM: lambda person, key: access.target_for_claim(person, _row_id(key)),
    ReportTarget.COMMENT: lambda person, key: access.target_for_comment(person, _row_id(key)),
    ReportTarget.ARTICLE: access.target_for_article,
}


class NewReport(Schema):
    about: About = Field(
        description="What you report: a person you have dealt with (a conversation or an "
        "appointment together), a listed profile, a message or attachment of a conversation "
        "you take part in, an appointment of yours, a claim you review, a published community "
        "comment or article"
    )
    id: str = Field(
        min_length=1,
        max_length=80,
        description="Its id: a person's, appointment's, claim's or comment's number; a "
        "message's or attachment's UUID; a profile's or article's slug",
    )
    category: ReportCategory = Field(description="What happened")
    details: str = Field(
        "",
        max_length=DETAILS_MAX_LENGTH,
        description="Optional; only moderators read it, and it is stored encrypted",
    )
    evidence: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=20,
        description="Messages of theirs to show the moderators, from `evidence_choices` of "
        "the thing reported (the report page lists the same): needs `consent`",
    )
    consent: bool = Field(False, description="You agree that moderators may read `evidence`")

    model_config = {
        "json_schema_extra": {
            "example": {
                "about": "message",
                "id": "0b6f3c1e-8a53-4a59-9d0e-3f1f7d7c2b10",
                "category": "harassment",
                "details": "This came after I asked them to stop writing.",
                "evidence": ["0b6f3c1e-8a53-4a59-9d0e-3f1f7d7c2b10"],
                "consent": True,
            }
        }
    }


class ReportSchema(Schema):
    id: uuid.UUID
    reference: str = Field(description="R-XXXXX-XXXXX: anyone holding it sees the status")
    about: str = Field(description="What was reported: person, profile, message...")
    category: str
    status: str = Field(description="open (waiting for a moderator) or closed (decided)")
    status_label: str = Field(description="The status in words, in your language")
    outcome: str = Field(
        description="pending, no_action, action_taken, or reversed (withdrawn on appeal)"
    )
    outcome_label: str
    times_reported: int = Field(description="Your reports of the same thing while it was open")
    filed_at: datetime
    closed_at: datetime | None
    url: str = Field(description="The report's page on the site")


class FiledReportSchema(ReportSchema):
    merged: bool = Field(
        description="You had an open report of the same thing: this one was added to it"
    )


class ReportPage(Schema):
    results: list[ReportSchema]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


def _report(request: HttpRequest, report: Report) -> dict[str, object]:
    return {
        "id": report.pk,
        "reference": report.reference,
        "about": report.target_kind,
        "category": report.category,
        "status": report.status,
        "status_label": str(report.get_status_display()),
        "outcome": report.outcome,
        "outcome_label": str(report.get_outcome_display()),
        "times_reported": report.times_reported,
        "filed_at": report.created_at,
        "closed_at": report.closed_at,
        "url": request.build_absolute_uri(
            reverse("safety:my_report", kwargs={"report_id": report.pk})
        ),
    }


@router.post(
    "/reports",
    response={
        200: FiledReportSchema,
        201: FiledReportSchema,
        400: Problem,
        401: Problem,
        404: Problem,
        429: Problem,
    },
    summary="Report a person, a message or other content to the moderators",
    description="The same report as the site's: you report only what you can see (anything "
    "else answers 404, as a missing thing does), never yourself (400). A second report of the "
    "same thing while your first is open is added to it (200, `merged`). Too many reports in an "
    "hour answer 429.",
    auth=person_auth("safety", "write"),
    url_name="safety_report",
)
def report(request: HttpRequest, payload: NewReport) -> Status[object]:
    person = _person(request)
    try:
        target = FINDERS[payload.about](person, payload.id)
    except Http404:
        return problem(404, _("There is nothing you can report with this id."))
    form = ReportForm(
        {
            "category": payload.category,
            "details": payload.details,
            "evidence": [str(key) for key in payload.evidence],
            "consent": payload.consent,
        },
        choices=target.evidence_choices,
    )
    valid = form.is_valid()
    if payload.evidence and not target.evidence_choices:
        # The form offers no evidence when there is none to choose: say so, not drop it.
        form.add_error(None, _("Choose messages from the list."))
        valid = False
    if not valid:
        return problem(400, _messages(form.errors), fields=form_fields(form.errors))
    if reporting_too_often(request):
        return problem(429, _("You have filed many reports in the last hour: try again later."))
    try:
        filed = file_report(
            reporter=person,
            target=target,
            category=form.cleaned_data["category"],
            details=form.cleaned_data["details"],
            evidence=form.chosen_messages(),
            consented=bool(form.cleaned_data.get("consent")),
        )
    except ValidationError as error:
        return problem(400, " ".join(error.messages), code=error.code or "bad_request")
    return Status(
        200 if filed.merged else 201, _report(request, filed.report) | {"merged": filed.merged}
    )


def _messages(errors: Mapping[str, Iterable[object]]) -> str:
    return " ".join(str(message) for messages in errors.values() for message in messages)


@router.get(
    "/reports",
    response={200: ReportPage, 400: Problem, 401: Problem},
    summary="Your reports, newest first, with their status",
    description="The reports you filed signed in, as your reports page lists them, by pages of "
    f"{PAGE_SIZE}: pass `next_cursor` as `cursor` for the next. A cursor of another list "
    "answers 400.",
    auth=person_auth("safety", "read"),
    url_name="safety_my_reports",
)
def my_reports(request: HttpRequest, query: Query[cursors.PageQuery]) -> Status[object]:
    person = _person(request)
    page = cursors.after_row(
        access.reports_of(person),
        belongs_to=f"safety.reports:{person.pk}",
        order=("-created_at", "-id"),
        cursor=query.cursor,
        limit=PAGE_SIZE,
    )
    if page is None:
        return cursors.refused()
    found, next_cursor = page
    return Status(
        200, {"results": [_report(request, r) for r in found], "next_cursor": next_cursor}
    )


@router.get(
    "/reports/{report_id}",
    response={200: ReportSchema, 401: Problem, 404: Problem},
    summary="One of your reports, with its status",
    description="Someone else's report answers 404, as a missing one does.",
    auth=person_auth("safety", "read"),
    url_name="safety_my_report",
)
def my_report(request: HttpRequest, report_id: uuid.UUID) -> Status[object]:
    try:
        found = access.get_report_for_reporter(_person(request), report_id)
    except Http404:
        return problem(404, _("You have filed no report with this id."))
    return Status(200, _report(request, found))


class BlockSchema(Schema):
    person_id: int
    name: str = Field(description="Their name (a practitioner's) or alias (a client's)")
    blocked_at: datetime


class NewBlock(Schema):
    person_id: RowId = Field(
        description="Someone you have a conversation or an appointment with, or a listed "
        "practitioner"
    )

    model_config = {"json_schema_extra": {"example": {"person_id": 42}}}


def _block(block: Block) -> dict[str, object]:
    return {
        "person_id": block.blocked_id,
        "name": block.blocked.display_name,
        "blocked_at": block.created_at,
    }


@router.get(
    "/blocks",
    response={200: list[BlockSchema], 401: Problem},
    summary="The people you blocked, most recent first",
    description="As your blocked people page lists them; lift a block with "
    "`DELETE /blocks/{person_id}`.",
    auth=person_auth("safety", "read"),
    url_name="safety_blocks",
)
def my_blocks(request: HttpRequest) -> Status[object]:
    return Status(200, [_block(b) for b in blocks.blocked_by(_person(request))])


@router.post(
    "/blocks",
    response={200: BlockSchema, 201: BlockSchema, 400: Problem, 401: Problem, 404: Problem},
    summary="Block a person",
    description="As on the site: neither of you can write to the other or book together, and "
    "your open appointments together are cancelled. You may block someone you have a "
    "conversation or an appointment with, or a listed practitioner (anyone else answers 404); "
    "not yourself, nor Casework's moderators and administrators (400). Blocking someone "
    "already blocked answers 200 with the block.",
    auth=person_auth("safety", "write"),
    url_name="safety_block",
)
def block(request: HttpRequest, payload: NewBlock) -> Status[object]:
    person = _person(request)
    try:
        other = access.get_person_to_block(person, payload.person_id)
    except Http404:
        return problem(404, _("There is nobody you can block with this id."))
    already = blocks.has_blocked(person, other)
    try:
        made = blocks.block_person(blocker=person, blocked=other)
    except ValidationError as error:
        return problem(400, " ".join(error.messages), code=error.code or "bad_request")
    return Status(200 if already else 201, _block(made))


@router.delete(
    "/blocks/{person_id}",
    response={204: None, 401: Problem, 404: Problem},
    summary="Lift a block",
    description="A person you had not blocked answers 404.",
    auth=person_auth("safety", "write"),
    url_name="safety_unblock",
)
def unblock(request: HttpRequest, person_id: RowId) -> Status[object]:
    if not blocks.unblock_person(blocker=_person(request), blocked_id=person_id):
        return problem(404, _("You had not blocked this person."))
    return Status(204, None)
