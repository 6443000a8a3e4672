"""/api/v1 operations of scheduling: a listed practitioner's free slots (public), and the
signed-in person's own appointments: booking them, moving them and cancelling them, through the
same access helper and booking service as the pages."""

import uuid
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from casework.accounts import idempotency
from casework.accounts.idempotency import IdempotencyKeyHeader
from casework.accounts.models import IdempotencyKey, Role, User
from casework.accounts.tokens import open_to_anyone, person_auth
from casework.problems import Error as Problem
from casework.problems import ErrorDetail, form_fields, problem
from casework.scheduling import slots
from casework.scheduling.access import (
    appointments_of,
    get_appointment_for_person,
    get_session_type_for_booking,
)
from casework.scheduling.calendar import appointment_link
from casework.scheduling.forms import ConfirmBookingForm, EndAppointmentForm, RescheduleForm
from casework.scheduling.freshness import may_take_bookings
from casework.scheduling.models import Appointment
from casework.scheduling.queries import bookable, offered_session_types
from casework.scheduling.services import booking
from casework.scheduling.services.booking import SlotUnavailable
from casework.shell.converters import RowId

router = Router(tags=["scheduling"])


# One request covers at most this span, so that a request costs the same whatever it asks.
LONGEST_SPAN = timedelta(days=31)


class SlotSchema(Schema):
    session_type: int
    start: datetime = Field(description="UTC")
    end: datetime = Field(description="UTC")
    slot_id: str = Field(description="The start as it travels in booking addresses")


class SessionTypeSchema(Schema):
    id: int
    name: str
    duration_minutes: int
    modality: str
    place: str
    price: str
    currency: str = Field(description="ISO 4217")


class FreeSlotsSchema(Schema):
    practitioner: int
    time_zone: str = Field(description="The practitioner's IANA time zone")
    session_types: list[SessionTypeSchema]
    slots: list[SlotSchema]


class SlotQuery(Schema):
    session_type: RowId | None = Field(None, description="Only this session type")
    since: datetime | None = Field(None, description="From (default: now)")
    until: datetime | None = Field(None, description="Until (default and at most: since + 31 days)")


@router.get(
    "/practitioners/{practitioner_id}/slots",
    response={200: FreeSlotsSchema, 400: Problem, 404: Problem},
    summary="Free slots of a practitioner who takes bookings",
    description="Open to anyone; a personal access token (with `scheduling:read`) or the "
    "session may be sent too, and a token that is wrong, expired or revoked answers 401.",
    **open_to_anyone("scheduling"),
    url_name="practitioner_slots",
)
def free_slots(
    request: HttpRequest, practitioner_id: RowId, query: Query[SlotQuery]
) -> Status[object]:
    practitioner = User.objects.filter(
        pk=practitioner_id, role=Role.PRACTITIONER, is_active=True
    ).first()
    if practitioner is None or not may_take_bookings(practitioner):
        return problem(404, _("No practitioner taking bookings has this id."))
    now = timezone.now()
    given = [t for t in (query.since, query.until) if t is not None]
    if any(t.tzinfo is None for t in given):
        return problem(400, _("Give times with their UTC offset, e.g. 2026-05-04T09:00Z."))
    # Before any sum on them: near datetime's year 1 or 9999 a sum overflows (a 500), and no
    # slot lies that far from now anyway.
    if not all(slots.within_reach(t, now=now) for t in given):
        return problem(
            400, _("Ask for times from yesterday to a year ahead; no slot lies further.")
        )
    since = query.since or now
    until = query.until or since + LONGEST_SPAN
    if until < since or until - since > LONGEST_SPAN:
        return problem(400, _("Ask for at most 31 days, with `until` after `since`."))
    session_types = list(offered_session_types(practitioner))
    if query.session_type is not None:
        session_types = [s for s in session_types if s.pk == query.session_type]
        if not session_types:
            return problem(404, _("This practitioner offers no such session type."))
    reading = bookable(practitioner)
    found = [
        {
            "session_type": session_type.pk,
            "start": slot.starts_at,
            "end": slot.ends_at,
            "slot_id": slots.slot_id(slot.starts_at),
        }
        for session_type in session_types
        for slot in reading.free_slots(session_type, now=now, since=since, until=until)
    ]
    return Status(
        200,
        {
            "practitioner": practitioner.pk,
            "time_zone": reading.zone.key,
            "session_types": [
                {
                    "id": s.pk,
                    "name": s.name,
                    "duration_minutes": s.duration_minutes,
                    "modality": s.modality,
                    "place": s.place,
                    "price": str(s.price),
                    "currency": s.currency,
                }
                for s in session_types
            ],
            "slots": sorted(found, key=lambda row: (row["start"], row["session_type"])),
        },
    )


class AppointmentSchema(Schema):
    id: int
    uid: str = Field(description="Stable; the calendar event's UID is `<uid>@casework`")
    status: str = Field(description="requested, confirmed, declined, cancelled or no_show")
    start: datetime
    end: datetime
    session_type: str
    modality: str
    price: str
    currency: str
    with_: str = Field(alias="with", description="The other party: alias or practitioner name")
    late_cancellation: bool
    url: str


@router.get(
    "/appointments",
    response={200: list[AppointmentSchema], 401: Problem},
    summary="Your appointments (as client or as practitioner)",
    auth=person_auth("scheduling", "read"),
    by_alias=True,
    url_name="my_appointments",
)
def my_appointments(request: HttpRequest) -> Status[object]:
    person = request.user
    assert isinstance(person, User)  # noqa: S101  (the authentication ran)
    rows = (
        appointments_of(person)
        .select_related("session_type", "client", "practitioner")
        .filter(starts_at__gte=timezone.now() - timedelta(days=365))
        .order_by("starts_at")[:500]
    )
    return Status(200, [_appointment(person, a) for a in rows])


def _appointment(person: User, a: Appointment) -> dict[str, object]:
    return {
        "id": a.pk,
        "uid": str(a.uid),
        "status": a.status,
        "start": a.starts_at,
        "end": a.ends_at,
        "session_type": a.session_type.name,
        "modality": a.modality,
        "price": str(a.price),
        "currency": a.currency,
        "with": a.client.alias if person.pk == a.practitioner_id else a.practitioner.display_name,
        "late_cancellation": a.late_cancellation,
        "url": appointment_link(a),
    }


class NewBooking(Schema):
    session_type: RowId = Field(description="A session type's id, from the practitioner's slots")
    slot_id: str = Field(
        description="A free slot's `slot_id`, from the practitioner's slots", max_length=40
    )
    where: str = Field(
        description="Where you will be during the session: ISO 3166 code, e.g. GB-ENG",
        max_length=10,
    )

    model_config = {
        "json_schema_extra": {
            "example": {"session_type": 12, "slot_id": "2026-05-04T09:00Z", "where": "GB-ENG"}
        }
    }


class SlotTakenDetail(ErrorDetail):
    next_free_slot_id: str | None = Field(
        description="The same session's next free slot, when there is one"
    )


class SlotTakenProblem(Schema):
    """The one error shape, with code `slot_unavailable` and the next free slot."""

    error: SlotTakenDetail


@router.post(
    "/appointments",
    response={
        201: AppointmentSchema,
        400: Problem,
        403: Problem,
        404: Problem,
        409: SlotTakenProblem,
        422: Problem,
    },
    summary="Book a free slot (clients)",
    description="The same booking as the site's: the practitioner must take bookings and may "
    "practise where you will be; a first session may wait for their confirmation (status "
    "`requested`). A slot taken meanwhile answers 409 with the next free one.",
    auth=person_auth("scheduling", "write"),
    by_alias=True,
    url_name="book",
)
def book(
    request: HttpRequest,
    payload: NewBooking,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Status[object]:
    person = request.user
    assert isinstance(person, User)  # noqa: S101  (the authentication ran)
    if person.role != Role.CLIENT:
        return problem(403, _("Only clients book sessions."))
    try:
        session_type = get_session_type_for_booking(payload.session_type)
    except Http404:
        return problem(404, _("No session type is offered with this id."))
    asked = payload.dict()
    refused = idempotency.refusal_if_reused(
        person=person, operation="appointments.book", key=idempotency_key, request=asked
    )
    if refused is not None:
        return refused
    key = (
        idempotency.service_key(person, "appointments.book", idempotency_key)
        if idempotency_key is not None
        else uuid.uuid4()
    )
    form = ConfirmBookingForm(
        {"start": payload.slot_id, "where": payload.where, "idempotency_key": str(key)}
    )
    if not form.is_valid():
        return problem(
            400,
            " ".join(str(m) for messages in form.errors.values() for m in messages),
            fields={
                ("slot_id" if name in ("start", "__all__") else name): [str(m) for m in messages]
                for name, messages in form.errors.items()
            },
        )
    try:
        appointment = booking.book_appointment(
            client=person,
            session_type=session_type,
            starts_at=form.cleaned_data["start"],
            where=form.cleaned_data["where"],
            idempotency_key=key,
        )
    except SlotUnavailable as error:
        return problem(
            409,
            " ".join(error.messages),
            code="slot_unavailable",
            next_free_slot_id=slots.slot_id(error.suggestion) if error.suggestion else None,
        )
    except ValidationError as error:
        return problem(400, " ".join(error.messages), code=error.code or "bad_request")
    if idempotency_key is not None:
        idempotency.remember(
            person=person,
            operation="appointments.book",
            key=idempotency_key,
            request=asked,
            now=timezone.now(),
        )
    return Status(201, _appointment(person, appointment))


# Moving and cancelling: the parties of the appointment, as on its page.
PARTIES = (Role.CLIENT, Role.PRACTITIONER)


def _party_or_refusal(request: HttpRequest, appointment_id: int) -> Appointment | Status[object]:
    """The appointment the signed-in person is a party to, through the pages' access helper;
    403 for a role that never has appointments, 404 alike for missing and not theirs."""
    person = request.user
    assert isinstance(person, User)  # noqa: S101  (the authentication ran)
    if person.role not in PARTIES:
        return problem(403, _("Only the client and the practitioner of an appointment change it."))
    try:
        return get_appointment_for_person(person, appointment_id)
    except Http404:
        return problem(404, _("You have no appointment with this id."))


class Cancellation(Schema):
    reason: str = Field(
        "",
        max_length=500,
        description="Optional, at most 500 characters: the other party reads it",
    )

    model_config = {"json_schema_extra": {"example": {"reason": "I have to work that day."}}}


@router.post(
    "/appointments/{appointment_id}/cancel",
    response={
        200: AppointmentSchema,
        400: Problem,
        403: Problem,
        404: Problem,
        409: Problem,
        422: Problem,
    },
    summary="Cancel an appointment (either party)",
    description="The same cancellation as the site's, until the start. A client who cancels "
    "inside the practitioner's cancellation notice is let through and the appointment says "
    "`late_cancellation: true` (their policy may charge for it). An appointment no longer "
    "open, or already started, answers 409. With an `Idempotency-Key`, a replay returns the "
    "cancelled appointment instead of 409.",
    auth=person_auth("scheduling", "write"),
    by_alias=True,
    url_name="cancel_appointment",
)
def cancel(
    request: HttpRequest,
    appointment_id: RowId,
    payload: Cancellation,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Status[object]:
    found = _party_or_refusal(request, appointment_id)
    if isinstance(found, Status):
        return found
    person = request.user
    assert isinstance(person, User)  # noqa: S101  (checked by _party_or_refusal)
    form = EndAppointmentForm({"reason": payload.reason})
    if not form.is_valid():
        errors = form_fields(form.errors)
        return problem(
            400, " ".join(m for messages in errors.values() for m in messages), fields=errors
        )
    asked = {"appointment": found.pk, "reason": payload.reason}
    operation = "appointments.cancel"
    refused = idempotency.refusal_if_reused(
        person=person, operation=operation, key=idempotency_key, request=asked
    )
    if refused is not None:
        return refused
    # The cancellation is done once; the replay of a lost answer is told what came of it.
    if (
        idempotency_key is not None
        and IdempotencyKey.objects.filter(
            person=person, operation=operation, key=idempotency_key
        ).exists()
    ):
        return Status(200, _appointment(person, found))
    try:
        appointment = booking.cancel_appointment(
            appointment=found, person=person, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        return problem(409, " ".join(error.messages), code=error.code or "conflict")
    if idempotency_key is not None:
        idempotency.remember(
            person=person,
            operation=operation,
            key=idempotency_key,
            request=asked,
            now=timezone.now(),
        )
    return Status(200, _appointment(person, appointment))


class NewTime(Schema):
    slot_id: str = Field(
        description="A free slot's `slot_id` of the same session type, from the practitioner's "
        "slots",
        max_length=40,
    )

    model_config = {"json_schema_extra": {"example": {"slot_id": "2026-05-05T14:00Z"}}}


@router.post(
    "/appointments/{appointment_id}/reschedule",
    response={
        200: AppointmentSchema,
        400: Problem,
        403: Problem,
        404: Problem,
        409: SlotTakenProblem,
        422: Problem,
    },
    summary="Move an appointment to another free slot (either party)",
    description="The same move as the site's, to a free slot of the same session type. The "
    "client may move it until the practitioner's cancellation notice (later, only cancelling "
    "is open: 409 `too_late`), the practitioner until the start. A slot taken meanwhile "
    "answers 409 `slot_unavailable` with the next free one. Moving it where it already is "
    "changes nothing, so a retry is harmless.",
    auth=person_auth("scheduling", "write"),
    by_alias=True,
    url_name="reschedule_appointment",
)
def reschedule(
    request: HttpRequest,
    appointment_id: RowId,
    payload: NewTime,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Status[object]:
    found = _party_or_refusal(request, appointment_id)
    if isinstance(found, Status):
        return found
    person = request.user
    assert isinstance(person, User)  # noqa: S101  (checked by _party_or_refusal)
    form = RescheduleForm({"start": payload.slot_id})
    if not form.is_valid():
        return problem(
            400,
            " ".join(str(m) for messages in form.errors.values() for m in messages),
            fields={"slot_id": [str(m) for m in form.errors.get("start", [])]},
        )
    asked = {"appointment": found.pk, "slot_id": payload.slot_id}
    operation = "appointments.reschedule"
    refused = idempotency.refusal_if_reused(
        person=person, operation=operation, key=idempotency_key, request=asked
    )
    if refused is not None:
        return refused
    try:
        appointment = booking.reschedule_appointment(
            appointment=found, person=person, starts_at=form.cleaned_data["start"]
        )
    except SlotUnavailable as error:
        return problem(
            409,
            " ".join(error.messages),
            code="slot_unavailable",
            next_free_slot_id=slots.slot_id(error.suggestion) if error.suggestion else None,
        )
    except ValidationError as error:
        return problem(
            409, " ".join(error.messages), code=error.code or "conflict", next_free_slot_id=None
        )
    if idempotency_key is not None:
        idempotency.remember(
            person=person,
            operation=operation,
            key=idempotency_key,
            request=asked,
            now=timezone.now(),
        )
    return Status(200, _appointment(person, appointment))
