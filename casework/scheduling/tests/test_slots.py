"""Slot computation: worked examples around daylight-saving changes, and properties checked
by hypothesis over every time zone and many dates, most of them near a change of the clocks."""

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.scheduling import slots
from casework.scheduling.slots import (
    Availability,
    Busy,
    DateException,
    Rules,
    SlotCheck,
    WeeklyWindow,
    check_slot,
    free_slots,
)

LONDON = zoneinfo.ZoneInfo("Europe/London")
EVERY_DAY = [WeeklyWindow(weekday, 9 * 60, 17 * 60) for weekday in range(7)]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def starts(found: list[slots.Slot]) -> list[datetime]:
    return [slot.starts_at for slot in found]


def one_day(
    zone: zoneinfo.ZoneInfo,
    day: date,
    start_minute: int,
    end_minute: int,
    *,
    duration: int = 60,
    interval: int = 30,
) -> list[datetime]:
    """The slots of one day that has one window, seen from a week before."""
    rules = Rules(
        zone=zone,
        duration=timedelta(minutes=duration),
        interval=timedelta(minutes=interval),
        horizon=timedelta(days=30),
    )
    availability = Availability([WeeklyWindow(day.weekday(), start_minute, end_minute)])
    since = datetime.combine(day, datetime.min.time(), tzinfo=zone) - timedelta(hours=3)
    until = since + timedelta(hours=30)
    found = free_slots(
        availability=availability,
        rules=rules,
        busy=(),
        now=since - timedelta(days=7),
        since=since,
        until=until,
    )
    return [s for s in starts(found) if s.astimezone(zone).date() == day]


# Worked examples -------------------------------------------------------------------------------


def test_the_hour_the_clocks_skip_in_spring_offers_nothing() -> None:
    # London, 29 March 2026: at 01:00 GMT the clocks go forward to 02:00 BST.
    found = one_day(LONDON, date(2026, 3, 29), 0, 4 * 60)
    assert found == [
        utc(2026, 3, 29, 0, 0),  # 00:00 GMT
        utc(2026, 3, 29, 0, 30),  # 00:30 GMT, an hour long: ends 02:30 BST
        utc(2026, 3, 29, 1, 0),  # 02:00 BST
        utc(2026, 3, 29, 1, 30),  # 02:30 BST
        utc(2026, 3, 29, 2, 0),  # 03:00 BST, ends at the window's end
    ]
    assert all(slot.astimezone(LONDON).hour != 1 for slot in found)


def test_the_hour_that_happens_twice_in_autumn_is_offered_once_the_first_time() -> None:
    # London, 25 October 2026: at 02:00 BST the clocks go back to 01:00 GMT.
    found = one_day(LONDON, date(2026, 10, 25), 0, 3 * 60, interval=60)
    assert found == [
        utc(2026, 10, 24, 23, 0),  # 00:00 BST
        utc(2026, 10, 25, 0, 0),  # 01:00 BST, the first of the two 01:00s (fold=0)
        utc(2026, 10, 25, 2, 0),  # 02:00 GMT: ends 03:00 GMT, the window's end
    ]


def test_a_session_never_runs_past_an_ambiguous_window_end() -> None:
    # The window ends at 01:30 on the night the clocks go back; the earlier 01:30 counts, so
    # a session from 01:00 BST lasting an hour (until 01:00 GMT) does not fit.
    found = one_day(LONDON, date(2026, 10, 25), 0, 90, interval=30)
    assert found == [utc(2026, 10, 24, 23, 0), utc(2026, 10, 24, 23, 30)]


def test_half_hour_daylight_saving_of_lord_howe_island() -> None:
    zone = zoneinfo.ZoneInfo("Australia/Lord_Howe")
    # 4 October 2026: at 02:00 the clocks go forward by thirty minutes, to 02:30.
    found = one_day(zone, date(2026, 10, 4), 60, 4 * 60, duration=30, interval=30)
    walls = [slot.astimezone(zone).strftime("%H:%M") for slot in found]
    assert walls == ["01:00", "01:30", "02:30", "03:00", "03:30"]


def test_midnight_that_does_not_exist_in_havana() -> None:
    zone = zoneinfo.ZoneInfo("America/Havana")
    # Cuba moves its clocks at midnight: on 8 March 2026, 00:00 to 01:00 does not exist.
    day = date(2026, 3, 8)
    assert not slots.is_real_wall_time(slots.wall_time(day, 30), zone)
    found = one_day(zone, day, 0, 3 * 60, duration=30, interval=30)
    walls = [slot.astimezone(zone).strftime("%H:%M") for slot in found]
    assert walls == ["01:00", "01:30", "02:00", "02:30"]


def test_a_window_may_end_at_midnight() -> None:
    found = one_day(LONDON, date(2026, 6, 1), 22 * 60, slots.MINUTES_PER_DAY, interval=60)
    assert [s.astimezone(LONDON).strftime("%H:%M") for s in found] == ["22:00", "23:00"]


def monday_rules(**overrides: object) -> Rules:
    values: dict[str, object] = {
        "zone": LONDON,
        "duration": timedelta(minutes=50),
        "interval": timedelta(minutes=30),
        "horizon": timedelta(days=14),
    }
    return Rules(**(values | overrides))  # type: ignore[arg-type]


MONDAY = date(2026, 6, 1)
BEFORE_MONDAY = utc(2026, 5, 30, 12, 0)


def monday_slots(rules: Rules, busy: list[Busy], exceptions: list[DateException] = ()) -> list[str]:  # type: ignore[assignment]
    found = free_slots(
        availability=Availability([WeeklyWindow(0, 9 * 60, 13 * 60)], exceptions),
        rules=rules,
        busy=busy,
        now=BEFORE_MONDAY,
        until=utc(2026, 6, 2, 0, 0),
    )
    return [s.starts_at.astimezone(LONDON).strftime("%H:%M") for s in found]


def appointment_at(hour: int, minute: int, *, before: int = 0, after: int = 10) -> Busy:
    start = datetime(2026, 6, 1, hour, minute, tzinfo=LONDON).astimezone(UTC)
    return Busy(
        start,
        start - timedelta(minutes=before),
        start + timedelta(minutes=50 + after),
    )


def test_buffers_keep_time_free_around_each_session() -> None:
    busy = [appointment_at(10, 0)]  # 10:00 to 10:50, free until 11:00
    assert monday_slots(monday_rules(), busy) == ["09:00", "11:00", "11:30", "12:00"]
    # A quarter of an hour before each session too: 11:00 would start inside the buffer.
    with_before = monday_rules(buffer_before=timedelta(minutes=15))
    assert monday_slots(with_before, busy) == ["09:00", "11:30", "12:00"]


def test_a_day_with_its_maximum_of_sessions_offers_none() -> None:
    busy = [appointment_at(9, 0)]
    assert monday_slots(monday_rules(max_per_day=1), busy) == []
    assert monday_slots(monday_rules(max_per_day=2), busy) == [
        "10:00",
        "10:30",
        "11:00",
        "11:30",
        "12:00",
    ]


def test_time_off_and_extra_hours_change_one_date() -> None:
    exceptions = [
        DateException(MONDAY, extra_hours=False, start_minute=10 * 60, end_minute=12 * 60),
        DateException(MONDAY, extra_hours=True, start_minute=14 * 60, end_minute=15 * 60),
    ]
    assert monday_slots(monday_rules(), [], exceptions) == ["09:00", "12:00", "14:00"]
    whole_day = [DateException(MONDAY, extra_hours=False), *exceptions]
    assert monday_slots(monday_rules(), [], whole_day) == []


def test_minimum_notice_and_horizon() -> None:
    rules = monday_rules(minimum_notice=timedelta(hours=1), horizon=timedelta(days=1))
    now = datetime(2026, 6, 1, 9, 45, tzinfo=LONDON)
    found = free_slots(availability=Availability(EVERY_DAY), rules=rules, busy=(), now=now, limit=2)
    assert [s.starts_at.astimezone(LONDON).strftime("%d %H:%M") for s in found] == [
        "01 11:00",
        "01 11:30",
    ]
    latest = free_slots(availability=Availability(EVERY_DAY), rules=rules, busy=(), now=now)
    assert max(s.starts_at for s in latest) <= now + timedelta(days=1)


def test_check_slot_says_why() -> None:
    rules = monday_rules(max_per_day=2)
    availability = Availability([WeeklyWindow(0, 9 * 60, 13 * 60)])
    busy = [appointment_at(10, 0)]

    def check(hour: int, minute: int, appointments: list[Busy]) -> SlotCheck:
        at = datetime(2026, 6, 1, hour, minute, tzinfo=LONDON).astimezone(UTC)
        return check_slot(
            starts_at=at,
            availability=availability,
            rules=rules,
            busy=appointments,
            now=BEFORE_MONDAY,
        )

    assert check(11, 0, busy) == SlotCheck.FREE
    assert check(10, 30, busy) == SlotCheck.TAKEN
    assert check(9, 15, busy) == SlotCheck.NOT_OFFERED  # not on the half-hour grid
    assert check(13, 0, busy) == SlotCheck.NOT_OFFERED  # after the window
    assert check(12, 0, [*busy, appointment_at(9, 0, after=0)]) == SlotCheck.DAY_FULL


def test_slot_ids_travel_as_utc_minutes() -> None:
    start = utc(2026, 6, 1, 8, 30)
    assert slots.slot_id(start) == "2026-06-01T08:30Z"
    assert slots.parse_slot_id("2026-06-01T08:30Z", now=start) == start
    for tampered in [
        "",
        "2026-06-01",
        "2026-13-01T08:30Z",
        "2026-06-01T08:30+01:00",
        "x" * 200,
        "0",
        # Real instants no slot could have, where later sums would leave datetime's range.
        "9999-12-31T23:59Z",
        "0001-01-01T00:00Z",
        "2026-05-30T08:29Z",
        "2027-06-03T08:31Z",
    ]:
        assert slots.parse_slot_id(tampered, now=start) is None


# Properties --------------------------------------------------------------------------------------

ZONE_KEYS = sorted(zoneinfo.available_timezones() - {"Factory", "localtime"})


def transitions(zone: zoneinfo.ZoneInfo, year: int) -> list[datetime]:
    """The instants in ``year`` when the zone's offset changes, to the minute."""
    found = []
    instant = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    step = timedelta(days=1)
    while instant < end:
        after = instant + step
        if instant.astimezone(zone).utcoffset() != after.astimezone(zone).utcoffset():
            low, high = instant, after
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if low.astimezone(zone).utcoffset() == middle.astimezone(zone).utcoffset():
                    low = middle
                else:
                    high = middle
            found.append(high.replace(second=0, microsecond=0))
        instant = after
    return found


# Zones whose clocks change in 2026: half the scenarios are drawn from these.
CHANGING_ZONES = [key for key in ZONE_KEYS if transitions(zoneinfo.ZoneInfo(key), 2026)]


@st.composite
def moments_near_a_change(draw: st.DrawFn, zone: zoneinfo.ZoneInfo) -> datetime:
    year = draw(st.integers(min_value=1995, max_value=2037))
    changes = transitions(zone, year)
    if changes and draw(st.integers(0, 9)) > 0:
        change = draw(st.sampled_from(changes))
        return change - timedelta(minutes=draw(st.integers(0, 3 * 24 * 60)))
    return datetime(year, 1, 1, tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, 364 * 1440)))


quarter_minutes = st.integers(0, 95).map(lambda q: q * 15)


@st.composite
def windows(draw: st.DrawFn) -> list[WeeklyWindow]:
    found = []
    for _ in range(draw(st.integers(0, 8))):
        start = draw(quarter_minutes)
        end = draw(st.integers(start // 15 + 1, 96)) * 15
        # Early-morning windows meet most changes of the clocks.
        found.append(WeeklyWindow(draw(st.integers(0, 6)), start, end))
    return found


@st.composite
def exceptions(draw: st.DrawFn, first_day: date) -> list[DateException]:
    found = []
    for _ in range(draw(st.integers(0, 4))):
        day = first_day + timedelta(days=draw(st.integers(0, 10)))
        if draw(st.booleans()) and draw(st.booleans()):
            found.append(DateException(day, extra_hours=False))
            continue
        start = draw(quarter_minutes)
        end = draw(st.integers(start // 15 + 1, 96)) * 15
        found.append(DateException(day, draw(st.booleans()), start, end))
    return found


@st.composite
def busy_times(draw: st.DrawFn, now: datetime) -> list[Busy]:
    found = []
    for _ in range(draw(st.integers(0, 8))):
        start = now + timedelta(minutes=15 * draw(st.integers(0, 10 * 96)))
        length = timedelta(minutes=draw(st.integers(1, 16)) * 15)
        before = timedelta(minutes=draw(st.sampled_from([0, 5, 15])))
        after = timedelta(minutes=draw(st.sampled_from([0, 10, 30])))
        found.append(Busy(start, start - before, start + length + after))
    return found


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Availability, Rules, list[Busy], datetime]:
    zone = zoneinfo.ZoneInfo(draw(st.sampled_from(CHANGING_ZONES) | st.sampled_from(ZONE_KEYS)))
    now = draw(moments_near_a_change(zone))
    rules = Rules(
        zone=zone,
        duration=timedelta(minutes=draw(st.integers(3, 48)) * 5),
        interval=timedelta(minutes=draw(st.sampled_from([15, 30, 60]))),
        buffer_before=timedelta(minutes=draw(st.sampled_from([0, 5, 15, 30]))),
        buffer_after=timedelta(minutes=draw(st.sampled_from([0, 10, 15]))),
        minimum_notice=timedelta(hours=draw(st.sampled_from([0, 0, 1, 12, 48]))),
        horizon=timedelta(days=draw(st.integers(1, 10))),
        max_per_day=draw(st.none() | st.integers(1, 4)),
    )
    weekly = draw(windows())
    coming = [c for c in transitions(zone, now.year) + transitions(zone, now.year + 1) if c >= now]
    over_the_night = draw(st.booleans())
    if coming and over_the_night:
        # Hours over the night the clocks change, which is where the trouble is.
        night = coming[0].astimezone(zone)
        start = draw(st.integers(0, max(night.hour - 1, 0))) * 60
        end = min(draw(st.integers(night.hour + 1, night.hour + 5)) * 60, slots.MINUTES_PER_DAY)
        weekly.append(WeeklyWindow(night.weekday(), start, max(end, start + 60)))
    availability = Availability(weekly, draw(exceptions(now.astimezone(zone).date())))
    return availability, rules, draw(busy_times(now)), now


def open_minutes(day: date, availability: Availability) -> set[int]:
    """The day's open wall-clock minutes, the slow way: sets of minutes."""
    minutes: set[int] = set()
    for window in availability.windows:
        if window.weekday == day.weekday():
            minutes |= set(range(window.start_minute, window.end_minute))
    for exception in availability.exceptions:
        if exception.on == day and exception.extra_hours:
            assert exception.start_minute is not None
            assert exception.end_minute is not None
            minutes |= set(range(exception.start_minute, exception.end_minute))
    for exception in availability.exceptions:
        if exception.on == day and not exception.extra_hours:
            if exception.start_minute is None or exception.end_minute is None:
                return set()
            minutes -= set(range(exception.start_minute, exception.end_minute))
    return minutes


def runs(minutes: set[int]) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for minute in sorted(minutes):
        if found and found[-1][1] == minute:
            found[-1] = (found[-1][0], minute + 1)
        else:
            found.append((minute, minute + 1))
    return found


def overlaps(start: datetime, end: datetime, busy: list[Busy]) -> bool:
    return any(b.blocked_from < end and start < b.blocked_until for b in busy)


def brute_force(
    availability: Availability, rules: Rules, busy: list[Busy], now: datetime
) -> list[datetime]:
    """Every minute of every open stretch, tried one by one."""
    earliest, latest = now + rules.minimum_notice, now + rules.horizon
    step = int(rules.interval.total_seconds() // 60)
    found = []
    day = earliest.astimezone(rules.zone).date()
    while day <= latest.astimezone(rules.zone).date():
        per_day = sum(1 for b in busy if b.starts_at.astimezone(rules.zone).date() == day)
        if rules.max_per_day is None or per_day < rules.max_per_day:
            for start_minute, end_minute in runs(open_minutes(day, availability)):
                window_end = slots.earliest_instant(slots.wall_time(day, end_minute), rules.zone)
                for minute in range(start_minute, end_minute, step):
                    wall = slots.wall_time(day, minute)
                    start = wall.replace(tzinfo=rules.zone).astimezone(UTC)
                    if start.astimezone(rules.zone).replace(tzinfo=None) != wall:
                        continue  # skipped by the clocks
                    end = start + rules.duration
                    if end > window_end or not earliest <= start <= latest:
                        continue
                    if overlaps(start - rules.buffer_before, end + rules.buffer_after, busy):
                        continue
                    found.append(start)
        day += timedelta(days=1)
    return sorted(found)


PROPERTY_SETTINGS = settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(scenarios(), st.sampled_from(ZONE_KEYS))
def test_slots_keep_every_rule_in_every_zone(
    scenario: tuple[Availability, Rules, list[Busy], datetime], client_zone_key: str
) -> None:
    availability, rules, busy, now = scenario
    zone = rules.zone
    found = free_slots(availability=availability, rules=rules, busy=busy, now=now)
    found_starts = starts(found)
    assert found_starts == sorted(set(found_starts)), "earliest first, each once"
    client_zone = zoneinfo.ZoneInfo(client_zone_key)
    for slot in found:
        local = slot.starts_at.astimezone(zone)
        wall = local.replace(tzinfo=None)
        # A real wall-clock time, read the first time it happens.
        assert slots.to_instant(wall, zone) == slot.starts_at
        assert local.fold == 0 or wall.replace(tzinfo=zone, fold=0) == local
        # Inside one open stretch of that day, on its grid, ending before it ends.
        minute = wall.hour * 60 + wall.minute
        stretch = next(
            (
                run
                for run in runs(open_minutes(local.date(), availability))
                if run[0] <= minute < run[1]
            ),
            None,
        )
        assert stretch is not None, f"{wall} is outside the open hours"
        assert (minute - stretch[0]) % int(rules.interval.total_seconds() // 60) == 0
        assert slot.ends_at <= slots.earliest_instant(
            slots.wall_time(local.date(), stretch[1]), zone
        )
        assert slot.ends_at.astimezone(zone).replace(tzinfo=None) <= slots.wall_time(
            local.date(), stretch[1]
        )
        # Its length, in real time.
        assert slot.ends_at - slot.starts_at == rules.duration
        # Notice and horizon.
        assert now + rules.minimum_notice <= slot.starts_at <= now + rules.horizon
        # Never over an appointment, buffers included.
        assert not overlaps(
            slot.starts_at - rules.buffer_before, slot.ends_at + rules.buffer_after, busy
        )
        # A day that is full offers nothing.
        if rules.max_per_day is not None:
            taken = sum(1 for b in busy if b.starts_at.astimezone(zone).date() == local.date())
            assert taken < rules.max_per_day
        # Through the client's zone and back, and through its id, it is the same instant.
        seen = slot.starts_at.astimezone(client_zone)
        back = seen.replace(tzinfo=None).replace(tzinfo=client_zone, fold=seen.fold)
        assert back.astimezone(UTC) == slot.starts_at
        assert slots.parse_slot_id(slots.slot_id(seen), now=now) == slot.starts_at
    # And nothing is missing: the slow way finds the same slots.
    assert found_starts == brute_force(availability, rules, busy, now)


@PROPERTY_SETTINGS
@given(scenarios(), st.integers(0, 10 * 96))
def test_check_slot_agrees_with_the_list(
    scenario: tuple[Availability, Rules, list[Busy], datetime], quarter: int
) -> None:
    availability, rules, busy, now = scenario
    found = set(starts(free_slots(availability=availability, rules=rules, busy=busy, now=now)))
    for at in [
        *sorted(found)[:5],
        now.replace(second=0, microsecond=0) + timedelta(minutes=15 * quarter),
    ]:
        verdict = check_slot(
            starts_at=at, availability=availability, rules=rules, busy=busy, now=now
        )
        assert (verdict == SlotCheck.FREE) == (at in found)


@PROPERTY_SETTINGS
@given(scenarios(), st.integers(1, 5))
def test_a_limit_returns_the_earliest(
    scenario: tuple[Availability, Rules, list[Busy], datetime], limit: int
) -> None:
    availability, rules, busy, now = scenario
    every = free_slots(availability=availability, rules=rules, busy=busy, now=now)
    first = free_slots(availability=availability, rules=rules, busy=busy, now=now, limit=limit)
    assert first == every[:limit]


@pytest.mark.parametrize(
    "key",
    [
        "Europe/London",
        "America/New_York",
        "Australia/Lord_Howe",
        "Pacific/Chatham",
        "America/Havana",
        "Europe/Dublin",
    ],
)
def test_the_property_scenarios_do_meet_changes_of_the_clocks(key: str) -> None:
    zone = zoneinfo.ZoneInfo(key)
    assert len(transitions(zone, 2026)) == 2
    assert key in CHANGING_ZONES
