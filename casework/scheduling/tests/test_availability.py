"""A practitioner's hours, exceptions, session types and rules: each bad input refused with a
clear message and nothing stored; each change moves the next free slot."""

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from casework.accounts.models import User
from casework.privacy.models import AuditEvent
from casework.scheduling.models import (
    AvailabilityException,
    AvailabilityWindow,
    PractitionerSchedule,
    SessionType,
)
from casework.scheduling.services import availability
from casework.testing.scheduling import THURSDAY_9

pytestmark = pytest.mark.django_db

SignedIn = Callable[[User | None], Client]
THURSDAY = date(2026, 6, 4)


def next_free(practitioner: User) -> Any:
    return PractitionerSchedule.objects.get(practitioner=practitioner).next_free_at


def test_overlapping_weekly_hours_are_refused(
    session_type: SessionType, practitioner: User
) -> None:
    before = AvailabilityWindow.objects.count()
    with pytest.raises(ValidationError, match="overlaps your hours on Thursday, 09:00-17:00"):
        availability.add_availability_window(
            practitioner=practitioner, weekday=3, start_minute=16 * 60, end_minute=18 * 60
        )
    with pytest.raises(ValidationError, match="end after they start"):
        availability.add_availability_window(
            practitioner=practitioner, weekday=3, start_minute=18 * 60, end_minute=18 * 60
        )
    assert AvailabilityWindow.objects.count() == before
    # Evening hours after the day's end are fine, up to midnight.
    availability.add_availability_window(
        practitioner=practitioner, weekday=3, start_minute=17 * 60, end_minute=24 * 60
    )


def test_a_day_off_and_extra_hours_move_the_next_free_slot(
    session_type: SessionType, practitioner: User
) -> None:
    assert next_free(practitioner) == THURSDAY_9
    day_off = availability.add_availability_exception(
        practitioner=practitioner,
        on=THURSDAY,
        kind=AvailabilityException.Kind.TIME_OFF,
        start_minute=None,
        end_minute=None,
    )
    assert next_free(practitioner) == THURSDAY_9 + timedelta(days=1)
    availability.remove_availability_exception(practitioner=practitioner, exception=day_off)
    assert next_free(practitioner) == THURSDAY_9
    assert AuditEvent.objects.filter(action="scheduling.exception_removed").exists()


def test_overlapping_exceptions_are_refused(session_type: SessionType, practitioner: User) -> None:
    availability.add_availability_exception(
        practitioner=practitioner,
        on=THURSDAY,
        kind=AvailabilityException.Kind.EXTRA_HOURS,
        start_minute=18 * 60,
        end_minute=20 * 60,
    )
    for start, end in [(19 * 60, 21 * 60), (None, None)]:
        with pytest.raises(ValidationError, match="overlaps another exception"):
            availability.add_availability_exception(
                practitioner=practitioner,
                on=THURSDAY,
                kind=AvailabilityException.Kind.TIME_OFF,
                start_minute=start,
                end_minute=end,
            )
    assert AvailabilityException.objects.count() == 1


@pytest.mark.parametrize(
    ("on", "kind", "start", "end", "message"),
    [
        (date(2026, 6, 1), "time_off", None, None, "has passed"),
        (date(2028, 1, 1), "time_off", None, None, "about a year ahead"),
        (THURSDAY, "extra_hours", None, None, "need a start and an end"),
        (THURSDAY, "time_off", 10 * 60, None, "end after they start"),
        (THURSDAY, "time_off", 10 * 60, 9 * 60, "end after they start"),
        (THURSDAY, "holiday", None, None, "time off or extra hours"),
        # London, 28 March 2027: the clocks skip from 01:00 to 02:00.
        (date(2027, 3, 28), "extra_hours", 60 + 30, 4 * 60, "does not exist"),
    ],
)
def test_impossible_exceptions_are_refused_with_the_reason(
    session_type: SessionType,
    practitioner: User,
    on: date,
    kind: str,
    start: int | None,
    end: int | None,
    message: str,
) -> None:
    with pytest.raises(ValidationError, match=message):
        availability.add_availability_exception(
            practitioner=practitioner, on=on, kind=kind, start_minute=start, end_minute=end
        )
    assert not AvailabilityException.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"price": Decimal("-1")}, "cannot be negative"),
        ({"currency": "ZZZ"}, "not a currency we know"),
        ({"currency": "XAU"}, "not a currency we know"),
        ({"duration_minutes": 5}, "between 15 minutes and 8 hours"),
        ({"modality": "telepathy"}, "how the session takes place"),
        ({"modality": "in_person", "place": " "}, "in person take place"),
        ({"name": "   "}, "a name"),
        ({"name": "Video session"}, "already offer"),
    ],
)
def test_bad_session_types_are_refused(
    session_type: SessionType, practitioner: User, changes: dict[str, Any], message: str
) -> None:
    values: dict[str, Any] = {
        "name": "Phone call",
        "duration_minutes": 30,
        "modality": "phone",
        "price": Decimal("25.00"),
        "currency": "EUR",
    }
    with pytest.raises(ValidationError, match=message):
        availability.save_session_type(practitioner=practitioner, **(values | changes))
    assert SessionType.objects.count() == 1


def test_booking_rules_out_of_range_are_refused(
    session_type: SessionType, practitioner: User
) -> None:
    rules: dict[str, Any] = {
        "buffer_before_minutes": 0,
        "buffer_after_minutes": 10,
        "slot_interval_minutes": 30,
        "minimum_notice_hours": 12,
        "max_per_day": None,
        "horizon_days": 60,
        "cancellation_notice_hours": 24,
        "confirm_first_sessions": False,
    }
    for bad in [{"horizon_days": 0}, {"slot_interval_minutes": 7}, {"max_per_day": 0}]:
        with pytest.raises(ValidationError):
            availability.update_booking_rules(practitioner=practitioner, **(rules | bad))
    availability.update_booking_rules(
        practitioner=practitioner, **(rules | {"minimum_notice_hours": 48})
    )
    assert next_free(practitioner) == THURSDAY_9 + timedelta(days=1)


def test_the_availability_page_shows_each_forms_errors(
    signed_in: SignedIn, session_type: SessionType, practitioner: User
) -> None:
    client = signed_in(practitioner)
    page = client.get(reverse("scheduling:availability")).content.decode()
    assert "Thursday, 09:00-17:00" in page
    assert "Video session: 50 minutes, Video, 60.00 GBP" in page
    response = client.post(
        reverse("scheduling:add_session_type"),
        {
            "session-name": "Chat",
            "session-duration_minutes": "30",
            "session-modality": "chat",
            "session-price": "-5",
            "session-currency": "ZZZ",
        },
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 0" in text
    assert "Select a valid choice. ZZZ is not one of the available choices." in text
    response = client.post(
        reverse("scheduling:add_exception"),
        {
            "exception-on_day": "28",
            "exception-on_month": "3",
            "exception-on_year": "2027",
            "exception-kind": "extra_hours",
            "exception-start_minute": "01:30",
            "exception-end_minute": "04:00",
        },
    )
    assert "does not exist" in response.content.decode()
    response = client.post(
        reverse("scheduling:add_window"),
        {"window-weekday": "3", "window-start_minute": "09:10", "window-end_minute": "10:00"},
    )
    assert "quarter hour" in response.content.decode()
    response = client.post(
        reverse("scheduling:add_window"),
        {"window-weekday": "3", "window-start_minute": "20:00", "window-end_minute": "00:00"},
    )
    assert response.status_code == 302
    assert AvailabilityWindow.objects.filter(weekday=3, end_minute=24 * 60).exists()


def test_the_rules_form_saves_through_the_service(
    signed_in: SignedIn, session_type: SessionType, practitioner: User
) -> None:
    client = signed_in(practitioner)
    data = {
        "rules-buffer_before_minutes": "5",
        "rules-buffer_after_minutes": "15",
        "rules-slot_interval_minutes": "60",
        "rules-minimum_notice_hours": "24",
        "rules-max_per_day": "4",
        "rules-horizon_days": "30",
        "rules-cancellation_notice_hours": "48",
        "rules-confirm_first_sessions": "on",
    }
    assert client.post(reverse("scheduling:update_rules"), data).status_code == 302
    schedule = PractitionerSchedule.objects.get(practitioner=practitioner)
    assert (
        schedule.buffer_after_minutes,
        schedule.max_per_day,
        schedule.confirm_first_sessions,
    ) == (
        15,
        4,
        True,
    )
    assert AuditEvent.objects.filter(action="scheduling.rules_changed").exists()
    bad = client.post(reverse("scheduling:update_rules"), data | {"rules-horizon_days": "999"})
    assert "less than or equal to 365" in bad.content.decode()


def test_a_practitioner_edits_and_withdraws_only_their_own_sessions(
    signed_in: SignedIn, session_type: SessionType, practitioner: User, other_practitioner: User
) -> None:
    stranger = signed_in(other_practitioner)
    edit = reverse("scheduling:edit_session_type", args=[session_type.pk])
    assert stranger.get(edit).status_code == 404
    assert (
        stranger.post(
            reverse("scheduling:withdraw_session_type", args=[session_type.pk])
        ).status_code
        == 404
    )
    owner = Client()
    owner.force_login(practitioner)
    assert 'value="Video session"' in owner.get(edit).content.decode()
    response = owner.post(
        edit,
        {
            "session-name": "Longer video session",
            "session-duration_minutes": "80",
            "session-modality": "video",
            "session-price": "90",
            "session-currency": "GBP",
        },
    )
    assert response.status_code == 302
    session_type.refresh_from_db()
    assert (session_type.name, session_type.duration_minutes) == ("Longer video session", 80)
    owner.post(
        reverse("scheduling:withdraw_session_type", args=[session_type.pk]), {"confirmed": "yes"}
    )
    assert next_free(practitioner) is None
