"""A practitioner's booking rules, weekly hours, date exceptions and session types.

Every change is audited and recomputes the next free slot in the same transaction, so the
directory never shows a time that has gone (or misses one that has appeared).
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.accounts.models import Role, User
from casework.accounts.zones import zone_label
from casework.dates import reader_date
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.scheduling import slots
from casework.scheduling.currencies import is_known_currency
from casework.scheduling.freshness import refresh_next_free
from casework.scheduling.models import (
    AvailabilityException,
    AvailabilityWindow,
    PractitionerSchedule,
    SessionType,
    modality_choices,
)
from casework.scheduling.queries import schedule_of, zone_of
from casework.shell.page_cache import renew_public_pages

RULE_LIMITS: dict[str, tuple[int, int]] = {
    "buffer_before_minutes": (0, 240),
    "buffer_after_minutes": (0, 240),
    "minimum_notice_hours": (0, 24 * 30),
    "horizon_days": (1, 365),
    "cancellation_notice_hours": (0, 24 * 14),
}


def clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _refuse_unless_practitioner(person: User) -> None:
    if person.role != Role.PRACTITIONER:
        raise ValidationError(_("Only practitioners keep a schedule."))


def update_booking_rules(
    *,
    practitioner: User,
    buffer_before_minutes: int,
    buffer_after_minutes: int,
    slot_interval_minutes: int,
    minimum_notice_hours: int,
    max_per_day: int | None,
    horizon_days: int,
    cancellation_notice_hours: int,
    confirm_first_sessions: bool,
) -> PractitionerSchedule:
    _refuse_unless_practitioner(practitioner)
    values: dict[str, Any] = {
        "buffer_before_minutes": buffer_before_minutes,
        "buffer_after_minutes": buffer_after_minutes,
        "slot_interval_minutes": slot_interval_minutes,
        "minimum_notice_hours": minimum_notice_hours,
        "max_per_day": max_per_day,
        "horizon_days": horizon_days,
        "cancellation_notice_hours": cancellation_notice_hours,
        "confirm_first_sessions": confirm_first_sessions,
    }
    for name, (low, high) in RULE_LIMITS.items():
        if not low <= values[name] <= high:
            raise ValidationError(
                _("%(field)s must be between %(low)s and %(high)s.")
                % {
                    "field": getattr(
                        PractitionerSchedule._meta.get_field(name), "verbose_name", name
                    ),
                    "low": low,
                    "high": high,
                }
            )
    if slot_interval_minutes not in (15, 30, 60):
        raise ValidationError(_("Offer start times every 15, 30 or 60 minutes."))
    if max_per_day is not None and not 1 <= max_per_day <= 48:
        raise ValidationError(_("The daily maximum must be between 1 and 48, or empty."))
    with transaction.atomic():
        schedule = PractitionerSchedule.objects.select_for_update().get(
            pk=schedule_of(practitioner).pk
        )
        for name, value in values.items():
            setattr(schedule, name, value)
        schedule.save(update_fields=list(values))
        renew_public_pages()  # a visitor's next page shows it
        record_event(
            action=actions.SCHEDULING_RULES_CHANGED,
            actor=practitioner,
            target=schedule,
            subject_id=practitioner.pk,
            detail=values,
        )
        refresh_next_free(practitioner)
    return schedule


def add_availability_window(
    *, practitioner: User, weekday: int, start_minute: int, end_minute: int
) -> AvailabilityWindow:
    _refuse_unless_practitioner(practitioner)
    if weekday not in range(7):
        raise ValidationError(_("Choose a day of the week."))
    if not 0 <= start_minute < end_minute <= slots.MINUTES_PER_DAY:
        raise ValidationError(_("The hours must end after they start, on the same day."))
    with transaction.atomic():
        schedule_of(practitioner)
        PractitionerSchedule.objects.select_for_update().get(practitioner=practitioner)
        for other in AvailabilityWindow.objects.filter(practitioner=practitioner, weekday=weekday):
            if other.start_minute < end_minute and start_minute < other.end_minute:
                raise ValidationError(
                    _("This overlaps your hours on %(day)s, %(start)s-%(end)s.")
                    % {
                        "day": other.get_weekday_display(),
                        "start": clock(other.start_minute),
                        "end": clock(other.end_minute),
                    }
                )
        window = AvailabilityWindow.objects.create(
            practitioner=practitioner,
            weekday=weekday,
            start_minute=start_minute,
            end_minute=end_minute,
        )
        renew_public_pages()  # a visitor's next page shows it
        record_event(
            action=actions.SCHEDULING_WINDOW_ADDED,
            actor=practitioner,
            target=window,
            subject_id=practitioner.pk,
            detail={"weekday": weekday, "start": start_minute, "end": end_minute},
        )
        refresh_next_free(practitioner)
    return window


def replace_weekly_hours(
    *, practitioner: User, windows: list[tuple[int, int, int]]
) -> list[AvailabilityWindow]:
    """Set the whole week at once: ``(weekday, start_minute, end_minute)`` each, none
    overlapping. One audit event and one refresh, however many windows."""
    _refuse_unless_practitioner(practitioner)
    ordered = sorted(windows)
    for index, (weekday, start, end) in enumerate(ordered):
        if weekday not in range(7) or not 0 <= start < end <= slots.MINUTES_PER_DAY:
            raise ValidationError(_("The hours must end after they start, on the same day."))
        if index and ordered[index - 1][0] == weekday and ordered[index - 1][2] > start:
            raise ValidationError(_("Two of these windows overlap."))
    with transaction.atomic():
        schedule_of(practitioner)
        PractitionerSchedule.objects.select_for_update().get(practitioner=practitioner)
        AvailabilityWindow.objects.filter(practitioner=practitioner).delete()
        created = AvailabilityWindow.objects.bulk_create(
            AvailabilityWindow(
                practitioner=practitioner, weekday=weekday, start_minute=start, end_minute=end
            )
            for weekday, start, end in ordered
        )
        renew_public_pages()  # a visitor's next page shows it
        record_event(
            action=actions.SCHEDULING_WEEKLY_HOURS_REPLACED,
            actor=practitioner,
            subject_id=practitioner.pk,
            detail={"windows": [list(window) for window in ordered]},
        )
        refresh_next_free(practitioner)
    return created


def remove_availability_window(*, practitioner: User, window: AvailabilityWindow) -> None:
    with transaction.atomic():
        if window.practitioner_id != practitioner.pk:
            raise ValidationError(_("These are not your hours."))
        renew_public_pages()  # a visitor's next page shows it
        record_event(
            action=actions.SCHEDULING_WINDOW_REMOVED,
            actor=practitioner,
            target=window,
            subject_id=practitioner.pk,
            detail={"weekday": window.weekday, "start": window.start_minute},
        )
        window.delete()
        refresh_next_free(practitioner)


def _refuse_skipped_times(practitioner: User, on: date, minutes: list[int]) -> None:
    """A time the clocks skip that day (spring forward) cannot start or end anything."""
    zone = zone_of(practitioner)
    for minute in minutes:
        if minute < slots.MINUTES_PER_DAY and not slots.is_real_wall_time(
            slots.wall_time(on, minute), zone
        ):
            raise ValidationError(
                _(
                    "On %(date)s the clocks in %(zone)s skip %(time)s (daylight saving time "
                    "begins), so that time does not exist. Please choose another."
                )
                % {
                    "date": reader_date(on, "long"),
                    "zone": zone_label(zone.key),
                    "time": clock(minute),
                },
                code="dst_gap",
            )


def add_availability_exception(
    *,
    practitioner: User,
    on: date,
    kind: str,
    start_minute: int | None,
    end_minute: int | None,
    now: datetime | None = None,
) -> AvailabilityException:
    _refuse_unless_practitioner(practitioner)
    if kind not in AvailabilityException.Kind.values:
        raise ValidationError(_("Choose time off or extra hours."))
    whole_day = start_minute is None and end_minute is None
    if whole_day and kind == AvailabilityException.Kind.EXTRA_HOURS:
        raise ValidationError(_("Extra hours need a start and an end time."))
    if not whole_day and (
        start_minute is None
        or end_minute is None
        or not 0 <= start_minute < end_minute <= slots.MINUTES_PER_DAY
    ):
        raise ValidationError(_("The hours must end after they start, on the same day."))
    today = (now or timezone.now()).astimezone(zone_of(practitioner)).date()
    if on < today:
        raise ValidationError(_("This date has passed."))
    if on > today + timedelta(days=400):
        raise ValidationError(_("Exceptions can be set up to about a year ahead."))
    if start_minute is not None and end_minute is not None:
        _refuse_skipped_times(practitioner, on, [start_minute, end_minute])
    with transaction.atomic():
        schedule_of(practitioner)
        PractitionerSchedule.objects.select_for_update().get(practitioner=practitioner)
        for other in AvailabilityException.objects.filter(practitioner=practitioner, on=on):
            if _exceptions_overlap(other, start_minute, end_minute):
                raise ValidationError(
                    _("This overlaps another exception on the same date (%(what)s).")
                    % {"what": describe_exception(other)},
                    code="overlap",
                )
        exception = AvailabilityException.objects.create(
            practitioner=practitioner,
            on=on,
            kind=kind,
            start_minute=start_minute,
            end_minute=end_minute,
        )
        renew_public_pages()  # a visitor's next page shows it
        record_event(
            action=actions.SCHEDULING_EXCEPTION_ADDED,
            actor=practitioner,
            target=exception,
            subject_id=practitioner.pk,
            detail={"on": on.isoformat(), "kind": kind},
        )
        refresh_next_free(practitioner)
    return exception


def _exceptions_overlap(
    other: AvailabilityException, start_minute: int | None, end_minute: int | None
) -> bool:
    if other.start_minute is None or other.end_minute is None:
        return True
    if start_minute is None or end_minute is None:
        return True
    return other.start_minute < end_minute and start_minute < other.end_minute


def describe_exception(exception: AvailabilityException) -> str:
    if exception.start_minute is None or exception.end_minute is None:
        return str(_("time off, all day"))
    start, end = clock(exception.start_minute), clock(exception.end_minute)
    return f"{exception.get_kind_display()}, {start}-{end}"


def remove_availability_exception(*, practitioner: User, exception: AvailabilityException) -> None:
    with transaction.atomic():
        if exception.practitioner_id != practitioner.pk:
            raise ValidationError(_("This is not your exception."))
        renew_public_pages()  # a visitor's next page shows it
        record_event(
            action=actions.SCHEDULING_EXCEPTION_REMOVED,
            actor=practitioner,
            target=exception,
            subject_id=practitioner.pk,
            detail={"on": exception.on.isoformat()},
        )
        exception.delete()
        refresh_next_free(practitioner)


def save_session_type(
    *,
    practitioner: User,
    name: str,
    duration_minutes: int,
    modality: str,
    price: Decimal,
    currency: str,
    place: str = "",
    session_type: SessionType | None = None,
) -> SessionType:
    """Offer a new session type, or change one (booked appointments keep what was booked)."""
    _refuse_unless_practitioner(practitioner)
    name, place, currency = " ".join(name.split()), " ".join(place.split()), currency.upper()
    if not name:
        raise ValidationError(_("Give the session a name."))
    if not 15 <= duration_minutes <= 480:
        raise ValidationError(_("A session lasts between 15 minutes and 8 hours."))
    if modality not in dict(modality_choices()):
        raise ValidationError(_("Choose how the session takes place."))
    if modality == "in_person" and not place:
        raise ValidationError(_("Say where sessions in person take place."))
    if price < 0:
        raise ValidationError(_("The fee cannot be negative."), code="negative_fee")
    if price >= Decimal("1000000"):
        raise ValidationError(_("The fee is too large."))
    if not is_known_currency(currency):
        raise ValidationError(
            _("%(code)s is not a currency we know (ISO 4217).") % {"code": currency[:3]},
            code="unknown_currency",
        )
    with transaction.atomic():
        if session_type is not None:
            session_type = SessionType.objects.select_for_update().get(pk=session_type.pk)
            if session_type.practitioner_id != practitioner.pk:
                raise ValidationError(_("This is not your session type."))
        duplicate = SessionType.objects.filter(practitioner=practitioner, name=name, active=True)
        if session_type is not None:
            duplicate = duplicate.exclude(pk=session_type.pk)
        if duplicate.exists():
            raise ValidationError(_("You already offer a session with this name."))
        target = session_type or SessionType(practitioner=practitioner)
        target.name, target.duration_minutes, target.modality = name, duration_minutes, modality
        target.place = place if modality == "in_person" else ""
        target.price, target.currency = price, currency
        target.save()
        renew_public_pages()  # a visitor's next page shows it
        record_event(
            action=actions.SCHEDULING_SESSION_TYPE_SAVED,
            actor=practitioner,
            target=target,
            subject_id=practitioner.pk,
            detail={
                "duration": duration_minutes,
                "modality": modality,
                "price": str(price),
                "currency": currency,
            },
        )
        refresh_next_free(practitioner)
    return target


def withdraw_session_type(*, practitioner: User, session_type: SessionType) -> SessionType:
    with transaction.atomic():
        session_type = SessionType.objects.select_for_update().get(pk=session_type.pk)
        if session_type.practitioner_id != practitioner.pk:
            raise ValidationError(_("This is not your session type."))
        session_type.active = False
        session_type.save(update_fields=["active"])
        renew_public_pages()  # a visitor's next page shows it
        record_event(
            action=actions.SCHEDULING_SESSION_TYPE_WITHDRAWN,
            actor=practitioner,
            target=session_type,
            subject_id=practitioner.pk,
        )
        refresh_next_free(practitioner)
    return session_type
