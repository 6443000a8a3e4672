"""The clock a test session runs under: the real one, or one moved to a chosen moment.

``pytest --clock=WHEN`` (or ``CASEWORK_TEST_CLOCK=WHEN``) moves the clock of the whole session
to WHEN before the first test, and lets it tick from there, so the suite can be run at the hours
that break code which assumes the time of day: just before and after midnight, and across a
daylight-saving change. Tests that travel themselves (``time_machine.travel``) still do; when
they return, the session's moved clock takes over again.

WHEN is an ISO 8601 moment with its offset (``2026-12-02T23:58:00+00:00``), a local moment with
its zone in brackets (``2026-12-02T23:58[Europe/London]``), or one of these moments in London,
worked out from the real date so that test data with fixed dates behaves as on any other run:

- ``before-midnight``: 23:58 tonight, so the run crosses midnight;
- ``after-midnight``: 00:02 tomorrow, the small hours in which "today" has just begun;
- ``dst-change``: two minutes before the daylight-saving change nearest to today.

The session says which clock it ran under at the top and bottom of its report whenever that is
not the real one, including when the whole process runs under libfaketime.
"""

import os
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest
import time_machine

LONDON = ZoneInfo("Europe/London")
ENVIRONMENT_VARIABLE = "CASEWORK_TEST_CLOCK"
_BRACKETED_ZONE = re.compile(r"^(?P<moment>[^\[\]]+)\[(?P<zone>[^\[\]]+)\]$")
_TRAVELLER = pytest.StashKey[time_machine.travel]()
_MOVED_TO = pytest.StashKey[tuple[str, datetime]]()


def _nearest_daylight_saving_change(today: date) -> datetime:
    """The moment (UTC) London's offset last changed or next changes, whichever is nearer."""
    midnight = datetime.combine(today, time(), tzinfo=UTC)
    changes: list[datetime] = []
    for hours in range(-24 * 200, 24 * 200):
        before = midnight + timedelta(hours=hours)
        after = before + timedelta(hours=1)
        if before.astimezone(LONDON).utcoffset() != after.astimezone(LONDON).utcoffset():
            changes.append(after)
    return min(changes, key=lambda change: abs(change - midnight))


def _named_moment(name: str, now: datetime) -> datetime | None:
    today = now.astimezone(LONDON).date()
    if name == "before-midnight":
        return datetime.combine(today, time(23, 58), tzinfo=LONDON)
    if name == "after-midnight":
        return datetime.combine(today + timedelta(days=1), time(0, 2), tzinfo=LONDON)
    if name == "dst-change":
        return _nearest_daylight_saving_change(today) - timedelta(minutes=2)
    return None


def parse_clock(value: str, *, now: datetime | None = None) -> datetime:
    """The aware moment ``value`` names; ``ValueError`` with the reason when it names none."""
    value = value.strip()
    named = _named_moment(value, now or datetime.now(UTC))
    if named is not None:
        return named
    bracketed = _BRACKETED_ZONE.match(value)
    try:
        if bracketed:
            moment = datetime.fromisoformat(bracketed["moment"])
            zone = ZoneInfo(bracketed["zone"])
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=zone)
            return moment.astimezone(zone)
        moment = datetime.fromisoformat(value)
    except ZoneInfoNotFoundError:
        raise ValueError(f"{value!r} names an unknown time zone.") from None
    except ValueError:
        raise ValueError(
            f"{value!r} is not a moment: give an ISO 8601 time with its offset, a local time "
            "with its zone in brackets, or before-midnight, after-midnight or dst-change."
        ) from None
    if moment.tzinfo is None:
        raise ValueError(
            f"{value!r} has no offset or zone, so it names no single moment: add one "
            "(2026-12-02T23:58:00+00:00 or 2026-12-02T23:58[Europe/London])."
        )
    return moment


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock",
        metavar="WHEN",
        default=os.environ.get(ENVIRONMENT_VARIABLE) or None,
        help=(
            "Move the whole session's clock to WHEN and let it tick from there: an ISO 8601 "
            "moment with its offset, a local time with its zone in brackets, or "
            "before-midnight, after-midnight, dst-change (London). "
            f"Default: ${ENVIRONMENT_VARIABLE}, else the real clock."
        ),
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    value = config.getoption("--clock")
    if not value:
        return
    try:
        moment = parse_clock(value)
    except ValueError as error:
        raise pytest.UsageError(f"--clock: {error}") from None
    # In UTC: a ZoneInfo destination would also change the process's local zone.
    traveller = time_machine.travel(moment.astimezone(UTC), tick=True)
    traveller.start()
    config.stash[_TRAVELLER] = traveller
    config.stash[_MOVED_TO] = (value, moment)


def pytest_unconfigure(config: pytest.Config) -> None:
    traveller = config.stash.get(_TRAVELLER, None)
    if traveller is not None:
        traveller.stop()


def clock_description(config: pytest.Config) -> str | None:
    """One line naming the clock the session runs under, or None for the real clock."""
    if _MOVED_TO in config.stash:
        value, moment = config.stash[_MOVED_TO]
        local = moment.astimezone(LONDON)
        return (
            f"Clock: moved by --clock={value} to {moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC "
            f"({local:%H:%M %Z} in London), ticking from there; not the real time."
        )
    if "faketime" in os.environ.get("LD_PRELOAD", ""):
        faked = os.environ.get("FAKETIME", "as its configuration file says")
        return f"Clock: faked by libfaketime (FAKETIME={faked}); not the real time."
    return None


def pytest_report_header(config: pytest.Config) -> str | None:
    return clock_description(config)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    description = clock_description(config)
    if description:
        terminalreporter.write_line(description, bold=True)
