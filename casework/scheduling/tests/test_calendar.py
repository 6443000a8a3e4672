"""Calendar files and private feeds: parsed back with the icalendar library."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from casework.accounts.models import User
from casework.privacy.models import AuditEvent
from casework.scheduling.calendar import token_hash
from casework.scheduling.calendar_views import NEW_FEED_TOKEN
from casework.scheduling.models import Appointment, CalendarFeed, SessionType
from casework.scheduling.services import booking, feeds
from casework.testing.scheduling import THURSDAY_9, another_client, book

pytestmark = pytest.mark.django_db

SignedIn = Callable[[User | None], Client]
Capture = Callable[..., Any]


def events(body: bytes) -> list[Any]:
    return list(Calendar.from_ical(body).walk("VEVENT"))


def test_the_appointment_file_has_utc_times_a_stable_uid_and_nothing_else(
    signed_in: SignedIn, session_type: SessionType, client_person: User
) -> None:
    appointment = book(client_person, session_type, THURSDAY_9)
    response = signed_in(client_person).get(
        reverse("scheduling:appointment_ics", args=[appointment.pk])
    )
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content
    calendar = Calendar.from_ical(body)
    assert calendar["METHOD"] == "PUBLISH"
    (event,) = events(body)
    assert event.decoded("DTSTART") == THURSDAY_9
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert event.decoded("DTEND") == THURSDAY_9 + timedelta(minutes=50)
    assert b"DTSTART:20260604T080000Z" in body
    assert b"TZID" not in body
    assert str(event["UID"]) == f"{appointment.uid}@casework"
    assert str(event["SUMMARY"]) == "Casework appointment"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "DTSTAMP" in event
    assert str(event["URL"]).endswith(f"/appointments/{appointment.pk}/")
    text = body.decode()
    assert "Robin" not in text
    assert "Amara" not in text
    assert "GBP" not in text
    assert "video" not in text


def test_the_uid_stays_and_the_sequence_grows_as_the_appointment_changes(
    session_type: SessionType, client_person: User, django_capture_on_commit_callbacks: Capture
) -> None:
    appointment = book(client_person, session_type, THURSDAY_9 + timedelta(days=2))
    new_start = THURSDAY_9 + timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        booking.reschedule_appointment(
            appointment=appointment, person=client_person, starts_at=new_start
        )
    moved = [m for m in mail.outbox if "moved" in str(m.subject)]
    assert len(moved) == 2  # the client and the practitioner
    (event,) = events(moved[0].attachments[0][1].encode())
    assert (event.decoded("DTSTART"), int(event["SEQUENCE"])) == (new_start, 1)
    assert str(event["UID"]) == f"{appointment.uid}@casework"
    mail.outbox.clear()
    appointment.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        booking.cancel_appointment(appointment=appointment, person=client_person)
    (event,) = events(mail.outbox[0].attachments[0][1].encode())
    assert (str(event["STATUS"]), int(event["SEQUENCE"])) == ("CANCELLED", 2)


def test_a_request_awaiting_confirmation_is_tentative(
    session_type: SessionType, client_person: User, practitioner: User
) -> None:
    from casework.scheduling.models import PractitionerSchedule

    PractitionerSchedule.objects.filter(practitioner=practitioner).update(
        confirm_first_sessions=True
    )
    appointment = book(client_person, session_type, THURSDAY_9)
    from casework.scheduling.calendar import appointment_ics

    (event,) = events(appointment_ics(appointment))
    assert str(event["STATUS"]) == "TENTATIVE"


def test_the_private_feed_is_shown_once_kept_hashed_and_revocable(
    signed_in: SignedIn, session_type: SessionType, client_person: User
) -> None:
    book(client_person, session_type, THURSDAY_9)
    cancelled = book(client_person, session_type, THURSDAY_9 + timedelta(days=1))
    booking.cancel_appointment(appointment=cancelled, person=client_person)
    book(another_client(), session_type, THURSDAY_9 + timedelta(days=2))  # not Robin's
    client = signed_in(client_person)
    settings_url = reverse("scheduling:calendar_settings")
    assert "You have no calendar address yet" in client.get(settings_url).content.decode()
    client.post(reverse("scheduling:create_calendar_feed"))
    assert client.session.get(NEW_FEED_TOKEN)  # until the page below shows it
    page = client.get(settings_url).content.decode()
    assert client.session.get(NEW_FEED_TOKEN) is None
    start = page.index('id="feed-url"')
    feed_url = page[
        page.index('value="', start) + 7 : page.index('"', page.index('value="', start) + 7)
    ]
    path = feed_url.removeprefix("http://testserver")
    token = path.rsplit("/", 1)[1].removesuffix(".ics")
    assert CalendarFeed.objects.get().token_hash == token_hash(token)
    assert token not in client.get(settings_url).content.decode()  # shown once
    assert "webcal://testserver" in page
    feed = Client().get(path)  # calendars fetch it without signing in
    assert feed.status_code == 200
    found = events(feed.content)
    assert sorted(str(e["STATUS"]) for e in found) == ["CANCELLED", "CONFIRMED"]
    assert {str(e["SUMMARY"]) for e in found} == {"Casework appointment"}
    client.post(reverse("scheduling:revoke_calendar_feed"), {"confirmed": "yes"})
    assert Client().get(path).status_code == 404
    assert AuditEvent.objects.filter(action="scheduling.calendar_feed_revoked").exists()


def test_a_new_address_ends_the_old_one(client_person: User, db: None) -> None:
    old = feeds.create_calendar_feed(person=client_person)
    new = feeds.create_calendar_feed(person=client_person)
    assert Client().get(reverse("scheduling:calendar_feed", args=[old])).status_code == 404
    assert Client().get(reverse("scheduling:calendar_feed", args=[new])).status_code == 200
    assert CalendarFeed.objects.filter(revoked_at__isnull=True).count() == 1


@pytest.mark.parametrize("token", ["sample", "a" * 43, "../etc/passwd", "%00"])
def test_made_up_feed_addresses_answer_404(token: str, db: None) -> None:
    assert Client().get(f"/calendar/{token}.ics").status_code == 404


def test_a_practitioners_feed_holds_their_appointments(
    session_type: SessionType, client_person: User, practitioner: User
) -> None:
    appointment = book(client_person, session_type, THURSDAY_9)
    token = feeds.create_calendar_feed(person=practitioner)
    found = events(Client().get(reverse("scheduling:calendar_feed", args=[token])).content)
    assert [str(e["UID"]) for e in found] == [f"{appointment.uid}@casework"]
    assert Appointment.objects.count() == 1


def test_a_double_submit_leaves_one_live_feed_the_later_ones(
    client_person: User, monkeypatch: pytest.MonkeyPatch, db: None
) -> None:
    # The other submit commits its feed after this one revoked nothing and before it inserts;
    # the database's one-live-feed constraint once made this a 500.
    real_revoke = feeds._revoke
    raced: list[CalendarFeed] = []

    def revoke_then_lose_the_race(person: User) -> bool:
        revoked = real_revoke(person)
        if not raced:
            raced.append(CalendarFeed.objects.create(person=person, token_hash="0" * 64))
        return revoked

    monkeypatch.setattr(feeds, "_revoke", revoke_then_lose_the_race)
    token = feeds.create_calendar_feed(person=client_person)
    live = CalendarFeed.objects.get(person=client_person, revoked_at__isnull=True)
    assert live.token_hash == token_hash(token)
    (other,) = raced
    other.refresh_from_db()
    assert other.revoked_at is not None
    assert Client().get(reverse("scheduling:calendar_feed", args=[token])).status_code == 200
