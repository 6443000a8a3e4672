"""Keeping ``PractitionerSchedule.next_free_at`` true as things change and as time passes.

The directory filters and sorts on it in its one query, so it must never go stale:

- every service that changes availability, session types, appointments or standing calls
  ``refresh_next_free`` inside its own transaction;
- each refresh also names the moment its answer stops being true on its own: when the next
  free slot falls inside the minimum notice (so it can no longer be booked), or a day later
  at most (the booking horizon moves on, so later slots appear). A task is queued for that
  moment with ``run_after``; it refreshes again and queues the next one. ``refresh_due_at``
  names the current task, so tasks superseded by a newer refresh end without queuing more.

A task backend that cannot defer (the immediate one in tests) queues nothing; the command
``refresh_free_slots`` recomputes every practitioner at once (after restoring a backup, for
instance).
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from casework.accounts.models import Role, User
from casework.registry.standing import in_good_standing
from casework.scheduling.models import PractitionerSchedule
from casework.scheduling.queries import next_free_slot, schedule_of
from casework.shell.page_cache import renew_public_pages
from casework.shell.task_queue import queue_with_the_change

# Later slots come into the horizon as days pass; look again at least this often.
LONGEST_WAIT = timedelta(days=1)


def may_take_bookings(practitioner: User) -> bool:
    return (
        practitioner.role == Role.PRACTITIONER
        and practitioner.is_active
        and in_good_standing(practitioner)
    )


def refresh_next_free(practitioner: User, *, now: datetime | None = None) -> datetime | None:
    now = now or timezone.now()
    schedule = schedule_of(practitioner)
    value = next_free_slot(practitioner, now) if may_take_bookings(practitioner) else None
    due = now + LONGEST_WAIT
    if value is not None:
        # The first moment that slot can no longer be booked.
        stops = value - timedelta(hours=schedule.minimum_notice_hours) + timedelta(minutes=1)
        due = min(due, stops)
    due = max(due, now + timedelta(minutes=1)).replace(second=0, microsecond=0)
    queue_next = due != schedule.refresh_due_at
    if value != schedule.next_free_at:
        # The directory's cards and the profile show it: visitors' kept pages are renewed
        # (also when time alone moved it, from the task below).
        renew_public_pages()
    PractitionerSchedule.objects.filter(pk=schedule.pk).update(
        next_free_at=value, refresh_due_at=due
    )
    if queue_next:
        _queue_refresh(practitioner_id=practitioner.pk, due=due)
    return value


def _queue_refresh(*, practitioner_id: int, due: datetime) -> None:
    if not refresh_next_free_slot.get_backend().supports_defer:
        return
    queue_with_the_change(
        refresh_next_free_slot.using(run_after=due),
        practitioner_id=practitioner_id,
        due=due.isoformat(),
    )


# The task lives beside the refresh it runs and queues again: in tasks.py it would import this
# module, which queues it.
@task()
def refresh_next_free_slot(*, practitioner_id: int, due: str) -> None:
    """Look at a practitioner's next free slot again, unless a newer refresh took over.

    Claiming the refresh (clearing ``refresh_due_at`` in one UPDATE) makes a redelivered task
    a no-op, and makes the refresh below queue the next task whatever it finds."""
    with transaction.atomic():
        claimed = PractitionerSchedule.objects.filter(
            practitioner_id=practitioner_id, refresh_due_at=datetime.fromisoformat(due)
        ).update(refresh_due_at=None)
        if not claimed:
            return
        refresh_next_free(User.objects.get(pk=practitioner_id))
