"""Reading a practitioner's availability from the database into the pure slot functions."""

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from casework.accounts.models import User
from casework.scheduling import slots
from casework.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AvailabilityException,
    AvailabilityWindow,
    PractitionerSchedule,
    SessionType,
)


def zone_of(person: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(person.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def schedule_of(practitioner: User) -> PractitionerSchedule:
    schedule, _created = PractitionerSchedule.objects.get_or_create(practitioner=practitioner)
    return schedule


def availability_of(practitioner: User) -> slots.Availability:
    windows = [
        slots.WeeklyWindow(w.weekday, w.start_minute, w.end_minute)
        for w in AvailabilityWindow.objects.filter(practitioner=practitioner)
    ]
    today = timezone.now().astimezone(zone_of(practitioner)).date()
    exceptions = [
        slots.DateException(
            on=e.on,
            extra_hours=e.kind == AvailabilityException.Kind.EXTRA_HOURS,
            start_minute=e.start_minute,
            end_minute=e.end_minute,
        )
        for e in AvailabilityException.objects.filter(
            practitioner=practitioner, on__gte=today - timedelta(days=1)
        )
    ]
    return slots.Availability(windows, exceptions)


def rules_for(
    schedule: PractitionerSchedule, session_type: SessionType, zone: zoneinfo.ZoneInfo
) -> slots.Rules:
    return slots.Rules(
        zone=zone,
        duration=session_type.duration,
        interval=timedelta(minutes=schedule.slot_interval_minutes),
        buffer_before=schedule.buffer_before,
        buffer_after=schedule.buffer_after,
        minimum_notice=timedelta(hours=schedule.minimum_notice_hours),
        horizon=timedelta(days=schedule.horizon_days),
        max_per_day=schedule.max_per_day,
    )


def active_appointments(practitioner: User) -> QuerySet[Appointment]:
    return Appointment.objects.filter(practitioner=practitioner, status__in=ACTIVE_STATUSES)


def busy_of(
    practitioner: User,
    since: datetime,
    until: datetime,
    excluding: Appointment | None = None,
) -> list[slots.Busy]:
    """Active appointments that could touch ``[since, until]``: a day either side, so that
    buffers and the per-day count of the practitioner's local days are complete."""
    appointments = active_appointments(practitioner).filter(
        blocked_until__gt=since - timedelta(days=1), blocked_from__lt=until + timedelta(days=1)
    )
    if excluding is not None:
        appointments = appointments.exclude(pk=excluding.pk)
    return [
        slots.Busy(starts_at, blocked_from, blocked_until)
        for starts_at, blocked_from, blocked_until in appointments.values_list(
            "starts_at", "blocked_from", "blocked_until"
        )
    ]


@dataclass(frozen=True)
class Bookable:
    """Everything the slot functions need about one practitioner, read once."""

    practitioner: User
    schedule: PractitionerSchedule
    zone: zoneinfo.ZoneInfo
    availability: slots.Availability

    def rules(self, session_type: SessionType) -> slots.Rules:
        return rules_for(self.schedule, session_type, self.zone)

    def free_slots(
        self,
        session_type: SessionType,
        *,
        now: datetime | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
        excluding: Appointment | None = None,
    ) -> list[slots.Slot]:
        now = now or timezone.now()
        rules = self.rules(session_type)
        low = max(now, since) if since else now
        high = min(now + rules.horizon, until) if until else now + rules.horizon
        return slots.free_slots(
            availability=self.availability,
            rules=rules,
            busy=busy_of(self.practitioner, low, high, excluding=excluding),
            now=now,
            since=since,
            until=until,
            limit=limit,
        )

    def check(
        self,
        session_type: SessionType,
        starts_at: datetime,
        *,
        now: datetime | None = None,
        excluding: Appointment | None = None,
    ) -> slots.SlotCheck:
        return slots.check_slot(
            starts_at=starts_at,
            availability=self.availability,
            rules=self.rules(session_type),
            busy=busy_of(self.practitioner, starts_at, starts_at, excluding=excluding),
            now=now or timezone.now(),
        )


def bookable(practitioner: User) -> Bookable:
    return Bookable(
        practitioner=practitioner,
        schedule=schedule_of(practitioner),
        zone=zone_of(practitioner),
        availability=availability_of(practitioner),
    )


def offered_session_types(practitioner: User) -> QuerySet[SessionType]:
    return SessionType.objects.filter(practitioner=practitioner, active=True)


def next_free_slot(practitioner: User, now: datetime | None = None) -> datetime | None:
    """The earliest bookable start over every session type offered."""
    session_types = list(offered_session_types(practitioner))
    if not session_types:
        return None
    reading = bookable(practitioner)
    if not reading.availability.windows and not reading.availability.exceptions:
        return None
    earliest = [
        found[0].starts_at
        for session_type in session_types
        if (found := reading.free_slots(session_type, now=now, limit=1))
    ]
    return min(earliest, default=None)
