"""Free times as a person reads them: grouped by day in the reader's time zone, each with the
address of the confirm step."""

import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property, partial
from urllib.parse import urlencode

from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from django.utils import timezone

from casework.accounts.models import User
from casework.accounts.zones import zone_label
from casework.registry.models import Jurisdiction
from casework.registry.practice import PracticeAnswer
from casework.registry.standing import ConditionsInForce, conditions_in_force, may_practise_where
from casework.safety.blocks import is_blocked_between
from casework.scheduling import slots
from casework.scheduling.freshness import may_take_bookings
from casework.scheduling.models import SessionType
from casework.scheduling.queries import Bookable, bookable, offered_session_types, zone_of


@dataclass(frozen=True)
class OfferedTime:
    starts_at: datetime
    slot_id: str
    url: str


@dataclass
class OfferedDay:
    day: date
    times: list[OfferedTime] = field(default_factory=list)


def confirm_url(
    session_type: SessionType, starts_at: datetime, where: str = "", *, path: str = ""
) -> str:
    """The confirm step's address for this start; ``path`` is that step's path when the caller
    already has it (a panel builds dozens of these, and ``reverse`` is not free)."""
    query = {"session": session_type.pk, "start": slots.slot_id(starts_at)}
    if where:
        query["where"] = where
    return f"{path or reverse('scheduling:confirm_booking')}?{urlencode(query)}"


def group_by_day(
    found: Iterable[slots.Slot],
    *,
    zone: zoneinfo.ZoneInfo,
    session_type: SessionType,
    where: str = "",
    max_days: int | None = None,
    per_day: int | None = None,
) -> list[OfferedDay]:
    days: list[OfferedDay] = []
    path = reverse("scheduling:confirm_booking")
    for slot in found:
        day = slot.starts_at.astimezone(zone).date()
        if not days or days[-1].day != day:
            if max_days is not None and len(days) == max_days:
                break
            days.append(OfferedDay(day))
        if per_day is None or len(days[-1].times) < per_day:
            days[-1].times.append(
                OfferedTime(
                    slot.starts_at,
                    slots.slot_id(slot.starts_at),
                    confirm_url(session_type, slot.starts_at, where, path=path),
                )
            )
    return days


def public_name(practitioner: User) -> str:
    """The name the directory shows, or the legal name where there is no profile yet."""
    try:
        return str(practitioner.profile.display_name)
    except ObjectDoesNotExist:
        return practitioner.display_name


def viewer_zone(viewer: object, practitioner: User) -> zoneinfo.ZoneInfo:
    """Signed-in people read times in their own zone; visitors in the practitioner's, said so."""
    if isinstance(viewer, User):
        return zone_of(viewer)
    return zone_of(practitioner)


@dataclass
class BookingPanel:
    practitioner: User
    zone: zoneinfo.ZoneInfo
    session_types: list[SessionType]
    chosen: SessionType | None
    days: list[OfferedDay]
    where: Jurisdiction | None
    practice: PracticeAnswer | None
    takes_bookings: bool
    horizon_days: int

    @cached_property
    def conditions(self) -> list[ConditionsInForce]:
        """The regulators' conditions on the practitioner's practising registrations, read
        only by the pages that show them (the profile shows them with each registration)."""
        return conditions_in_force(self.practitioner) if self.takes_bookings else []

    @property
    def name(self) -> str:
        return public_name(self.practitioner)

    @property
    def zone_label(self) -> str:
        """The zone as people name it (``accounts.zones.zone_label``), not "Europe/Madrid"."""
        return zone_label(self.zone.key)

    @property
    def blocked_by_place(self) -> bool:
        return self.practice is not None and not self.practice.allowed


# The first few days are looked for this far past the next free slot before the whole horizon.
FIRST_DAYS_WINDOW = timedelta(days=14)


def _first_days(
    reading: Bookable,
    chosen: SessionType,
    *,
    since: datetime | None,
    max_days: int,
    group: Callable[..., list[OfferedDay]],
) -> list[OfferedDay]:
    """The first ``max_days`` days with free times, starting from the stored next free slot.

    ``PractitionerSchedule.next_free_at`` is the earliest free start over every session type
    offered and is kept true as things change (``casework.scheduling.freshness``): nothing of
    ``chosen`` is free before it, and nothing at all when it is empty. The slots are computed
    from it over a fortnight rather than over the whole booking horizon; only when that window
    holds fewer than ``max_days + 1`` days (so the last one shown could be cut short) is the
    rest of the horizon computed.
    """
    next_free = reading.schedule.next_free_at
    if next_free is None:
        return []
    start = max(since or timezone.now(), next_free)
    found = reading.free_slots(chosen, since=start, until=start + FIRST_DAYS_WINDOW)
    days = group(found, max_days=max_days + 1)
    if len(days) > max_days:
        return days[:max_days]
    return group(reading.free_slots(chosen, since=start), max_days=max_days)


def booking_panel(
    *,
    practitioner: User,
    viewer: object,
    where_code: str = "",
    session_type_id: str = "",
    since: datetime | None = None,
    max_days: int | None = 5,
    per_day: int | None = 8,
    span: timedelta | None = None,
) -> BookingPanel:
    """What a client needs to pick a time: the sessions offered, the chosen one's free times,
    and, for a client who said where they are, whether this practitioner may work there."""
    zone = viewer_zone(viewer, practitioner)
    session_types = list(offered_session_types(practitioner))
    chosen = next((s for s in session_types if str(s.pk) == session_type_id), None)
    chosen = chosen or (session_types[0] if session_types else None)
    where = Jurisdiction.objects.filter(code=where_code).first() if where_code else None
    practice = may_practise_where(practitioner, where) if where else None
    # Blocked people book nothing from each other: said as for any practitioner not taking
    # bookings, alike whoever blocked whom (the booking service refuses it anyway).
    takes_bookings = may_take_bookings(practitioner) and not (
        isinstance(viewer, User) and is_blocked_between(viewer, practitioner)
    )
    reading: Bookable = bookable(practitioner)
    days: list[OfferedDay] = []
    if chosen is not None and takes_bookings and (practice is None or practice.allowed):
        group = partial(
            group_by_day,
            zone=zone,
            session_type=chosen,
            where=where.code if where else "",
            per_day=per_day,
        )
        if span is None and max_days is not None:
            days = _first_days(reading, chosen, since=since, max_days=max_days, group=group)
        else:
            until = (since or timezone.now()) + span if span else None
            found = reading.free_slots(chosen, since=since, until=until)
            days = group(found, max_days=max_days)
    return BookingPanel(
        practitioner=practitioner,
        zone=zone,
        session_types=session_types,
        chosen=chosen,
        days=days,
        where=where,
        practice=practice,
        takes_bookings=takes_bookings,
        horizon_days=reading.schedule.horizon_days,
    )
