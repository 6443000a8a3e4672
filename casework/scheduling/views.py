"""Booking (choose a time, confirm) and the appointments of clients and practitioners.

The way to a booking is at most three steps from a profile: pick a time on the profile (the
``profile_booking.html`` include), confirm it here, and land on the appointment's page.
"""

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework.accounts.models import Role, User
from casework.accounts.permissions import role_required
from casework.accounts.zones import zone_label
from casework.dates import reader_datetime
from casework.registry import places
from casework.registry.models import RegistrationClaim
from casework.safety.block_confirmation import confirm_block
from casework.scheduling import offers, slots
from casework.scheduling.access import (
    appointments_of,
    get_appointment_for_person,
    get_bookable_practitioner,
    get_session_type_for_booking,
)
from casework.scheduling.forms import ConfirmBookingForm, EndAppointmentForm, RescheduleForm
from casework.scheduling.freshness import may_take_bookings
from casework.scheduling.models import ACTIVE_STATUSES, Appointment, AppointmentStatus, SessionType
from casework.scheduling.queries import bookable, schedule_of, zone_of
from casework.scheduling.services import booking
from casework.scheduling.services.booking import SlotUnavailable
from casework.shell.confirmations import Danger, ask_first

# How far ahead the week pages go; the practitioner's horizon usually ends them sooner.
LAST_WEEK = 53
PRACTITIONER_LIST = "scheduling:practitioner_appointments"


def _person(request: HttpRequest) -> User:
    person = request.user
    assert isinstance(person, User)  # noqa: S101  (LoginRequiredMiddleware or role_required ran)
    return person


def _week(request: HttpRequest) -> int:
    try:
        return min(max(int(request.GET.get("week", "0")), 0), LAST_WEEK)
    except ValueError:
        return 0


def _where(params: QueryDict, request: HttpRequest) -> str:
    """The client's place as the directory carries it (a jurisdiction code), else the one they
    chose earlier in the visit or on their account (``registry.places``), or ""."""
    return params.get("where", "")[:8] or places.remembered(request)


def times_url(session_type: SessionType, where: str = "") -> str:
    query: dict[str, object] = {"session": session_type.pk}
    if where:
        query["where"] = where
    path = reverse("scheduling:practitioner_times", args=[session_type.practitioner_id])
    return f"{path}?{urlencode(query)}"


@login_not_required
@require_safe
def practitioner_times(request: HttpRequest, practitioner_id: int) -> HttpResponse:
    """Step 1, every time: one session's free times a week at a time (the profile shows the
    next few days)."""
    practitioner = get_bookable_practitioner(practitioner_id)
    week = _week(request)
    since = timezone.now() + timedelta(weeks=week)
    panel = offers.booking_panel(
        practitioner=practitioner,
        viewer=request.user,
        where_code=_where(request.GET, request),
        session_type_id=request.GET.get("session", "")[:12],
        since=since,
        span=timedelta(weeks=1),
        max_days=None,
        per_day=None,
    )
    template = "scheduling/practitioner_times.html"
    if request.headers.get("HX-Request"):
        template += "#times"
    context = {
        "panel": panel,
        "week": week,
        "week_starts": since,
        "previous_week": week - 1 if week > 0 else None,
        "next_week": week + 1 if (week + 1) * 7 < panel.horizon_days else None,
        "where": panel.where.code if panel.where else "",
    }
    return TemplateResponse(request, template, context)


def _precheck(session_type: SessionType, starts_at: datetime | None) -> tuple[str, datetime | None]:
    """Why the time in the address cannot be booked (empty when it can), and the next one."""
    try:
        booking.refuse_unless_practitioner_bookable(session_type.practitioner)
    except ValidationError as error:
        return " ".join(error.messages), None
    if starts_at is None:
        after = timezone.now()
        problem = _("This time is not available. Please choose another.")
        return problem, booking.next_free_after(session_type, after)
    check = bookable(session_type.practitioner).check(session_type, starts_at)
    if check == slots.SlotCheck.FREE:
        return "", None
    refusal = booking.explain_unavailable(check, session_type, starts_at)
    return " ".join(refusal.messages), refusal.suggestion


@role_required(Role.CLIENT)
@require_http_methods(["GET", "HEAD", "POST"])
def confirm_booking(request: HttpRequest) -> HttpResponse:
    """Step 2: the chosen time in the client's zone, where they will be, the cancellation
    policy, and whether the booking will wait for the practitioner's confirmation."""
    client = _person(request)
    source = request.POST if request.method == "POST" else request.GET
    session_type = get_session_type_for_booking(source.get("session", ""))
    practitioner = session_type.practitioner
    where = _where(source, request)
    if request.method == "POST":
        form = ConfirmBookingForm(request.POST)
    else:
        form = ConfirmBookingForm(initial={"start": source.get("start", ""), "where": where})
    starts_at = slots.parse_slot_id(source.get("start", ""), now=timezone.now())
    problem, suggestion = "", None
    if request.method == "POST":
        if form.is_valid():
            try:
                appointment = booking.book_appointment(
                    client=client,
                    session_type=session_type,
                    starts_at=form.cleaned_data["start"],
                    where=form.cleaned_data["where"],
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except SlotUnavailable as error:
                form.add_error(None, error)
                suggestion = error.suggestion
            except ValidationError as error:
                form.add_error(None, error)
            else:
                places.remember(request, form.cleaned_data["where"])
                return redirect("scheduling:appointment", appointment_id=appointment.pk)
    else:
        problem, suggestion = _precheck(session_type, starts_at)
    schedule = schedule_of(practitioner)
    context = {
        "form": form,
        "session_type": session_type,
        "practitioner": practitioner,
        "starts_at": starts_at,
        "ends_at": starts_at + session_type.duration if starts_at else None,
        "zone_name": zone_label(zone_of(client).key),
        "schedule": schedule,
        "awaits_confirmation": schedule.confirm_first_sessions
        and booking.is_first_session(practitioner, client),
        "problem": problem,
        "suggestion": suggestion,
        "suggestion_url": offers.confirm_url(session_type, suggestion, where) if suggestion else "",
        "more_times_url": times_url(session_type, where),
    }
    return TemplateResponse(request, "scheduling/confirm_booking.html", context)


@role_required(Role.CLIENT)
@require_safe
def my_appointments(request: HttpRequest) -> HttpResponse:
    client = _person(request)
    now = timezone.now()
    mine = appointments_of(client).select_related("session_type", "practitioner")
    upcoming = mine.filter(status__in=ACTIVE_STATUSES, ends_at__gt=now).order_by("starts_at")
    earlier = mine.exclude(pk__in=upcoming.values("pk")).order_by("-starts_at")[:50]
    context = {"upcoming": list(upcoming), "earlier": list(earlier)}
    return TemplateResponse(request, "scheduling/my_appointments.html", context)


@role_required(Role.PRACTITIONER)
@require_safe
def practitioner_appointments(request: HttpRequest) -> HttpResponse:
    """Requests awaiting confirmation first, then what is coming; then the last month's, where
    a missed session can be recorded."""
    practitioner = _person(request)
    now = timezone.now()
    mine = appointments_of(practitioner).select_related("session_type", "client")
    coming = list(mine.filter(status__in=ACTIVE_STATUSES, ends_at__gt=now).order_by("starts_at"))
    recent = (
        mine.filter(starts_at__lte=now, starts_at__gte=now - timedelta(days=30))
        .exclude(status__in=[AppointmentStatus.DECLINED])
        .order_by("-starts_at")[:100]
    )
    context = {
        "awaiting": [a for a in coming if a.status == AppointmentStatus.REQUESTED],
        "upcoming": [a for a in coming if a.status == AppointmentStatus.CONFIRMED],
        "recent": list(recent),
        "now": now,
    }
    return TemplateResponse(request, "scheduling/practitioner_appointments.html", context)


def _appointment_context(person: User, appointment: Appointment) -> dict[str, object]:
    now = timezone.now()
    is_client = person.pk == appointment.client_id
    upcoming = appointment.is_active and appointment.starts_at > now
    late = upcoming and booking.is_late_for_client(appointment, now=now)
    in_good_standing = may_take_bookings(appointment.practitioner)
    return {
        "appointment": appointment,
        "is_client": is_client,
        "registrations": (
            []
            if in_good_standing or not is_client
            else list(
                RegistrationClaim.objects.filter(
                    practitioner=appointment.practitioner,
                    state=RegistrationClaim.State.VERIFIED,
                ).select_related("regulator")
            )
        ),
        "zone_name": zone_label(zone_of(person).key),
        "schedule": schedule_of(appointment.practitioner),
        "practitioner_in_good_standing": in_good_standing,
        "can_cancel": upcoming,
        "late_for_client": late,
        "can_reschedule": upcoming and not (is_client and late),
        "can_confirm": not is_client
        and appointment.status == AppointmentStatus.REQUESTED
        and appointment.starts_at > now,
        "can_record_no_show": not is_client
        and appointment.status == AppointmentStatus.CONFIRMED
        and appointment.starts_at <= now,
    }


@role_required(Role.CLIENT, Role.PRACTITIONER)
@require_safe
def appointment_detail(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Step 3 of booking, and the appointment's page for both parties afterwards."""
    person = _person(request)
    appointment = get_appointment_for_person(person, appointment_id)
    context = _appointment_context(person, appointment) | {"decline_form": EndAppointmentForm()}
    return TemplateResponse(request, "scheduling/appointment.html", context)


@role_required(Role.CLIENT, Role.PRACTITIONER)
@require_http_methods(["GET", "HEAD", "POST"])
def block_from_appointment(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Block the other party of an appointment, after a page that says what will happen."""
    person = _person(request)
    appointment = get_appointment_for_person(person, appointment_id)
    other = appointment.practitioner if person.pk == appointment.client_id else appointment.client
    back_url = reverse("scheduling:appointment", kwargs={"appointment_id": appointment.pk})
    return confirm_block(request, blocker=person, other=other, back_url=back_url)


@role_required(Role.CLIENT, Role.PRACTITIONER)
@require_http_methods(["GET", "HEAD", "POST"])
def cancel_appointment(request: HttpRequest, appointment_id: int) -> HttpResponse:
    person = _person(request)
    appointment = get_appointment_for_person(person, appointment_id)
    form = EndAppointmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            appointment = booking.cancel_appointment(
                appointment=appointment, person=person, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if appointment.late_cancellation:
                messages.warning(
                    request,
                    _(
                        "The appointment is cancelled. It was inside the cancellation notice, "
                        "so it is recorded as a late cancellation."
                    ),
                )
            else:
                messages.success(request, _("The appointment is cancelled."))
            return redirect("scheduling:appointment", appointment_id=appointment.pk)
    context = _appointment_context(person, appointment) | {"form": form}
    return TemplateResponse(request, "scheduling/cancel_appointment.html", context)


@role_required(Role.CLIENT, Role.PRACTITIONER)
@require_http_methods(["GET", "HEAD", "POST"])
def reschedule_appointment(request: HttpRequest, appointment_id: int) -> HttpResponse:
    person = _person(request)
    appointment = get_appointment_for_person(person, appointment_id)
    form = RescheduleForm(request.POST or None)
    suggestion = None
    if request.method == "POST" and form.is_valid():
        try:
            booking.reschedule_appointment(
                appointment=appointment, person=person, starts_at=form.cleaned_data["start"]
            )
        except SlotUnavailable as error:
            form.add_error(None, error)
            suggestion = error.suggestion
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The appointment is moved. We emailed you both."))
            return redirect("scheduling:appointment", appointment_id=appointment.pk)
    week = _week(request)
    since = timezone.now() + timedelta(weeks=week)
    reading = bookable(appointment.practitioner)
    found = (
        reading.free_slots(
            appointment.session_type,
            since=since,
            until=since + timedelta(weeks=1),
            excluding=appointment,
        )
        if appointment.is_active
        else []
    )
    zone = zone_of(person)
    days = offers.group_by_day(found, zone=zone, session_type=appointment.session_type)
    context = _appointment_context(person, appointment) | {
        "form": form,
        "days": days,
        "suggestion": suggestion,
        "week": week,
        "previous_week": week - 1 if week > 0 else None,
        "next_week": week + 1 if (week + 1) * 7 < reading.schedule.horizon_days else None,
    }
    return TemplateResponse(request, "scheduling/reschedule_appointment.html", context)


def _back_url(request: HttpRequest, appointment: Appointment) -> str:
    if request.POST.get("next") == reverse(PRACTITIONER_LIST):
        return reverse(PRACTITIONER_LIST)
    return reverse("scheduling:appointment", kwargs={"appointment_id": appointment.pk})


def _back_to(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    return redirect(_back_url(request, appointment))


def _when(appointment: Appointment) -> str:
    """The appointment's start as the reader's pages show it (in their time zone)."""
    return reader_datetime(appointment.starts_at)


@role_required(Role.PRACTITIONER)
@require_POST
def confirm_appointment(request: HttpRequest, appointment_id: int) -> HttpResponse:
    practitioner = _person(request)
    appointment = get_appointment_for_person(practitioner, appointment_id)
    try:
        booking.confirm_appointment(appointment=appointment, practitioner=practitioner)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Confirmed. The client has been told."))
    return _back_to(request, appointment)


@role_required(Role.PRACTITIONER)
@require_POST
def decline_appointment(request: HttpRequest, appointment_id: int) -> HttpResponse:
    practitioner = _person(request)
    appointment = get_appointment_for_person(practitioner, appointment_id)
    form = EndAppointmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The reason can be at most 500 characters."))
        return _back_to(request, appointment)
    asking = ask_first(
        request,
        Danger(
            question=_("Decline the appointment on %(when)s?") % {"when": _when(appointment)},
            consequences=[
                _("The client is told by email, with your reason if you gave one."),
                _(
                    "The time is free again for others to book. A declined appointment "
                    "cannot be confirmed later."
                ),
            ],
            confirm=_("Decline the appointment"),
            back_url=_back_url(request, appointment),
        ),
    )
    if asking is not None:
        return asking
    try:
        booking.decline_appointment(
            appointment=appointment,
            practitioner=practitioner,
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Declined. The client has been told, and the time is free."))
    return _back_to(request, appointment)


@role_required(Role.PRACTITIONER)
@require_POST
def record_no_show(request: HttpRequest, appointment_id: int) -> HttpResponse:
    practitioner = _person(request)
    appointment = get_appointment_for_person(practitioner, appointment_id)
    asking = ask_first(
        request,
        Danger(
            question=_("Record that the client did not attend on %(when)s?")
            % {"when": _when(appointment)},
            consequences=[
                _("The appointment is recorded as missed by the client."),
                _("It cannot be changed back afterwards."),
            ],
            confirm=_("Record that the client did not attend"),
            back_url=_back_url(request, appointment),
        ),
    )
    if asking is not None:
        return asking
    try:
        booking.record_no_show(appointment=appointment, practitioner=practitioner)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Recorded: the client did not attend."))
    return _back_to(request, appointment)
