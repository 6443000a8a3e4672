"""/api/v1 operations of care: the client's check-ins (list, open, answer), the practitioner's
check-in plans and results of her cases (read, assign a plan), and her caseload ranked by need.

Each operation reaches its objects through ``care.access`` and acts through ``care.services``,
as the pages do: the client's own check-ins only; a case its own practitioner only (anyone
else's is answered as a missing one, 404); a role that never has them, 403.
"""

import uuid
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from casework import cursors
from casework.accounts.models import Role, User
from casework.accounts.tokens import person_auth
from casework.care import access, queries
from casework.care.forms import CaseloadFilterForm, PlanForm, check_in_form_class
from casework.care.instruments import INSTRUMENTS, Instrument
from casework.care.models import Case, CheckIn, CheckInPlan, CheckInStatus
from casework.care.services import check_ins
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.problems import Error as Problem
from casework.problems import form_fields, problem
from casework.safety.crisis import crisis_resources_for
from casework.shell.converters import WholeNumber

router = Router(tags=["care"])

PAGE_SIZE = 50
# What a check-in list's cursors are signed to: the list, then whose or which case's it is.
CHECK_INS_LIST = "care.check_ins"
RESULTS_LIST = "care.case_check_ins"
CASELOAD_SALT = "casework.care.api.caseload"


def _person(request: HttpRequest) -> User:
    person = request.user
    if not isinstance(person, User):  # the authentication ran; this only narrows the type
        raise Http404
    return person


class CursorQuery(Schema):
    cursor: str | None = Field(
        None,
        max_length=cursors.LONGEST_CURSOR,
        description="`next_cursor` of the previous page: the same list, further on",
    )


def _page_number(cursor: str | None, params: dict[str, Any], salt: str) -> int | Status[object]:
    """The page a cursor names (the first without one); a cursor of another list (or person,
    or filter) is refused, 400."""
    if cursor is None:
        return 1
    number = cursors.page_of_cursor(params, cursor, salt=salt)
    if number is None:
        return cursors.refused()
    return number


def _following(
    request: HttpRequest, page: Page[Any], params: dict[str, Any], salt: str
) -> dict[str, str | None]:
    """The next page's cursor and address (none after the last page)."""
    if not page.has_next():
        return {"next_cursor": None, "next": None}
    number = page.next_page_number()
    return {
        "next_cursor": cursors.cursor_for(params, number, salt=salt),
        "next": cursors.page_link(request, params, number, salt=salt),
    }


def _after_row(
    request: HttpRequest,
    rows: QuerySet[Any],
    *,
    cursor: str | None,
    belongs_to: str,
) -> tuple[list[Any], dict[str, str | None]] | Status[object]:
    """One page of check-ins, newest due first, after the row ``cursor`` names, with what leads
    to the next. Check-ins come due at the top of these lists while someone pages through
    them: a page number would then repeat one already read, a row does not."""
    found = cursors.after_row(
        rows, belongs_to=belongs_to, order=("-due_at", "id"), cursor=cursor, limit=PAGE_SIZE
    )
    if found is None:
        return cursors.refused()
    page, next_cursor = found
    following: dict[str, str | None] = {"next_cursor": next_cursor, "next": None}
    if next_cursor is not None:
        query = request.GET.copy()
        query["cursor"] = next_cursor
        following["next"] = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return page, following


# ---------------------------------------------------------------------------------------------
# The client's check-ins


class CheckInSchema(Schema):
    id: uuid.UUID
    case_id: uuid.UUID
    instrument: str = Field(description="phq9, gad7, who5, mood or note (free text)")
    name: str
    practitioner: str = Field(description="Who asked for it: the case's practitioner")
    status: str = Field(description="open, answered, missed or cancelled")
    answerable: bool = Field(description="Open, due, not expired, and the case open: answer it")
    due_at: datetime
    expires_at: datetime
    answered_at: datetime | None
    score: int | None = Field(description="Your score, once answered (none for free text)")


class CheckInPage(Schema):
    results: list[CheckInSchema]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")
    next: str | None = Field(description="The next page's address (with its cursor)")


class QuestionSchema(Schema):
    key: str = Field(description="The key to answer it under")
    text: str


class ChoiceSchema(Schema):
    value: int
    label: str


class CheckInQuestionsSchema(CheckInSchema):
    stem: str = Field(description="What the questions are about, e.g. over the last 2 weeks")
    questions: list[QuestionSchema]
    choices: list[ChoiceSchema] = Field(
        description="The answers each question takes (none for text)"
    )
    free_text: bool = Field(description="Answered in words, under the key `text`")
    max_text_length: int


class CrisisLineSchema(Schema):
    name: str
    phone: str
    sms: str
    always_open: bool
    hours: str
    url: str


class CrisisSchema(Schema):
    emergency: str = Field(description="The emergency number; empty: your local one")
    lines: list[CrisisLineSchema]


class AnsweredSchema(Schema):
    check_in: CheckInSchema
    urgent: bool = Field(
        description="An answer that worries us (e.g. thoughts of self-harm): show the crisis "
        "lines at once; the practitioner is told"
    )
    crisis: CrisisSchema | None = Field(description="Where you are, with an urgent answer")


class Answers(Schema):
    answers: dict[str, WholeNumber | str] = Field(
        description="Every question's `key` with its answer's `value` (free text: `text` with "
        "your words)"
    )

    model_config = {
        "json_schema_extra": {
            "example": {
                "answers": {"1": 0, "2": 1, "3": 1, "4": 0, "5": 0, "6": 0, "7": 1, "8": 0, "9": 0}
            }
        }
    }


def _instrument(check_in: CheckIn) -> Instrument:
    return INSTRUMENTS[check_in.instrument]


def _answerable(check_in: CheckIn, case: Case, now: datetime) -> bool:
    """What the check-in page lets the client answer (the service refuses the rest)."""
    return (
        check_in.status == CheckInStatus.OPEN
        and check_in.due_at <= now < check_in.expires_at
        and case.is_open
    )


def _client_check_in(check_in: CheckIn, now: datetime) -> dict[str, Any]:
    case = check_in.case
    return {
        "id": check_in.pk,
        "case_id": case.pk,
        "instrument": check_in.instrument,
        "name": str(_instrument(check_in).name),
        "practitioner": case.practitioner.display_name,
        "status": check_in.status,
        "answerable": _answerable(check_in, case, now),
        "due_at": check_in.due_at,
        "expires_at": check_in.expires_at,
        "answered_at": check_in.answered_at,
        "score": check_in.score,
    }


def _only_clients(person: User) -> Status[object] | None:
    if person.role != Role.CLIENT:
        return problem(403, _("Only clients have check-ins to answer."))
    return None


@router.get(
    "/check-ins",
    response={200: CheckInPage, 400: Problem, 401: Problem, 403: Problem},
    summary="Your check-ins, due and recent, newest first (clients)",
    description="Every check-in of your cases that has come due: those open now "
    "(`answerable`), answered, missed or called off. Page with `cursor`.",
    auth=person_auth("care", "read"),
    url_name="my_check_ins",
)
def my_check_ins(request: HttpRequest, query: Query[CursorQuery]) -> Status[object]:
    person = _person(request)
    refused = _only_clients(person)
    if refused is not None:
        return refused
    now = timezone.now()
    rows = CheckIn.objects.filter(
        case__in=access.cases_of_client(person), due_at__lte=now
    ).select_related("case__practitioner")
    found = _after_row(
        request, rows, cursor=query.cursor, belongs_to=f"{CHECK_INS_LIST}:{person.pk}"
    )
    if isinstance(found, Status):
        return found
    page, following = found
    return Status(
        200, {"results": [_client_check_in(check_in, now) for check_in in page]} | following
    )


def _own_check_in(person: User, check_in_id: uuid.UUID) -> CheckIn | Status[object]:
    refused = _only_clients(person)
    if refused is not None:
        return refused
    found = access.find_check_in_for_client(person, check_in_id)
    if found is None:
        return problem(404, _("You have no check-in with this id."))
    return found


@router.get(
    "/check-ins/{check_in_id}",
    response={200: CheckInQuestionsSchema, 401: Problem, 403: Problem, 404: Problem},
    summary="One of your check-ins, with its questions (clients)",
    auth=person_auth("care", "read"),
    url_name="check_in",
)
def check_in(request: HttpRequest, check_in_id: uuid.UUID) -> Status[object]:
    person = _person(request)
    found = _own_check_in(person, check_in_id)
    if isinstance(found, Status):
        return found
    instrument = _instrument(found)
    return Status(
        200,
        _client_check_in(found, timezone.now())
        | {
            "stem": str(instrument.stem),
            "questions": [{"key": item.key, "text": str(item.text)} for item in instrument.items]
            if not instrument.free_text
            else [{"key": "text", "text": str(instrument.items[0].text)}],
            "choices": [{"value": c.value, "label": str(c.label)} for c in instrument.choices],
            "free_text": instrument.free_text,
            "max_text_length": instrument.max_text_length,
        },
    )


@router.post(
    "/check-ins/{check_in_id}/answers",
    response={
        200: AnsweredSchema,
        400: Problem,
        401: Problem,
        403: Problem,
        404: Problem,
        409: Problem,
    },
    summary="Answer one of your check-ins (clients)",
    description="The same answer as the site's: every question answered, once, while the "
    "check-in is open. Answered already, called off, closed or not yet due: 409 with the "
    "reason's code (`already_answered`, `cancelled`, `expired`, `not_yet_due`, "
    "`case_closed`). An urgent answer comes back with the crisis lines of where you are.",
    auth=person_auth("care", "write"),
    url_name="answer_check_in",
)
def answer(request: HttpRequest, check_in_id: uuid.UUID, payload: Answers) -> Status[object]:
    person = _person(request)
    found = _own_check_in(person, check_in_id)
    if isinstance(found, Status):
        return found
    form = check_in_form_class(_instrument(found))(
        {key: str(value) for key, value in payload.answers.items()}
    )
    if not form.is_valid():
        errors = form_fields(form.errors)
        return problem(
            400,
            _("Answer every question with one of its answers."),
            fields={f"answers.{name}": messages for name, messages in errors.items()},
        )
    try:
        answered = check_ins.answer_check_in(
            check_in=found, client=person, answers=form.cleaned_data
        )
    except ValidationError as error:
        return problem(409, " ".join(error.messages), code=error.code or "conflict")
    case = answered.check_in.case
    crisis = None
    if answered.scored.urgent:
        resources = crisis_resources_for(case.client_location_id)
        crisis = {
            "emergency": resources.emergency,
            "lines": [vars(line) for line in resources.lines],
        }
    return Status(
        200,
        {
            "check_in": _client_check_in(answered.check_in, timezone.now()),
            "urgent": answered.scored.urgent,
            "crisis": crisis,
        },
    )


# ---------------------------------------------------------------------------------------------
# The practitioner's side: plans and results of her cases, and her caseload


class PlanSchema(Schema):
    id: int
    case_id: uuid.UUID
    instrument: str
    name: str
    every_days: int
    time_of_day: str = Field(description="HH:MM on the client's clock")
    starts_on: date = Field(description="The first day, on the client's calendar")
    status: str = Field(description="active, paused or ended")
    created_at: datetime
    ended_at: datetime | None


class NewPlan(Schema):
    instrument: str = Field(description="phq9, gad7, who5, mood or note (free text)", max_length=8)
    every_days: WholeNumber = Field(ge=1, le=28, description="1 daily, 7 weekly, up to 28")
    time_of_day: str = Field(description="HH:MM on the client's clock", max_length=5)
    starts_on: date = Field(description="The first day, today or within 90 days")

    model_config = {
        "json_schema_extra": {
            "example": {
                "instrument": "phq9",
                "every_days": 7,
                "time_of_day": "18:00",
                "starts_on": "2026-06-04",
            }
        }
    }


class ResultSchema(Schema):
    id: uuid.UUID
    plan_id: int
    instrument: str
    name: str
    status: str = Field(description="open, answered, missed or cancelled")
    due_at: datetime
    expires_at: datetime
    answered_at: datetime | None
    score: int | None
    band: str | None = Field(description="The published severity band of the score")
    urgent: bool = Field(description="The answer raised an urgent flag")


class ResultPage(Schema):
    results: list[ResultSchema]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")
    next: str | None = Field(description="The next page's address (with its cursor)")


class CaseloadRowSchema(Schema):
    case_id: uuid.UUID
    client: str = Field(description="The client's name as they show it")
    status: str = Field(description="enquiry, active, paused or closed")
    open_flags: int = Field(description="Urgent flags not yet acknowledged")
    worsening: bool = Field(description="The last score is worse than the client's baseline")
    improving: bool
    missed: int = Field(description="Check-ins missed in the last 30 days")
    last_contact_at: datetime
    next_appointment_at: datetime | None
    instrument: str | None = Field(description="The last answered check-in's")
    last_score: int | None


class CaseloadPage(Schema):
    results: list[CaseloadRowSchema] = Field(description="Ranked by need, as on the caseload page")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")
    next: str | None = Field(description="The next page's address (with its cursor)")


class CaseloadQuery(CursorQuery):
    status: str | None = Field(
        None, max_length=10, description="open (default), enquiry, active, paused, closed or all"
    )
    attention: str | None = Field(None, max_length=10, description="flagged, worsening or missed")
    q: str | None = Field(None, max_length=60, description="Part of the client's name")


def _only_practitioners(person: User) -> Status[object] | None:
    if person.role != Role.PRACTITIONER:
        return problem(403, _("Only practitioners hold cases."))
    return None


def _held_case(person: User, case_id: uuid.UUID) -> Case | Status[object]:
    refused = _only_practitioners(person)
    if refused is not None:
        return refused
    try:
        return access.get_case_for_practitioner(person, case_id)
    except Http404:
        return problem(404, _("You hold no case with this id."))


def _plan(plan: CheckInPlan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "case_id": plan.case_id,
        "instrument": plan.instrument,
        "name": str(INSTRUMENTS[plan.instrument].name),
        "every_days": plan.every_days,
        "time_of_day": plan.time_of_day.strftime("%H:%M"),
        "starts_on": plan.starts_on,
        "status": plan.status,
        "created_at": plan.created_at,
        "ended_at": plan.ended_at,
    }


def _viewed(person: User, case: Case) -> None:
    # As the case page: opening a case's check-ins is a read of the case.
    record_event(
        action=actions.CARE_CASE_VIEWED, actor=person, target=case, subject_id=case.client_id
    )


@router.get(
    "/cases/{case_id}/check-in-plans",
    response={200: list[PlanSchema], 401: Problem, 403: Problem, 404: Problem},
    summary="The check-in plans of one of your cases (practitioners)",
    description="Every plan you see on the case, ended ones included, oldest first. After a "
    "transfer the client did not share their scores with, only plans from the transfer on.",
    auth=person_auth("care", "read"),
    url_name="case_check_in_plans",
)
def case_plans(request: HttpRequest, case_id: uuid.UUID) -> Status[object]:
    person = _person(request)
    case = _held_case(person, case_id)
    if isinstance(case, Status):
        return case
    _viewed(person, case)
    plans = access.plans_seen_by_practitioners().filter(case=case).order_by("created_at", "pk")
    return Status(200, [_plan(plan) for plan in plans])


@router.post(
    "/cases/{case_id}/check-in-plans",
    response={
        201: PlanSchema,
        400: Problem,
        401: Problem,
        403: Problem,
        404: Problem,
        409: Problem,
    },
    summary="Ask the client of one of your cases for check-ins (practitioners)",
    description="The same plan as the case page's: an instrument every 1 to 28 days at a time "
    "of day on the client's clock, from today (the client's) to 90 days ahead. The client must "
    "have consented to check-ins (409 otherwise); one live plan per instrument (409 "
    "`plan_exists`).",
    auth=person_auth("care", "write"),
    url_name="assign_check_in_plan",
)
def assign_plan(request: HttpRequest, case_id: uuid.UUID, payload: NewPlan) -> Status[object]:
    person = _person(request)
    case = _held_case(person, case_id)
    if isinstance(case, Status):
        return case
    form = PlanForm(
        {
            "instrument": payload.instrument,
            "schedule": "every",
            "every_days": payload.every_days,
            "time_of_day": payload.time_of_day,
            "starts_on": payload.starts_on.isoformat(),
        }
    )
    if not form.is_valid():
        errors = form_fields(form.errors)
        return problem(
            400,
            " ".join(m for messages in errors.values() for m in messages),
            fields=errors,
        )
    data = form.cleaned_data
    try:
        plan = check_ins.assign_check_in_plan(
            case=case,
            practitioner=person,
            instrument=data["instrument"],
            every_days=data["every_days"],
            time_of_day=data["time_of_day"],
            starts_on=data["starts_on"],
        )
    except ValidationError as error:
        # The time and the rhythm are the request's to mend; the rest is the case's state.
        status = 400 if error.code in ("every_days", "start_in_past", "start_too_late") else 409
        return problem(status, " ".join(error.messages), code=error.code or None)
    return Status(201, _plan(plan))


def _result(check_in: CheckIn) -> dict[str, Any]:
    instrument = _instrument(check_in)
    band = instrument.band_for(check_in.score) if check_in.score is not None else None
    return {
        "id": check_in.pk,
        "plan_id": check_in.plan_id,
        "instrument": check_in.instrument,
        "name": str(instrument.name),
        "status": check_in.status,
        "due_at": check_in.due_at,
        "expires_at": check_in.expires_at,
        "answered_at": check_in.answered_at,
        "score": check_in.score,
        "band": str(band.label) if band is not None else None,
        "urgent": check_in.urgent,
    }


@router.get(
    "/cases/{case_id}/check-ins",
    response={200: ResultPage, 400: Problem, 401: Problem, 403: Problem, 404: Problem},
    summary="The check-ins of one of your cases and their scores, newest first (practitioners)",
    description="What the case page shows: each check-in that came due with its status, score "
    "and band (the item-by-item answers are not here). Opening them is recorded as a read of "
    "the case. Page with `cursor`.",
    auth=person_auth("care", "read"),
    url_name="case_check_ins",
)
def case_check_ins(
    request: HttpRequest, case_id: uuid.UUID, query: Query[CursorQuery]
) -> Status[object]:
    person = _person(request)
    case = _held_case(person, case_id)
    if isinstance(case, Status):
        return case
    rows = (
        access.check_ins_seen_by_practitioners()
        .filter(case=case, due_at__lte=timezone.now())
        .defer("answers")
    )
    found = _after_row(request, rows, cursor=query.cursor, belongs_to=f"{RESULTS_LIST}:{case.pk}")
    if isinstance(found, Status):
        return found
    page, following = found
    _viewed(person, case)
    return Status(200, {"results": [_result(check_in) for check_in in page]} | following)


class AnswerRowSchema(Schema):
    question: str
    answer: str = Field(description="The answer in the instrument's words (or the client's)")
    value: int | None = Field(description="The answer's value, for a scored instrument")


class CheckInAnswersSchema(Schema):
    check_in: ResultSchema
    answers: list[AnswerRowSchema]


@router.get(
    "/cases/{case_id}/check-ins/{check_in_id}/answers",
    response={200: CheckInAnswersSchema, 401: Problem, 403: Problem, 404: Problem},
    summary="One answered check-in's answers, item by item (practitioners)",
    description="As on the case page, on demand: opening them is recorded for the client to "
    "see (who read their check-in answers, and when).",
    auth=person_auth("care", "read"),
    url_name="case_check_in_answers",
)
def case_check_in_answers(
    request: HttpRequest, case_id: uuid.UUID, check_in_id: uuid.UUID
) -> Status[object]:
    person = _person(request)
    case = _held_case(person, case_id)
    if isinstance(case, Status):
        return case
    try:
        answered = access.get_answered_check_in(person, case, check_in_id)
    except Http404:
        return problem(404, _("This case has no answered check-in with this id."))
    rows = check_ins.read_answers(check_in=answered, reader=person)
    return Status(
        200,
        {
            "check_in": _result(answered),
            "answers": [
                {"question": row.question, "answer": row.answer, "value": row.value} for row in rows
            ],
        },
    )


@router.get(
    "/caseload",
    response={200: CaseloadPage, 400: Problem, 401: Problem, 403: Problem},
    summary="Your caseload, ranked by need (practitioners)",
    description="As the caseload page ranks it: urgent flags first, then a worsening trend, "
    "missed check-ins, the longest without contact, the soonest appointment. Filter as the page "
    "does; page with `cursor` (the ranking is read afresh for every page, so a row may move "
    "between pages as clients answer).",
    auth=person_auth("care", "read"),
    url_name="caseload",
)
def caseload(request: HttpRequest, query: Query[CaseloadQuery]) -> Status[object]:
    person = _person(request)
    refused = _only_practitioners(person)
    if refused is not None:
        return refused
    asked = {
        name: value
        for name, value in (
            ("status", query.status),
            ("attention", query.attention),
            ("q", query.q),
        )
        if value is not None
    }
    form = CaseloadFilterForm(asked)
    if not form.is_valid():
        errors = form_fields(form.errors)
        return problem(
            400,
            " ".join(m for messages in errors.values() for m in messages),
            fields={f"query.{name}": messages for name, messages in errors.items()},
        )
    params = {"person": person.pk, **asked}
    number = _page_number(query.cursor, params, CASELOAD_SALT)
    if isinstance(number, Status):
        return number
    # The page's own query: one page of the ranking costs the same whatever the caseload.
    page, rows = queries.caseload_page(
        person, now=timezone.now(), filters=form.filters(), number=number, per_page=PAGE_SIZE
    )
    return Status(
        200,
        {
            "results": [
                {
                    "case_id": row.case.pk,
                    "client": row.case.client.display_name,
                    "status": row.case.status,
                    "open_flags": row.open_flags,
                    "worsening": row.worsening,
                    "improving": row.improving,
                    "missed": row.missed,
                    "last_contact_at": row.last_contact_at,
                    "next_appointment_at": row.next_appointment_at,
                    "instrument": row.instrument.code if row.instrument else None,
                    "last_score": row.last_score,
                }
                for row in rows
            ],
        }
        | _following(request, page, params, CASELOAD_SALT),
    )
