"""What scheduling does when something happened (see casework/events/subscribers.py).

Each reaction runs in the relay's transaction after the change committed, once per event.
Appointment emails are composed here, one per recipient in their own language and zone, and
sealed into the outbox in that transaction; the task queue sends them.
"""

from django.db.models import F
from django.utils import timezone

from casework.accounts.models import User
from casework.emails import queue_notice
from casework.events import catalogue as e
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.scheduling.freshness import refresh_next_free
from casework.scheduling.models import Appointment, PractitionerSchedule
from casework.scheduling.notices import Notice, compose
from casework.scheduling.queries import active_appointments, schedule_of
from casework.scheduling.services.booking import cancel_appointments_for_block


def _tell(appointment_id: int, recipient_ids: list[int], notice: Notice) -> None:
    appointment = Appointment.objects.filter(pk=appointment_id).first()
    if appointment is None:
        return
    for recipient_id in recipient_ids:
        recipient = User.objects.filter(pk=recipient_id, is_active=True).first()
        if recipient is not None:
            queue_notice(compose(appointment, recipient, notice), kind=f"scheduling.{notice}")


def tell_requested(event: e.AppointmentRequested) -> None:
    _tell(event.appointment_id, [event.client_id, event.practitioner_id], Notice.REQUESTED)


def tell_confirmed(event: e.AppointmentConfirmed) -> None:
    if event.at_booking:
        _tell(event.appointment_id, [event.client_id, event.practitioner_id], Notice.BOOKED)
    else:
        _tell(event.appointment_id, [event.client_id], Notice.CONFIRMED)


def tell_declined(event: e.AppointmentDeclined) -> None:
    _tell(event.appointment_id, [event.client_id], Notice.DECLINED)


def tell_cancelled(event: e.AppointmentCancelled) -> None:
    _tell(event.appointment_id, [event.client_id, event.practitioner_id], Notice.CANCELLED)


def tell_rescheduled(event: e.AppointmentRescheduled) -> None:
    _tell(event.appointment_id, [event.client_id, event.practitioner_id], Notice.RESCHEDULED)


def follow_standing(event: e.StandingChanged) -> None:
    """New bookings stop by themselves (the booking service reads standing); here the next
    free slot follows, and when standing is lost each client with an upcoming appointment is
    told in plain words, once. Appointments are not cancelled: a suspension may be lifted, and
    the client decides."""
    practitioner = User.objects.get(pk=event.practitioner_id)
    schedule = schedule_of(practitioner)
    if event.in_good_standing:
        PractitionerSchedule.objects.filter(pk=schedule.pk).update(standing_lost_at=None)
        refresh_next_free(practitioner)
        return
    # Only the change from good standing to not tells clients: a second registration
    # suspended later in the same state changes nothing for them.
    now = timezone.now()
    first_loss = PractitionerSchedule.objects.filter(
        pk=schedule.pk, standing_lost_at__isnull=True
    ).update(standing_lost_at=now)
    refresh_next_free(practitioner)
    if not first_loss:
        return
    upcoming = (
        active_appointments(practitioner).filter(starts_at__gt=now).order_by(F("starts_at").asc())
    )
    for appointment in upcoming:
        record_event(
            action=actions.SCHEDULING_CLIENT_TOLD_STANDING_CHANGED,
            target=appointment,
            subject_id=appointment.client_id,
            detail={"reason": event.reason},
        )
        _tell(appointment.pk, [appointment.client_id], Notice.STANDING_CHANGED)


def cancel_for_block(event: e.PersonBlocked) -> None:
    """Blocked people do not meet: their open appointments end, with the usual cancellation
    notice to both (it says only that the appointment was cancelled)."""
    cancel_appointments_for_block(blocker_id=event.blocker_id, blocked_id=event.blocked_id)
