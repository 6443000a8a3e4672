"""What scheduling does when a practitioner's standing changes (registry.standing_changed).

Runs inside the transaction that changed the standing. New bookings stop by themselves (the
booking service reads standing); here the next free slot follows at once, and when standing is
lost each client with an upcoming appointment is told in plain words, once, by email after
commit. Appointments are not cancelled: a suspension may be lifted, and the client decides.
"""

from typing import Any

from django.db.models import F
from django.utils import timezone

from casework.accounts.models import User
from casework.privacy.audit import record_event
from casework.scheduling.freshness import refresh_next_free
from casework.scheduling.models import PractitionerSchedule
from casework.scheduling.notices import Notice, notify_on_commit
from casework.scheduling.queries import active_appointments, schedule_of


def follow_standing(
    sender: Any, *, practitioner: User, in_good_standing: bool, reason: str, **kwargs: Any
) -> None:
    schedule = schedule_of(practitioner)
    if in_good_standing:
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
        active_appointments(practitioner)
        .filter(starts_at__gt=now)
        .select_related("client")
        .order_by(F("starts_at").asc())
    )
    for appointment in upcoming:
        record_event(
            action="scheduling.client_told_standing_changed",
            target=appointment,
            subject_id=appointment.client_id,
            detail={"reason": reason},
        )
        notify_on_commit(appointment, [appointment.client], Notice.STANDING_CHANGED)
