"""The practitioner's overview of video sessions open now: who is waiting, and where."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.accounts.models import User
from casework.care.models import Case
from casework.scheduling.models import Appointment
from casework.testing import care, scheduling
from casework.testing.factories import ClientFactory
from casework.testing.messaging import place
from casework.video import services

pytestmark = pytest.mark.django_db


def _video_queries(browser: Client) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        page = browser.get(reverse("video:waiting_room")).content.decode()
    return page, [
        q["sql"]
        for q in captured.captured_queries
        if '"video_' in q["sql"] or '"scheduling_appointment"' in q["sql"]
    ]


def test_the_practitioner_sees_who_waits_and_where_at_the_same_cost_for_many(
    in_window: Any,
    case: Case,
    appointment: Appointment,
    client_person: User,
    practitioner: User,
    traveller: Any,
    settings: Any,
) -> None:
    browser = Client()
    browser.force_login(practitioner)
    page, one = _video_queries(browser)
    assert "Not arrived yet" in page
    services.confirm_place(appointment=appointment, client=client_person, where=place("GB-SCT"))
    page, _queries = _video_queries(browser)
    assert "Waiting, in Scotland" in page
    assert "You may not practise there." in page

    # Four more clients, booked an hour apart after Robin that Thursday.
    traveller.move_to(scheduling.NOW)
    session_type = appointment.session_type
    for hour in range(1, 5):
        other = ClientFactory.create()
        scheduling.book(other, session_type, scheduling.THURSDAY_9 + timedelta(hours=hour))
        care.ready_case(practitioner, other)
    traveller.move_to(scheduling.THURSDAY_9 + timedelta(hours=4, minutes=30))
    settings.VIDEO_GRACE_MINUTES = 4 * 60 + 30  # every one of them still inside its window
    browser.force_login(practitioner)  # hours later: a staff session would have timed out
    page, many = _video_queries(browser)
    assert page.count("Video session with") == 5
    assert len(many) == len(one) == 2  # the appointments open now; their sessions
