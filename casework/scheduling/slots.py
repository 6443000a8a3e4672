"""Free slots from weekly availability, date exceptions, booking rules and existing appointments.

Pure functions over ``zoneinfo``; no database. The rules, in the practitioner's wall clock:

- A day's open hours are its weekly windows, plus extra hours, minus time off (merged).
- Start times step from the start of each open stretch by the slot interval, in wall-clock
  minutes. A start time that does not exist on that day (the clocks jump over it) yields no
  slot; one that happens twice (the clocks go back) is taken the first time (``fold=0``).
- A session lasts its length in real time and ends no later than the end of its open stretch.
  Where that end is ambiguous or skipped by the clocks, the earlier reading counts, so a
  session never runs past the end of a window, whatever the clocks do.
- Around a session the practitioner's buffers stay free: the time from ``start - before`` to
  ``end + after`` may not overlap any active appointment's own blocked time. (Buffers add up:
  between two sessions there is at least one's after-buffer plus the next one's before-buffer,
  which is also what the database constraint compares.)
- A slot starts no earlier than ``now + minimum notice`` and no later than ``now + horizon``,
  and a day that already holds its maximum of sessions offers none.

Every instant given or returned is timezone-aware; returned ones are in UTC.
"""

import bisect
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60

Stretch = tuple[int, int]  # [start, end) in minutes since local midnight


@dataclass(frozen=True)
class WeeklyWindow:
    weekday: int  # Monday is 0
    start_minute: int
    end_minute: int


@dataclass(frozen=True)
class DateException:
    on: date
    extra_hours: bool  # True: open these hours; False: time off
    start_minute: int | None = None  # None (with end None): the whole day
    end_minute: int | None = None


@dataclass(frozen=True)
class Busy:
    """An active appointment: its start, and the time it blocks (buffers included)."""

    starts_at: datetime
    blocked_from: datetime
    blocked_until: datetime


@dataclass(frozen=True)
class Rules:
    zone: ZoneInfo
    duration: timedelta
    interval: timedelta = timedelta(minutes=30)
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    minimum_notice: timedelta = timedelta(0)
    horizon: timedelta = timedelta(days=60)
    max_per_day: int | None = None


@dataclass(frozen=True)
class Availability:
    windows: Sequence[WeeklyWindow]
    exceptions: Sequence[DateException] = ()


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime


class SlotCheck(StrEnum):
    FREE = "free"
    NOT_OFFERED = "not_offered"  # outside availability, past, too soon, too far ahead
    DAY_FULL = "day_full"
    TAKEN = "taken"


def merge(stretches: Iterable[Stretch]) -> list[Stretch]:
    merged: list[Stretch] = []
    for start, end in sorted(s for s in stretches if s[0] < s[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def subtract(stretches: list[Stretch], cut: Stretch) -> list[Stretch]:
    kept: list[Stretch] = []
    for start, end in stretches:
        if cut[1] <= start or end <= cut[0]:
            kept.append((start, end))
            continue
        if start < cut[0]:
            kept.append((start, cut[0]))
        if cut[1] < end:
            kept.append((cut[1], end))
    return kept


def open_stretches(
    day: date, windows: Sequence[WeeklyWindow], exceptions: Sequence[DateException]
) -> list[Stretch]:
    """The day's open hours in wall-clock minutes: windows, plus extra hours, minus time off."""
    stretches = merge(
        [(w.start_minute, w.end_minute) for w in windows if w.weekday == day.weekday()]
        + [
            (e.start_minute, e.end_minute)
            for e in exceptions
            if e.on == day and e.extra_hours and e.start_minute is not None
            if e.end_minute is not None
        ]
    )
    for exception in exceptions:
        if exception.on != day or exception.extra_hours:
            continue
        if exception.start_minute is None or exception.end_minute is None:
            return []
        stretches = subtract(stretches, (exception.start_minute, exception.end_minute))
    return stretches


def wall_time(day: date, minute: int) -> datetime:
    """A naive wall-clock time; minute 1440 is the next midnight."""
    return datetime.combine(day, time()) + timedelta(minutes=minute)


def to_instant(wall: datetime, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a wall-clock time, or None where the clocks skip it. An ambiguous
    time (it happens twice) is its first occurrence."""
    instant = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall:
        return None
    return instant


def is_real_wall_time(wall: datetime, zone: ZoneInfo) -> bool:
    return to_instant(wall, zone) is not None


def earliest_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The earlier of a wall-clock time's two readings (they differ only around a change)."""
    return min(
        wall.replace(tzinfo=zone, fold=0).astimezone(UTC),
        wall.replace(tzinfo=zone, fold=1).astimezone(UTC),
    )


def _day_candidates(day: date, availability: Availability, rules: Rules) -> Iterator[Slot]:
    step = int(rules.interval.total_seconds() // 60)
    for start, end in open_stretches(day, availability.windows, availability.exceptions):
        stretch_end = earliest_instant(wall_time(day, end), rules.zone)
        for minute in range(start, end, step):
            starts_at = to_instant(wall_time(day, minute), rules.zone)
            if starts_at is None:
                continue
            ends_at = starts_at + rules.duration
            if ends_at > stretch_end:
                break
            yield Slot(starts_at, ends_at)


class _BusyIndex:
    """Active appointments' blocked time, merged and sorted, for overlap tests by bisection."""

    def __init__(self, busy: Iterable[Busy], zone: ZoneInfo) -> None:
        merged: list[tuple[datetime, datetime]] = []
        self.per_day: Counter[date] = Counter()
        for item in sorted(busy, key=lambda b: b.blocked_from):
            self.per_day[item.starts_at.astimezone(zone).date()] += 1
            if merged and item.blocked_from <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], item.blocked_until))
            else:
                merged.append((item.blocked_from, item.blocked_until))
        self.starts = [start for start, _end in merged]
        self.ends = [end for _start, end in merged]

    def overlaps(self, blocked_from: datetime, blocked_until: datetime) -> bool:
        # The first merged stretch that ends after ``blocked_from`` is the only candidate.
        index = bisect.bisect_right(self.ends, blocked_from)
        return index < len(self.starts) and self.starts[index] < blocked_until


def _bounds(
    rules: Rules, now: datetime, since: datetime | None, until: datetime | None
) -> tuple[datetime, datetime]:
    earliest = now + rules.minimum_notice
    latest = now + rules.horizon
    if since is not None:
        earliest = max(earliest, since)
    if until is not None:
        latest = min(latest, until)
    return earliest, latest


def free_slots(
    *,
    availability: Availability,
    rules: Rules,
    busy: Iterable[Busy],
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> list[Slot]:
    """Bookable slots starting in ``[since, until]`` (both optional), earliest first."""
    earliest, latest = _bounds(rules, now, since, until)
    if earliest > latest:
        return []
    index = _BusyIndex(busy, rules.zone)
    found: list[Slot] = []
    day = earliest.astimezone(rules.zone).date()
    last_day = latest.astimezone(rules.zone).date()
    while day <= last_day:
        full = rules.max_per_day is not None and index.per_day[day] >= rules.max_per_day
        if not full:
            for slot in _day_candidates(day, availability, rules):
                if not earliest <= slot.starts_at <= latest:
                    continue
                if index.overlaps(
                    slot.starts_at - rules.buffer_before, slot.ends_at + rules.buffer_after
                ):
                    continue
                found.append(slot)
                if limit is not None and len(found) >= limit:
                    return found
        day += timedelta(days=1)
    found.sort(key=lambda slot: slot.starts_at)
    return found


def check_slot(
    *,
    starts_at: datetime,
    availability: Availability,
    rules: Rules,
    busy: Iterable[Busy],
    now: datetime,
) -> SlotCheck:
    """Why a start time can or cannot be booked, in the order a person would want to hear it."""
    offered = free_slots(
        availability=availability,
        rules=rules,
        busy=(),
        now=now,
        since=starts_at,
        until=starts_at,
    )
    if not any(slot.starts_at == starts_at for slot in offered):
        return SlotCheck.NOT_OFFERED
    index = _BusyIndex(busy, rules.zone)
    day = starts_at.astimezone(rules.zone).date()
    if rules.max_per_day is not None and index.per_day[day] >= rules.max_per_day:
        return SlotCheck.DAY_FULL
    if index.overlaps(
        starts_at - rules.buffer_before, starts_at + rules.duration + rules.buffer_after
    ):
        return SlotCheck.TAKEN
    return SlotCheck.FREE


def slot_id(starts_at: datetime) -> str:
    """The start of a slot as it travels in addresses and forms: UTC, to the minute."""
    return starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


# How far from now a slot id may point. No slot is ever offered in the past or beyond the
# longest booking horizon (365 days, a database constraint on the schedule); a day's margin
# either side. Anything further is tampering, and refusing it here keeps every later sum
# (``start + duration``, a day either side of a busy search) far from datetime's year 1 and 9999.
EARLIEST_SLOT_ID = timedelta(days=1)
LATEST_SLOT_ID = timedelta(days=366)


def within_reach(instant: datetime, *, now: datetime) -> bool:
    """Whether an instant from outside lies where a slot could ever be."""
    return now - EARLIEST_SLOT_ID <= instant <= now + LATEST_SLOT_ID


def parse_slot_id(value: str, *, now: datetime) -> datetime | None:
    """The UTC instant a slot id names, or None for anything that is not one (including an
    instant no slot could ever have, too far before or after ``now``)."""
    if not isinstance(value, str) or not value.endswith("Z"):
        return None
    try:
        parsed = datetime.strptime(value[:-1] + "+0000", "%Y-%m-%dT%H:%M%z")
    except ValueError:
        return None
    if not within_reach(parsed, now=now):
        return None
    return parsed.astimezone(UTC)
