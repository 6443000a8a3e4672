"""When check-ins fall due: pure functions over a plan's rule and the client's time zone.

A plan asks every ``every_days`` days from ``starts_on`` at ``time_of_day`` on the client's own
wall clock, so a daily 19:00 check-in stays at 19:00 across daylight-saving changes. A wall-clock
time that does not exist on a spring-forward day is asked an hour later, as clocks show it.
"""

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from casework.care.models import Case

# How long a check-in stays answerable: until the next one is due, but never more than this.
LONGEST_WINDOW = timedelta(days=3)


def due_at(day: date, at: time, zone: zoneinfo.ZoneInfo) -> datetime:
    local = datetime.combine(day, at, tzinfo=zone)
    # Round trip through UTC normalises a time skipped by a clock change.
    return local.astimezone(UTC)


def next_due(
    *, starts_on: date, every_days: int, at: time, zone: zoneinfo.ZoneInfo, after: datetime
) -> datetime:
    """The first due instant strictly after ``after`` (UTC)."""
    if every_days < 1:
        raise ValueError("every_days must be at least 1")
    local_day = after.astimezone(zone).date()
    step = 0 if local_day < starts_on else (local_day - starts_on).days // every_days
    while True:
        candidate = due_at(starts_on + timedelta(days=step * every_days), at, zone)
        if candidate > after:
            return candidate
        step += 1


def window(every_days: int) -> timedelta:
    return min(timedelta(days=every_days), LONGEST_WINDOW)


def client_zone(case: Case) -> zoneinfo.ZoneInfo:
    """The client's own time zone (UTC when theirs is unknown): plans run on their clock."""
    try:
        return zoneinfo.ZoneInfo(case.client.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def client_today(case: Case) -> date:
    return timezone.now().astimezone(client_zone(case)).date()
