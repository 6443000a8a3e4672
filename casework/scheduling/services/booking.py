"""Booking and everything that happens to an appointment afterwards.

Each function is one transaction that writes its audit event and emits its domain event (what
follows, such as the emails and the opening of a case, is in casework/events/subscribers.py).
No double booking: the practitioner's schedule row is locked while a booking is checked and
written, so bookings of one practitioner queue (which also keeps the per-day maximum true), and
the database refuses overlapping active appointments whatever happens (exclusion constraint on
PostgreSQL, trigger on SQLite; migration 0003). The refusal becomes "this time was just taken",
with the next free time.
"""

import uuid
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.accounts.models import Role, User
from casework.events import catalogue as events
from casework.events.outbox import emit
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.registry.models import Jurisdiction
from casework.registry.standing import in_good_standing, may_practise_where
from casework.safety.blocks import is_blocked_between
from casework.safety.restrictions import RESTRICTED_MESSAGE, is_restricted
from casework.scheduling import slots
from casework.scheduling.freshness import refresh_next_free
from casework.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    PractitionerSchedule,
    SessionType,
)
from casework.scheduling.queries import bookable, schedule_of
from casework.scheduling.reasons import seal_reason
from casework.scheduling.tasks import plan_reminders

# The name the database gives the no-overlap guarantee, in both engines (migration 0003).
NO_DOUBLE_BOOKING = "scheduling_no_double_booking"


class SlotUnavailable(ValidationError):
    """A time that cannot be booked, with the next free time of the same session, if any."""

    def __init__(self, message: str, *, code: str, suggestion: datetime | None) -> None:
        super().__init__(message, code=code)
        self.suggestion = suggestion


def is_double_booking(error: IntegrityError) -> bool:
    return NO_DOUBLE_BOOKING in str(error)


def next_free_after(session_type: SessionType, after: datetime) -> datetime | None:
    found = bookable(session_type.practitioner).free_slots(
        session_type, since=after + timedelta(minutes=1), limit=1
    )
    return found[0].starts_at if found else None


def explain_unavailable(
    check: slots.SlotCheck, session_type: SessionType, at: datetime
) -> SlotUnavailable:
    messages = {
        slots.SlotCheck.NOT_OFFERED: _("This time is not available. Please choose another."),
        slots.SlotCheck.DAY_FULL: _("This day is fully booked. Please choose another day."),
        slots.SlotCheck.TAKEN: _("This time was just taken. Please choose another."),
    }
    return SlotUnavailable(
        messages[check], code=str(check), suggestion=next_free_after(session_type, at)
    )


def _taken(session_type: SessionType, at: datetime) -> SlotUnavailable:
    return explain_unavailable(slots.SlotCheck.TAKEN, session_type, at)


def refuse_unless_practitioner_bookable(practitioner: User) -> None:
    if practitioner.role != Role.PRACTITIONER or not practitioner.is_active:
        raise ValidationError(
            _("This social worker is not taking bookings on Casework."), code="blocked"
        )
    if is_restricted(practitioner):  # a moderator's decision: no new bookings for now
        raise ValidationError(
            _("This social worker is not taking bookings on Casework."), code="restricted"
        )
    if not in_good_standing(practitioner):
        raise ValidationError(
            _(
                "This social worker cannot take new bookings at the moment: their registration "
                "is not in good standing."
            ),
            code="standing",
        )


def refuse_unless_client_may_book(client: User) -> None:
    if client.role != Role.CLIENT or not client.is_active:
        raise ValidationError(_("Only clients can book appointments."), code="not_client")
    if is_restricted(client):
        raise ValidationError(str(RESTRICTED_MESSAGE), code="restricted")
    if not EmailAddress.objects.filter(user=client, verified=True).exists():
        raise ValidationError(
            _("Please verify your email address before booking."), code="unverified"
        )


def refuse_unless_may_practise(practitioner: User, where: Jurisdiction | None) -> Jurisdiction:
    if where is None:
        raise ValidationError(
            _("Tell us where you will be during the session."), code="where_missing"
        )
    answer = may_practise_where(practitioner, where)
    if not answer.allowed:
        raise ValidationError(answer.reason, code="jurisdiction")
    return where


def _lock_schedule(practitioner: User) -> PractitionerSchedule:
    schedule_of(practitioner)
    return PractitionerSchedule.objects.select_for_update().get(practitioner=practitioner)


def is_first_session(practitioner: User, client: User) -> bool:
    return not Appointment.objects.filter(
        practitioner=practitioner,
        client=client,
        status__in=[AppointmentStatus.CONFIRMED, AppointmentStatus.NO_SHOW],
    ).exists()


def book_appointment(
    *,
    client: User,
    session_type: SessionType,
    starts_at: datetime,
    where: Jurisdiction | None,
    idempotency_key: uuid.UUID,
) -> Appointment:
    """Book a slot for a client under their alias. A retried submit (same key) returns the
    appointment the first one made. Raises ValidationError (SlotUnavailable for the time)."""
    earlier = Appointment.objects.filter(client=client, idempotency_key=idempotency_key).first()
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            return _book(client, session_type, starts_at, where, idempotency_key)
    except IntegrityError as error:
        earlier = Appointment.objects.filter(client=client, idempotency_key=idempotency_key).first()
        if earlier is not None:
            return earlier
        if is_double_booking(error):
            raise _taken(session_type, starts_at) from error
        raise


def _book(
    client: User,
    session_type: SessionType,
    starts_at: datetime,
    where: Jurisdiction | None,
    idempotency_key: uuid.UUID,
) -> Appointment:
    practitioner = session_type.practitioner
    refuse_unless_client_may_book(client)
    schedule = _lock_schedule(practitioner)
    # The same submit may have been booking in parallel, and committed while this one waited
    # for the lock.
    earlier = Appointment.objects.filter(client=client, idempotency_key=idempotency_key).first()
    if earlier is not None:
        return earlier
    refuse_unless_practitioner_bookable(practitioner)
    if is_blocked_between(client, practitioner):
        # Said alike whoever blocked whom.
        raise ValidationError(_("You cannot book this social worker."), code="blocked")
    if not session_type.active:
        raise ValidationError(_("This session is no longer offered."), code="session_withdrawn")
    place = refuse_unless_may_practise(practitioner, where)
    check = bookable(practitioner).check(session_type, starts_at)
    if check != slots.SlotCheck.FREE:
        raise explain_unavailable(check, session_type, starts_at)
    first = is_first_session(practitioner, client)
    needs_confirmation = first and schedule.confirm_first_sessions
    now = timezone.now()
    ends_at = starts_at + session_type.duration
    appointment = Appointment.objects.create(
        practitioner=practitioner,
        client=client,
        session_type=session_type,
        modality=session_type.modality,
        duration_minutes=session_type.duration_minutes,
        price=session_type.price,
        currency=session_type.currency,
        starts_at=starts_at,
        ends_at=ends_at,
        blocked_from=starts_at - schedule.buffer_before,
        blocked_until=ends_at + schedule.buffer_after,
        status=(AppointmentStatus.REQUESTED if needs_confirmation else AppointmentStatus.CONFIRMED),
        confirmed_at=None if needs_confirmation else now,
        first_session=first,
        client_location=place,
        idempotency_key=idempotency_key,
    )
    record_event(
        action=actions.SCHEDULING_APPOINTMENT_BOOKED,
        actor=client,
        target=appointment,
        subject_id=client.pk,
        detail={"status": appointment.status, "where": place.code},
    )
    if not needs_confirmation:
        plan_reminders(appointment, now=now)
    refresh_next_free(practitioner, now=now)
    parties = {
        "appointment_id": appointment.pk,
        "client_id": client.pk,
        "practitioner_id": practitioner.pk,
    }
    if needs_confirmation:
        emit(events.AppointmentRequested(**parties))
    else:
        emit(events.AppointmentConfirmed(**parties, at_booking=True))
    return appointment


def _parties(appointment: Appointment) -> dict[str, int]:
    return {
        "appointment_id": appointment.pk,
        "client_id": appointment.client_id,
        "practitioner_id": appointment.practitioner_id,
    }


def _locked(appointment: Appointment) -> Appointment:
    return Appointment.objects.select_for_update().get(pk=appointment.pk)


def _refuse_unless_party(appointment: Appointment, person: User) -> None:
    # Views reach appointments through access.py; this guards every other caller too.
    if person.pk not in (appointment.client_id, appointment.practitioner_id):
        raise ValidationError(_("This is not your appointment."), code="not_party")


def confirm_appointment(*, appointment: Appointment, practitioner: User) -> Appointment:
    with transaction.atomic():
        appointment = _locked(appointment)
        if appointment.practitioner_id != practitioner.pk:
            raise ValidationError(_("Only the practitioner confirms a booking."), code="not_party")
        if appointment.status != AppointmentStatus.REQUESTED:
            raise ValidationError(_("This booking is not waiting for confirmation."))
        now = timezone.now()
        if appointment.starts_at <= now:
            raise ValidationError(_("This appointment's time has passed."))
        if is_blocked_between(appointment.client_id, practitioner):
            # Either may have blocked the other since the request; said alike either way.
            raise ValidationError(
                _(
                    "Contact between you and this client is blocked, so this booking cannot be "
                    "confirmed. You can decline it."
                ),
                code="blocked",
            )
        appointment.status = AppointmentStatus.CONFIRMED
        appointment.confirmed_at = now
        appointment.sequence += 1
        appointment.save(update_fields=["status", "confirmed_at", "sequence", "updated_at"])
        record_event(
            action=actions.SCHEDULING_APPOINTMENT_CONFIRMED,
            actor=practitioner,
            target=appointment,
            subject_id=appointment.client_id,
        )
        plan_reminders(appointment, now=now)
        emit(events.AppointmentConfirmed(**_parties(appointment), at_booking=False))
    return appointment


def decline_appointment(
    *, appointment: Appointment, practitioner: User, reason: str = ""
) -> Appointment:
    with transaction.atomic():
        appointment = _locked(appointment)
        if appointment.practitioner_id != practitioner.pk:
            raise ValidationError(_("Only the practitioner declines a booking."), code="not_party")
        if appointment.status != AppointmentStatus.REQUESTED:
            raise ValidationError(_("This booking is not waiting for confirmation."))
        _end(appointment, AppointmentStatus.DECLINED, practitioner, reason)
        record_event(
            action=actions.SCHEDULING_APPOINTMENT_DECLINED,
            actor=practitioner,
            target=appointment,
            subject_id=appointment.client_id,
            # The words stay on the appointment; the audit log, which is never erased, keeps
            # only that there were some (a reason may say something about someone's health).
            detail={"with_reason": bool(appointment.end_reason)},
        )
        refresh_next_free(appointment.practitioner)
        emit(events.AppointmentDeclined(**_parties(appointment)))
    return appointment


def _end(appointment: Appointment, status: str, person: User, reason: str) -> None:
    appointment.status = status
    appointment.ended_at = timezone.now()
    appointment.ended_by = person
    appointment.end_reason = seal_reason(
        client_id=appointment.client_id, appointment_uid=appointment.uid, reason=reason.strip()
    )
    appointment.sequence += 1
    appointment.save(
        update_fields=[
            "status",
            "ended_at",
            "ended_by",
            "end_reason",
            "sequence",
            "late_cancellation",
            "updated_at",
        ]
    )


def is_late_for_client(appointment: Appointment, *, now: datetime | None = None) -> bool:
    """Inside the practitioner's cancellation notice: a client may still cancel (recorded as
    late), but no longer reschedule online."""
    schedule = schedule_of(appointment.practitioner)
    notice = timedelta(hours=schedule.cancellation_notice_hours)
    return appointment.starts_at - (now or timezone.now()) < notice


def cancel_appointment(*, appointment: Appointment, person: User, reason: str = "") -> Appointment:
    """Either party cancels before the start. A client's cancellation inside the practitioner's
    notice goes through and is recorded as late (their policy may charge for it): refusing it
    would only turn it into a no-show and keep the time from someone else."""
    with transaction.atomic():
        appointment = _locked(appointment)
        _refuse_unless_party(appointment, person)
        if appointment.status not in ACTIVE_STATUSES:
            raise ValidationError(_("This appointment is no longer open."))
        now = timezone.now()
        if appointment.starts_at <= now:
            raise ValidationError(
                _("This appointment has already started, so it can no longer be cancelled.")
            )
        by_client = person.pk == appointment.client_id
        appointment.late_cancellation = by_client and is_late_for_client(appointment, now=now)
        _end(appointment, AppointmentStatus.CANCELLED, person, reason)
        record_event(
            action=actions.SCHEDULING_APPOINTMENT_CANCELLED,
            actor=person,
            target=appointment,
            subject_id=appointment.client_id,
            detail={
                "late": appointment.late_cancellation,
                "by_client": by_client,
                "with_reason": bool(appointment.end_reason),
            },
        )
        refresh_next_free(appointment.practitioner)
        emit(events.AppointmentCancelled(**_parties(appointment)))
    return appointment


def cancel_appointments_for_block(*, blocker_id: int, blocked_id: int) -> list[Appointment]:
    """End every open appointment between two people after one blocked the other.

    Neutral by design: no reason is kept, none is late (no fee is due for it), and the notice
    both receive is the ordinary "cancelled" one, so the blocked person learns only that the
    appointment was cancelled. Appointments already under way are left to end by themselves.
    """
    pair = Q(client_id=blocker_id, practitioner_id=blocked_id) | Q(
        client_id=blocked_id, practitioner_id=blocker_id
    )
    cancelled = []
    with transaction.atomic():
        now = timezone.now()
        open_ones = (
            Appointment.objects.select_for_update()
            .filter(pair, status__in=ACTIVE_STATUSES, starts_at__gt=now)
            .order_by("starts_at")
        )
        blocker = User.objects.get(pk=blocker_id)
        for appointment in open_ones:
            appointment.late_cancellation = False
            _end(appointment, AppointmentStatus.CANCELLED, blocker, "")
            record_event(
                action=actions.SCHEDULING_APPOINTMENT_CANCELLED,
                target=appointment,
                subject_id=appointment.client_id,
                detail={"late": False, "because_of_a_block": True, "with_reason": False},
            )
            emit(events.AppointmentCancelled(**_parties(appointment)))
            cancelled.append(appointment)
        if cancelled:
            refresh_next_free(cancelled[0].practitioner)
    return cancelled


def reschedule_appointment(
    *, appointment: Appointment, person: User, starts_at: datetime
) -> Appointment:
    """Move an open appointment to another free slot of the same session. The client may do it
    until the practitioner's cancellation notice; the practitioner until the start. Moving to
    where it already is changes nothing, so a retried submit is harmless."""
    try:
        with transaction.atomic():
            return _reschedule(appointment, person, starts_at)
    except IntegrityError as error:
        if is_double_booking(error):
            raise _taken(appointment.session_type, starts_at) from error
        raise


def _reschedule(appointment: Appointment, person: User, starts_at: datetime) -> Appointment:
    schedule = _lock_schedule(appointment.practitioner)
    appointment = _locked(appointment)
    _refuse_unless_party(appointment, person)
    if appointment.status not in ACTIVE_STATUSES:
        raise ValidationError(_("This appointment is no longer open."))
    if appointment.starts_at == starts_at:
        return appointment
    if is_blocked_between(appointment.client_id, appointment.practitioner_id):
        # A block stops all contact, so the pair makes no new arrangement; cancelling stays open.
        raise ValidationError(
            _(
                "Contact between you is blocked, so this appointment cannot be moved. You can "
                "still cancel it."
            ),
            code="blocked",
        )
    now = timezone.now()
    by_client = person.pk == appointment.client_id
    if appointment.starts_at <= now:
        raise ValidationError(_("This appointment has already started."))
    if by_client and is_late_for_client(appointment, now=now):
        raise ValidationError(
            _(
                "It is less than %(hours)s hours before the appointment, so it can no longer be "
                "moved online. You can still cancel it."
            )
            % {"hours": schedule.cancellation_notice_hours},
            code="too_late",
        )
    if by_client:
        refuse_unless_practitioner_bookable(appointment.practitioner)
    session_type = appointment.session_type
    check = bookable(appointment.practitioner).check(
        session_type, starts_at, now=now, excluding=appointment
    )
    if check != slots.SlotCheck.FREE:
        raise explain_unavailable(check, session_type, starts_at)
    previous = appointment.starts_at
    appointment.starts_at = starts_at
    appointment.ends_at = starts_at + timedelta(minutes=appointment.duration_minutes)
    appointment.blocked_from = starts_at - schedule.buffer_before
    appointment.blocked_until = appointment.ends_at + schedule.buffer_after
    appointment.sequence += 1
    appointment.save(
        update_fields=[
            "starts_at",
            "ends_at",
            "blocked_from",
            "blocked_until",
            "sequence",
            "updated_at",
        ]
    )
    record_event(
        action=actions.SCHEDULING_APPOINTMENT_RESCHEDULED,
        actor=person,
        target=appointment,
        subject_id=appointment.client_id,
        detail={"from": previous.isoformat(), "to": starts_at.isoformat()},
    )
    if appointment.status == AppointmentStatus.CONFIRMED:
        plan_reminders(appointment, now=now)
    refresh_next_free(appointment.practitioner, now=now)
    emit(events.AppointmentRescheduled(**_parties(appointment)))
    return appointment


def record_no_show(*, appointment: Appointment, practitioner: User) -> Appointment:
    with transaction.atomic():
        appointment = _locked(appointment)
        if appointment.practitioner_id != practitioner.pk:
            raise ValidationError(_("Only the practitioner records a no-show."), code="not_party")
        if appointment.status != AppointmentStatus.CONFIRMED:
            raise ValidationError(_("Only a confirmed appointment can be marked as missed."))
        if appointment.starts_at > timezone.now():
            raise ValidationError(_("A no-show can be recorded once the appointment has begun."))
        _end(appointment, AppointmentStatus.NO_SHOW, practitioner, "")
        record_event(
            action=actions.SCHEDULING_NO_SHOW_RECORDED,
            actor=practitioner,
            target=appointment,
            subject_id=appointment.client_id,
        )
        emit(events.AppointmentNoShowRecorded(**_parties(appointment)))
    return appointment
