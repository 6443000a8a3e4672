"""A practitioner's weekly office hours, and the automatic reply a client gets outside them.

Windows are wall-clock times in the practitioner's own time zone, so they follow daylight saving
time. A practitioner with no windows has not set office hours and sends no automatic replies.
The reply goes out once per closed period: the period is named by the opening it points to.
"""

import zoneinfo
from collections.abc import Sequence
from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casework.accounts.models import User
from casework.messaging.models import OfficeHours
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.safety.crisis import crisis_resources_for

DAYS_AHEAD = 8


def _zone(person: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(person.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def windows_of(practitioner: User) -> list[OfficeHours]:
    return list(OfficeHours.objects.filter(practitioner=practitioner))


def _spans(
    windows: Sequence[OfficeHours], zone: zoneinfo.ZoneInfo, moment: datetime
) -> list[tuple[datetime, datetime]]:
    """Each window's concrete (start, end) from the day before ``moment`` to a week after it."""
    local_today = moment.astimezone(zone).date()
    by_day = {window.weekday: window for window in windows}
    spans = []
    for offset in range(-1, DAYS_AHEAD):
        day = local_today + timedelta(days=offset)
        window = by_day.get(day.weekday())
        if window is None:
            continue
        start = datetime.combine(day, window.opens, tzinfo=zone)
        end = datetime.combine(day, window.closes, tzinfo=zone)
        spans.append((start, end))
    return spans


def is_open_at(windows: Sequence[OfficeHours], zone: zoneinfo.ZoneInfo, moment: datetime) -> bool:
    return any(start <= moment < end for start, end in _spans(windows, zone, moment))


def next_opening(
    windows: Sequence[OfficeHours], zone: zoneinfo.ZoneInfo, moment: datetime
) -> datetime | None:
    """When the practitioner's next window starts after ``moment`` (None without windows)."""
    starts = [start for start, _end in _spans(windows, zone, moment) if start > moment]
    return min(starts) if starts else None


def windows_with_practitioner(practitioner_id: int) -> list[OfficeHours]:
    """The practitioner's windows, each with the practitioner read in the same query (their
    time zone and name are needed only when there are windows)."""
    return list(
        OfficeHours.objects.filter(practitioner_id=practitioner_id).select_related("practitioner")
    )


def closed_period(practitioner: User, moment: datetime) -> datetime | None:
    """The opening that ends the closed period ``moment`` falls in; None when open or unset."""
    return closed_period_of(windows_of(practitioner), practitioner, moment)


def closed_period_of(
    windows: Sequence[OfficeHours], practitioner: User, moment: datetime
) -> datetime | None:
    """``closed_period`` for windows read already."""
    if not windows:
        return None
    zone = _zone(practitioner)
    if is_open_at(windows, zone, moment):
        return None
    opening = next_opening(windows, zone, moment)
    return opening.astimezone(zoneinfo.ZoneInfo("UTC")) if opening else None


def auto_reply_text(
    *, practitioner: User, client: User, jurisdiction_code: str | None, reopens_at: datetime
) -> str:
    """The reply in the client's language and time zone, with their place's crisis lines."""
    with translation.override(client.language), timezone.override(_zone(client)):
        text = render_to_string(
            "messaging/auto_reply.txt",
            {
                "practitioner_name": practitioner.display_name,
                "reopens_at": reopens_at,
                "crisis": crisis_resources_for(jurisdiction_code),
            },
        )
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return "\n".join(lines)


def set_office_hours(
    *, practitioner: User, windows: dict[int, tuple[time, time] | None]
) -> list[OfficeHours]:
    """Replace the practitioner's weekly windows (weekday 0 = Monday -> (opens, closes))."""
    for weekday, span in windows.items():
        if not 0 <= weekday <= 6:
            raise ValidationError(_("Unknown day of the week."))
        if span is not None and span[1] <= span[0]:
            raise ValidationError(
                _("On %(day)s the closing time must come after the opening time.")
                % {"day": OfficeHours.Weekday(weekday).label}
            )
    with transaction.atomic():
        OfficeHours.objects.filter(practitioner=practitioner).delete()
        saved = OfficeHours.objects.bulk_create(
            OfficeHours(practitioner=practitioner, weekday=day, opens=span[0], closes=span[1])
            for day, span in sorted(windows.items())
            if span is not None
        )
        record_event(
            action=actions.MESSAGING_OFFICE_HOURS_SET,
            actor=practitioner,
            detail={"windows": [f"{w.weekday}:{w.opens:%H:%M}-{w.closes:%H:%M}" for w in saved]},
        )
    return saved
