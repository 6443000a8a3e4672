"""Background work of scheduling: reminders (the next free slot's refresh is in freshness.py;
the other appointment emails are composed by ``reactions.py``)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks import task

from casework.accounts.models import User
from casework.accounts.zones import zone_label
from casework.dates import reader_date, reader_time
from casework.emails import send_now
from casework.pushes import queue_push
from casework.scheduling.calendar import appointment_link
from casework.scheduling.models import (
    Appointment,
    AppointmentStatus,
    Reminder,
)
from casework.scheduling.notices import SUBJECTS, Notice, compose
from casework.scheduling.queries import zone_of
from casework.shell.task_queue import queue_with_the_change

# A reminder that a stopped worker left unsent is still worth sending this long after it was
# due, as long as the appointment has not started.
REMINDER_GRACE = timedelta(hours=6)


def reminder_offsets() -> tuple[timedelta, ...]:
    """How long before an appointment each reminder goes out (BOOKING_REMINDER_OFFSETS)."""
    offsets = getattr(
        settings, "BOOKING_REMINDER_OFFSETS", (timedelta(hours=24), timedelta(hours=1))
    )
    return tuple(sorted({offset for offset in offsets if offset > timedelta(0)}, reverse=True))


def plan_reminders(appointment: Appointment, *, now: datetime | None = None) -> None:
    """Create (or move) the appointment's reminders, inside the caller's transaction, and queue
    each for its time once that transaction commits."""
    now = now or timezone.now()
    for offset in reminder_offsets():
        due = appointment.starts_at - offset
        if due <= now:
            continue
        minutes = int(offset.total_seconds() // 60)
        reminder, _created = Reminder.objects.update_or_create(
            appointment=appointment,
            offset_minutes=minutes,
            defaults={
                "due_at": due,
                "sent_at": None,
                "client_emailed_at": None,
                "practitioner_emailed_at": None,
            },
        )
        _queue_reminder(reminder_id=reminder.pk, due=due)


def _queue_reminder(*, reminder_id: int, due: datetime) -> None:
    if not send_reminder.get_backend().supports_defer:
        return  # the sweep (send_due_reminders) sends it
    queue_with_the_change(
        send_reminder.using(run_after=due), reminder_id=reminder_id, due=due.isoformat()
    )


def claim_reminder(reminder_id: int, due: datetime | None, now: datetime) -> Reminder | None:
    """Mark the reminder sent in one UPDATE, or return None when another worker already did,
    the appointment moved (``due`` is stale), ended, or has begun."""
    claimable = Reminder.objects.filter(
        pk=reminder_id,
        sent_at__isnull=True,
        due_at__lte=now,
        due_at__gte=now - REMINDER_GRACE,
        appointment__status=AppointmentStatus.CONFIRMED,
        appointment__starts_at__gt=now,
    )
    if due is not None:
        claimable = claimable.filter(due_at=due)
    if claimable.update(sent_at=now) != 1:
        return None
    return Reminder.objects.select_related(
        "appointment", "appointment__client", "appointment__practitioner"
    ).get(pk=reminder_id)


def deliver_reminder(reminder: Reminder) -> None:
    appointment = reminder.appointment
    parties = [
        (appointment.client, "client_emailed_at"),
        (appointment.practitioner, "practitioner_emailed_at"),
    ]
    recipients = [person for person, _field in parties if person.is_active]
    try:
        for person, field in parties:
            if not person.is_active or getattr(reminder, field) is not None:
                continue  # emailed by an earlier try that failed on the other party
            send_now(compose(appointment, person, Notice.REMINDER), kind="scheduling.reminder")
            # Recorded at once, so that a retry after the next email fails skips this one.
            Reminder.objects.filter(pk=reminder.pk).update(**{field: timezone.now()})
    except Exception:
        # Not recorded (the vault refused it): release the claim so that the sweep tries again;
        # an email recorded but refused by the mail server is the relay's to send again.
        Reminder.objects.filter(pk=reminder.pk).update(sent_at=None)
        raise
    # Queued once every email is out; each device gets the reminder once (one delivery per
    # reminder and device), and a failed push neither stops nor repeats the emails.
    for person in recipients:
        push_reminder(reminder, person)


def push_reminder(reminder: Reminder, person: User) -> None:
    """The reminder on the person's subscribed devices: the time in their zone and a link."""
    appointment = reminder.appointment
    zone = zone_of(person)
    starts_at = appointment.starts_at
    with translation.override(person.language), timezone.override(zone):
        title = str(SUBJECTS[Notice.REMINDER])
        body = gettext("Your appointment starts at %(time)s on %(date)s (%(zone)s).") % {
            "time": reader_time(starts_at),
            "date": reader_date(starts_at, "day"),
            "zone": zone_label(zone.key),
        }
    queue_push(
        person,
        kind="scheduling.reminder",
        # A moved appointment's reminder is due at another time: a notice of its own.
        notice=f"scheduling.reminder:{reminder.pk}:{reminder.due_at:%Y%m%dT%H%M}:{person.pk}",
        title=title,
        body=body,
        url=appointment_link(appointment),
        # Kept for a device that is offline until the appointment starts, and no longer.
        expires_at=appointment.starts_at,
    )


@task()
def send_reminder(*, reminder_id: int, due: str) -> None:
    reminder = claim_reminder(reminder_id, datetime.fromisoformat(due), timezone.now())
    if reminder is not None:
        deliver_reminder(reminder)


@task()
def send_due_reminders() -> int:
    """Send every reminder that is due and unsent: for task backends that cannot defer, and
    for reminders whose task was lost."""
    now = timezone.now()
    sent = 0
    due_ids = Reminder.objects.filter(
        sent_at__isnull=True, due_at__lte=now, due_at__gte=now - REMINDER_GRACE
    ).values_list("pk", flat=True)
    for reminder_id in list(due_ids):
        reminder = claim_reminder(reminder_id, None, now)
        if reminder is not None:
            deliver_reminder(reminder)
            sent += 1
    return sent
