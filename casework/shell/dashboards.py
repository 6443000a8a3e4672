"""What needs a person now, for the top of their overview page.

A client sees her next appointment, due check-ins, unread messages and the consents she has
still to give; a practitioner sees urgent flags, bookings to confirm, clients awaiting a
decision on online work, unread messages and today's sessions. Each list is one query and
costs the same for one item or five hundred (``shell/tests/test_dashboards.py``).
"""

import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db.models import Count, Q

from casework.accounts.models import User
from casework.care.models import (
    OPEN_STATUSES,
    Case,
    CheckIn,
    CheckInStatus,
    OnlineSuitability,
    Technology,
    UrgentFlag,
)
from casework.messaging.queries import unread_total
from casework.scheduling.models import ACTIVE_STATUSES, Appointment, AppointmentStatus

SHOWN = 10  # items per list; the list's own page has the rest


@dataclass(frozen=True)
class ClientNeeds:
    next_appointment: Appointment | None
    due_check_ins: list[CheckIn]
    unread: int
    # Open cases where online work was found suitable and consent is still missing.
    consents_to_give: Sequence[Case] = field(default_factory=list)


@dataclass(frozen=True)
class PractitionerNeeds:
    urgent_flags: int
    to_confirm: list[Appointment]
    awaiting_suitability: list[Case]
    unread: int
    today: list[Appointment]


def _zone(person: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(person.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def client_needs(person: User, *, now: datetime) -> ClientNeeds:
    """Four queries: the next appointment, due check-ins, unread messages, consents."""
    next_appointment = (
        Appointment.objects.filter(client=person, status__in=ACTIVE_STATUSES, ends_at__gt=now)
        .select_related("practitioner", "session_type")
        .order_by("starts_at")
        .first()
    )
    due = list(
        CheckIn.objects.filter(
            case__client=person,
            case__status__in=OPEN_STATUSES,
            status=CheckInStatus.OPEN,
            due_at__lte=now,
            expires_at__gt=now,
        )
        .select_related("plan")
        .order_by("expires_at")[:SHOWN]
    )
    consents_to_give = list(
        Case.objects.filter(
            client=person,
            status__in=OPEN_STATUSES,
            online_suitability=OnlineSuitability.SUITABLE,
        )
        .annotate(live=Count("consents", filter=Q(consents__withdrawn_at__isnull=True)))
        .filter(live__lt=len(Technology.values))
        .select_related("practitioner")
        .order_by("opened_at")[:SHOWN]
    )
    return ClientNeeds(
        next_appointment=next_appointment,
        due_check_ins=due,
        unread=unread_total(person),
        consents_to_give=consents_to_give,
    )


def practitioner_needs(person: User, *, now: datetime) -> PractitionerNeeds:
    """Five queries: urgent flags, bookings to confirm, suitability to decide, unread
    messages, today's sessions (today in the practitioner's own time zone)."""
    zone = _zone(person)
    today = now.astimezone(zone).date()
    day_starts = datetime.combine(today, time.min, tzinfo=zone)
    day_ends = datetime.combine(today + timedelta(days=1), time.min, tzinfo=zone)
    return PractitionerNeeds(
        urgent_flags=UrgentFlag.objects.filter(
            case__practitioner=person,
            case__status__in=OPEN_STATUSES,
            acknowledged_at__isnull=True,
        ).count(),
        to_confirm=list(
            Appointment.objects.filter(
                practitioner=person, status=AppointmentStatus.REQUESTED, starts_at__gt=now
            )
            .select_related("client")
            .order_by("starts_at")[:SHOWN]
        ),
        awaiting_suitability=list(
            Case.objects.filter(
                practitioner=person,
                status__in=OPEN_STATUSES,
                online_suitability=OnlineSuitability.UNASSESSED,
            )
            .select_related("client")
            .order_by("opened_at")[:SHOWN]
        ),
        unread=unread_total(person),
        today=list(
            Appointment.objects.filter(
                practitioner=person,
                status__in=ACTIVE_STATUSES,
                starts_at__gte=day_starts,
                starts_at__lt=day_ends,
            )
            .select_related("client")
            .order_by("starts_at")
        ),
    )
