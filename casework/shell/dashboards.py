"""What needs a person now, for the top of their overview page.

A client sees her next appointment, due check-ins, unread messages and the consents she has
still to give; a practitioner sees urgent flags, bookings to confirm, clients awaiting a
decision on online work, clients who have just consented and wait for a first session, unread
messages and today's sessions. Each list is one query and
costs the same for one item or five hundred (``shell/tests/test_dashboards.py``).
"""

import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Q, Subquery

from casework.accounts.models import User
from casework.care.models import (
    OPEN_STATUSES,
    Case,
    CheckIn,
    CheckInStatus,
    Consent,
    OnlineSuitability,
    Technology,
    UrgentFlag,
)
from casework.messaging.queries import unread_total
from casework.scheduling.models import ACTIVE_STATUSES, Appointment, AppointmentStatus

SHOWN = 10  # items per list; the list's own page has the rest
# A client's first consent stays on the practitioner's overview this long, until a first
# session is held: past that the case has either started off the overview or gone quiet, and
# the caseload (which ranks the longest without contact high) is where it shows.
FIRST_SESSION_WINDOW = timedelta(days=30)


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
    # Clients who consented (the last step before the work starts) and have had no session
    # since; each case carries ``consented_at`` and ``next_session`` (None when none is booked).
    ready_for_first_session: Sequence[Case] = field(default_factory=list)


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


def _ready_for_first_session(person: User, *, now: datetime) -> list[Case]:
    """Open cases of ``person`` whose client first consented within ``FIRST_SESSION_WINDOW``,
    still consents to something, and has had no confirmed session since: the first hour's last
    step (confirm, suitability, consent, first session). One query, newest consent first."""
    pair = {"practitioner": OuterRef("practitioner"), "client": OuterRef("client")}
    # The first consent, withdrawn or not: a renewed text (a new consent row) is no new start.
    first_consent = Consent.objects.filter(case=OuterRef("pk")).order_by("given_at")
    held_since = Appointment.objects.filter(
        **pair,
        status=AppointmentStatus.CONFIRMED,
        starts_at__gte=OuterRef("consented_at"),
        starts_at__lte=now,
    )
    next_session = Appointment.objects.filter(
        **pair, status__in=ACTIVE_STATUSES, starts_at__gt=now
    ).order_by("starts_at")
    return list(
        Case.objects.filter(
            practitioner=person,
            status__in=OPEN_STATUSES,
            online_suitability=OnlineSuitability.SUITABLE,
        )
        .annotate(consented_at=Subquery(first_consent.values("given_at")[:1]))
        .filter(consented_at__gte=now - FIRST_SESSION_WINDOW)
        .filter(Exists(Consent.objects.filter(case=OuterRef("pk"), withdrawn_at__isnull=True)))
        .exclude(Exists(held_since))
        .annotate(next_session=Subquery(next_session.values("starts_at")[:1]))
        .select_related("client")
        .order_by("-consented_at")[:SHOWN]
    )


def practitioner_needs(person: User, *, now: datetime) -> PractitionerNeeds:
    """Six queries: urgent flags, bookings to confirm, suitability to decide, clients ready
    for a first session, unread messages, today's sessions (today in the practitioner's own
    time zone)."""
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
        ready_for_first_session=_ready_for_first_session(person, now=now),
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
