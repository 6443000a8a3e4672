"""Slot computation for a month of a busy practitioner.

The practitioner works Monday to Saturday, 08:00 to 20:00 in London, offers 50-minute sessions
every 15 minutes with 10 minutes free after each, and has eight sessions booked on most days.
The month is March 2026, which has the clocks going forward in it.

Figures: the pure computation (every free slot of the month, the next free slot, one slot
checked), then the same month read from a throwaway SQLite database through the booking code's
own reading (windows, exceptions and appointments queried, then computed).
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
import zoneinfo
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from bench.serving import ROOT
from casework.scheduling import slots

ZONE = zoneinfo.ZoneInfo("Europe/London")
NOW = datetime(2026, 2, 28, 12, 0, tzinfo=UTC)
RULES = slots.Rules(
    zone=ZONE,
    duration=timedelta(minutes=50),
    interval=timedelta(minutes=15),
    buffer_after=timedelta(minutes=10),
    minimum_notice=timedelta(hours=12),
    horizon=timedelta(days=31),
    max_per_day=10,
)
AVAILABILITY = slots.Availability(
    [slots.WeeklyWindow(day, 8 * 60, 20 * 60) for day in range(6)],
    [
        slots.DateException(date(2026, 3, 17), extra_hours=False),
        slots.DateException(date(2026, 3, 8), extra_hours=True, start_minute=600, end_minute=840),
        slots.DateException(date(2026, 3, 11), extra_hours=False, start_minute=720, end_minute=900),
    ],
)
SESSIONS_A_DAY = 8


def busy_month() -> list[slots.Busy]:
    booked = []
    day = date(2026, 3, 1)
    while day < date(2026, 4, 1):
        if day.weekday() < 6:
            for hour in range(SESSIONS_A_DAY):
                start = datetime(
                    day.year, day.month, day.day, 8 + hour + (hour > 3), 0, tzinfo=ZONE
                )
                start_utc = start.astimezone(UTC)
                booked.append(slots.Busy(start_utc, start_utc, start_utc + timedelta(minutes=60)))
        day += timedelta(days=1)
    return booked


def timed(work: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and best time of one run, in milliseconds."""
    work()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times)


def pure_figures() -> None:
    busy = busy_month()
    found = slots.free_slots(availability=AVAILABILITY, rules=RULES, busy=busy, now=NOW)
    print(f"  {len(busy)} appointments booked, {len(found)} free slots in the month")
    median, best = timed(
        lambda: slots.free_slots(availability=AVAILABILITY, rules=RULES, busy=busy, now=NOW), 50
    )
    print(f"  every free slot of the month:  {median:7.2f} ms median, {best:7.2f} ms best")
    median, best = timed(
        lambda: slots.free_slots(
            availability=AVAILABILITY, rules=RULES, busy=busy, now=NOW, limit=1
        ),
        500,
    )
    print(f"  the next free slot:            {median:7.3f} ms median, {best:7.3f} ms best")
    target = found[len(found) // 2].starts_at
    median, best = timed(
        lambda: slots.check_slot(
            starts_at=target, availability=AVAILABILITY, rules=RULES, busy=busy, now=NOW
        ),
        500,
    )
    print(f"  one slot checked at booking:   {median:7.3f} ms median, {best:7.3f} ms best")


DATABASE_SCRIPT = """
import statistics, time, uuid
from datetime import UTC, datetime, timedelta
import django
django.setup()
import time_machine
from django.core.management import call_command
call_command("migrate", verbosity=0)
from allauth.account.models import EmailAddress
from casework.accounts.models import User
from casework.registry.models import Jurisdiction
from casework.scheduling.models import Appointment
from casework.scheduling.queries import bookable
from casework.scheduling.services import availability
from casework.testing.scheduling import bookable_practitioner

with time_machine.travel(datetime(2026, 2, 28, 12, 0, tzinfo=UTC), tick=False):
    practitioner, session_type = bookable_practitioner(
        weekdays=range(6), hours=(8 * 60, 20 * 60),
        rules={"slot_interval_minutes": 15, "horizon_days": 31, "max_per_day": 10},
    )
    where = Jurisdiction.objects.get(code="GB-ENG")
    rows = []
    client = User.objects.create_user("bench-client@example.org", alias="Bench")
    for day in range(1, 32):
        for hour in (8, 9, 10, 11, 13, 14, 15, 16):
            start = datetime(2026, 3, day, hour, 0, tzinfo=UTC)
            if start.weekday() == 6:
                continue
            rows.append(Appointment(
                practitioner=practitioner, client=client, session_type=session_type,
                modality="video", duration_minutes=50, price=session_type.price, currency="GBP",
                starts_at=start, ends_at=start + timedelta(minutes=50), blocked_from=start,
                blocked_until=start + timedelta(minutes=60), status="confirmed",
                client_location=where, idempotency_key=uuid.uuid4(),
            ))
    Appointment.objects.bulk_create(rows)
    def month():
        return bookable(practitioner).free_slots(session_type)
    month()
    times = []
    for _ in range(30):
        started = time.perf_counter()
        found = month()
        times.append((time.perf_counter() - started) * 1000)
    print(len(rows), len(found), statistics.median(times), min(times))
"""


def database_figures() -> None:
    with tempfile.TemporaryDirectory() as var_dir:
        result = subprocess.run(  # noqa: S603  (our own interpreter)
            [sys.executable, "-c", DATABASE_SCRIPT],
            cwd=ROOT,
            env={
                **os.environ,
                "CASEWORK_VAR_DIR": var_dir,
                "DJANGO_SETTINGS_MODULE": "casework.settings",
                "DATABASE_URL": f"sqlite:///{var_dir}/bench.sqlite3",
            },
            check=True,
            capture_output=True,
            text=True,
        )
    booked, free, median, best = result.stdout.strip().splitlines()[-1].split()
    print(f"  {booked} appointments booked, {free} free slots in the month")
    print(
        f"  read from SQLite and computed: {float(median):7.2f} ms median, "
        f"{float(best):7.2f} ms best"
    )


def main() -> None:
    print("Slots: a month of a busy practitioner (March 2026, London, clocks change on the 29th)")
    pure_figures()
    print("Slots: the same month through the database (SQLite)")
    database_figures()


if __name__ == "__main__":
    main()
