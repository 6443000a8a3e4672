"""Each role's overview page says what needs them now, at a fixed number of queries."""

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.accounts.models import User
from casework.care.models import Technology
from casework.care.services import cases, consents
from casework.scheduling.services.booking import confirm_appointment
from casework.testing import care, factories
from casework.testing.scheduling import NOW, THURSDAY_9, book, bookable_practitioner

pytestmark = pytest.mark.django_db

SignedIn = Callable[[User | None], Client]
OVERVIEW = reverse("shell:dashboard")


def _queries(browser: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert browser.get(OVERVIEW).status_code == 200
    return len(captured.captured_queries)


def test_a_client_with_a_pending_first_booking_is_told_who_acts_next(
    client_person: User, signed_in: SignedIn
) -> None:
    _, session_type = bookable_practitioner(rules={"confirm_first_sessions": True})
    with time_machine.travel(NOW, tick=False):
        book(client_person, session_type, THURSDAY_9)
        page = signed_in(client_person).get(OVERVIEW).content.decode()
    assert "What needs you now" in page
    assert "It waits for the social worker to confirm it" in page


def test_the_practitioner_sees_bookings_to_confirm_clients_to_assess_and_today(
    client_person: User, signed_in: SignedIn
) -> None:
    practitioner, session_type = bookable_practitioner(rules={"confirm_first_sessions": True})
    with time_machine.travel(NOW, tick=False):
        requested = book(client_person, session_type, THURSDAY_9)
        page = signed_in(practitioner).get(OVERVIEW).content.decode()
        assert "Robin" in page
        assert "confirm or decline" in page
        confirm_appointment(appointment=requested, practitioner=practitioner)
        if not cases_of(practitioner):  # the outbox relay opens it in production
            care.open_case(practitioner, client_person)
        page = signed_in(practitioner).get(OVERVIEW).content.decode()
    assert "confirm or decline" not in page
    case_url = reverse("care:suitability", kwargs={"case_id": cases_of(practitioner)[0]})
    assert f'href="{case_url}"' in page
    with time_machine.travel(THURSDAY_9, tick=False):
        page = signed_in(practitioner).get(OVERVIEW).content.decode()
    assert "No sessions today." not in page


def cases_of(practitioner: User) -> list[object]:
    return list(practitioner.caseload.values_list("pk", flat=True))


def test_a_client_is_asked_for_consent_once_online_work_is_found_suitable(
    client_person: User, practitioner: User, signed_in: SignedIn
) -> None:
    case = care.open_case(practitioner, client_person)
    browser = signed_in(client_person)
    assert "found that online work suits you" not in browser.get(OVERVIEW).content.decode()
    cases.record_online_suitability(case=case, actor=practitioner, suitable=True)
    assert "found that online work suits you" in browser.get(OVERVIEW).content.decode()
    care.consent_to(case)
    assert "found that online work suits you" not in browser.get(OVERVIEW).content.decode()


def test_the_practitioner_is_told_a_client_consented_until_their_first_session_is_held(
    client_person: User, signed_in: SignedIn
) -> None:
    practitioner, session_type = bookable_practitioner()
    browser = signed_in(practitioner)
    with time_machine.travel(NOW, tick=False):
        booked = book(client_person, session_type, THURSDAY_9)
        case = care.open_case(practitioner, client_person)
        cases.record_online_suitability(case=case, actor=practitioner, suitable=True)
        page = browser.get(OVERVIEW).content.decode()
        assert "No client has newly given consent." in page
        assert "gave consent" not in page
        care.consent_to(case)
        page = browser.get(OVERVIEW).content.decode()
    item = page.split("Ready for a first session", 1)[1].split("</li>", 2)[0]
    # Dates in the reader's format: only the words are checked here.
    assert "Robin gave consent on " in item
    assert ": ready for a first session</a>" in item
    assert f'href="{reverse("care:case", kwargs={"case_id": case.pk})}"' in item
    assert booked.status == "confirmed"
    assert "first session booked for " in item
    assert "no session booked yet" not in item
    # The session is held: the client is no longer waiting for a first one.
    with time_machine.travel(THURSDAY_9 + timedelta(hours=2), tick=False):
        page = browser.get(OVERVIEW).content.decode()
    assert "gave consent" not in page
    assert "No client has newly given consent." in page


def test_a_consent_withdrawn_or_a_month_old_leaves_the_practitioners_overview(
    client_person: User, practitioner: User, signed_in: SignedIn
) -> None:
    browser = signed_in(practitioner)
    with time_machine.travel(NOW, tick=False):
        case = care.ready_case(practitioner, client_person)
        page = browser.get(OVERVIEW).content.decode()
    assert "Robin gave consent" in page
    assert "no session booked yet" in page
    with time_machine.travel(NOW + timedelta(days=31), tick=False):
        assert "gave consent" not in browser.get(OVERVIEW).content.decode()
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        for technology in Technology.values:
            consents.withdraw_consent(case=case, client=client_person, technology=technology)
        assert "gave consent" not in browser.get(OVERVIEW).content.decode()


def test_the_client_overview_costs_the_same_queries_for_1_or_6_cases(
    client_person: User, signed_in: SignedIn
) -> None:
    browser = signed_in(client_person)
    browser.get(OVERVIEW)  # the first visit records the session once
    care.open_case(factories.PractitionerFactory.create(), client_person)
    one = _queries(browser)
    for _ in range(5):
        case = care.ready_case(factories.PractitionerFactory.create(), client_person)
        care.plan(case)
    # Session, user, its session record (savepoint, read, user, update, release),
    # authenticators, email address, sessions count; then the dashboard: next appointment,
    # due check-ins, consents to give, unread messages; the navigation's unread count.
    assert _queries(browser) == one == 10


def test_the_practitioner_overview_costs_the_same_queries_for_1_or_6_clients(
    signed_in: SignedIn,
) -> None:
    practitioner, session_type = bookable_practitioner(rules={"confirm_first_sessions": True})
    browser = signed_in(practitioner)
    with time_machine.travel(NOW, tick=False):
        browser.get(OVERVIEW)  # the first visit records the session once
        book(factories.ClientFactory.create(), session_type, THURSDAY_9)
        one = _queries(browser)
        for hour in range(1, 6):
            client = factories.ClientFactory.create()
            care.open_case(practitioner, client)
            book(client, session_type, THURSDAY_9.replace(hour=8 + hour))
        # As for a client, plus a second-factor check; then the dashboard: urgent flags,
        # bookings to confirm, clients awaiting a suitability decision, clients ready for a
        # first session, unread messages, today's sessions; the navigation's unread count.
        assert _queries(browser) == one == 13


def test_my_care_does_not_say_no_case_exists_while_a_first_booking_waits(
    client_person: User, signed_in: SignedIn
) -> None:
    _, session_type = bookable_practitioner(rules={"confirm_first_sessions": True})
    with time_machine.travel(NOW, tick=False):
        book(client_person, session_type, THURSDAY_9)
        page = signed_in(client_person).get(reverse("care:my_care")).content.decode()
    assert "You have no open case yet" not in page
    assert "Your first session is booked" in page
