"""Office hours: the automatic reply outside them, once per closed period, with the crisis lines
of the place the client said they are in."""

import zoneinfo
from datetime import UTC, datetime, time

import pytest
import time_machine

from casework.accounts.models import User
from casework.messaging import office_hours
from casework.messaging.models import Conversation, Message
from casework.testing import factories, messaging

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
# 2026-03-07 is a Saturday; 2026-03-09 a Monday.
SATURDAY_MORNING = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
MONDAY_MIDDAY = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
MONDAY_EVENING = datetime(2026, 3, 9, 18, 0, tzinfo=UTC)


@pytest.fixture
def weekday_hours(practitioner: User) -> None:
    User.objects.filter(pk=practitioner.pk).update(time_zone="Europe/London")
    practitioner.refresh_from_db()
    messaging.office_hours(practitioner, days=range(5), opens=time(9), closes=time(17))


def replies(conversation: Conversation) -> list[Message]:
    return list(
        Message.objects.filter(conversation=conversation, kind=Message.Kind.AUTO_REPLY)
        .select_related("conversation__data_key")
        .order_by("seq")
    )


def enquire_at(moment: datetime, client: User, practitioner: User, where: str) -> Conversation:
    with time_machine.travel(moment, tick=False):
        return messaging.enquiry(client, practitioner, body="Can we talk?", where=where)


@pytest.mark.usefixtures("weekday_hours")
def test_outside_office_hours_the_client_gets_their_places_crisis_lines(
    client_person: User, practitioner: User
) -> None:
    found = enquire_at(SATURDAY_MORNING, client_person, practitioner, "GB-SCT")
    (reply,) = replies(found)
    assert (reply.seq, reply.sender_id) == (2, practitioner.pk)
    text = reply.body
    assert "Amara Okafor is outside their office hours" in text
    assert "Monday 9 March, 09:00" in text
    assert "Emergency: call 999 or 112." in text
    assert "Breathing Space: call 0800 83 85 87 (Monday to Thursday 6pm to 2am" in text
    assert "Samaritans: call 116 123 (open 24 hours, every day)" in text
    assert "https://breathingspace.scot/" in text


@pytest.mark.usefixtures("weekday_hours")
def test_one_reply_per_closed_period(client_person: User, practitioner: User) -> None:
    found = enquire_at(SATURDAY_MORNING, client_person, practitioner, "GB-ENG")
    with time_machine.travel(SATURDAY_MORNING.replace(hour=15), tick=False):
        messaging.send(found, client_person, "Sorry, one more thing")
    assert len(replies(found)) == 1
    with time_machine.travel(MONDAY_MIDDAY, tick=False):
        messaging.send(found, client_person, "Hello on Monday")
    assert len(replies(found)) == 1  # open: no reply
    with time_machine.travel(MONDAY_EVENING, tick=False):
        messaging.send(found, client_person, "And on Monday evening")
    later = replies(found)
    assert len(later) == 2
    assert "Tuesday 10 March, 09:00" in later[1].body


@pytest.mark.usefixtures("weekday_hours")
def test_the_reply_speaks_the_clients_time_zone(practitioner: User) -> None:
    client = factories.ClientFactory.create(time_zone="America/Los_Angeles")
    found = enquire_at(SATURDAY_MORNING, client, practitioner, "US-CA")
    (reply,) = replies(found)
    # 09:00 in London (still GMT) on Monday 9 March is 02:00 in Los Angeles, whose clocks moved
    # to summer time on 8 March.
    assert "Monday 9 March, 02:00" in reply.body
    assert "Emergency: call 911." in reply.body
    assert "988 Suicide & Crisis Lifeline: call 988, text 988" in reply.body


@pytest.mark.usefixtures("weekday_hours")
def test_a_place_without_data_gets_the_fallback(client_person: User, practitioner: User) -> None:
    found = enquire_at(SATURDAY_MORNING, client_person, practitioner, "FR")
    (reply,) = replies(found)
    assert "Emergency: call your local emergency number." in reply.body
    assert "https://findahelpline.com/" in reply.body


@pytest.mark.usefixtures("weekday_hours")
def test_no_reply_to_the_practitioners_own_messages_or_within_hours(
    client_person: User, practitioner: User
) -> None:
    found = enquire_at(MONDAY_MIDDAY, client_person, practitioner, "GB-ENG")
    with time_machine.travel(SATURDAY_MORNING.replace(day=14), tick=False):
        messaging.send(found, practitioner, "I will reply on Monday")
    assert replies(found) == []


def test_without_office_hours_there_is_no_automatic_reply(
    client_person: User, practitioner: User
) -> None:
    found = enquire_at(SATURDAY_MORNING, client_person, practitioner, "GB-ENG")
    assert replies(found) == []


def test_windows_follow_daylight_saving_time(practitioner: User) -> None:
    windows = messaging.office_hours(practitioner, days=range(1), opens=time(9), closes=time(17))
    before = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # British clocks go forward on the 29th
    opening = office_hours.next_opening(windows, LONDON, before)
    assert opening == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert office_hours.is_open_at(windows, LONDON, datetime(2026, 3, 30, 8, 30, tzinfo=UTC))
    assert not office_hours.is_open_at(windows, LONDON, datetime(2026, 3, 23, 8, 30, tzinfo=UTC))
