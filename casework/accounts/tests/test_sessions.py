from datetime import UTC, datetime

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from allauth.usersessions.signals import session_client_changed
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.accounts.live import session_group
from casework.accounts.models import User
from casework.events.models import OutboxEvent
from casework.privacy.models import AuditEvent
from casework.testing.factories import PERSONA_PASSWORD

pytestmark = pytest.mark.django_db


def _signed_in_browser(user: User, agent: str) -> Client:
    browser = Client(HTTP_USER_AGENT=agent)
    browser.force_login(user)
    browser.get(reverse("shell:dashboard"))  # recorded as a session on first visit
    return browser


def test_the_sessions_page_lists_ones_own_sessions_only(
    client_person: User, practitioner: User
) -> None:
    laptop = _signed_in_browser(client_person, "Laptop browser")
    _signed_in_browser(client_person, "Phone browser")
    _signed_in_browser(practitioner, "Someone else's browser")
    page = laptop.get(reverse("accounts:sessions")).content.decode()
    assert "Laptop browser" in page
    assert "Phone browser" in page
    assert "Someone else" not in page
    assert "This device" in page


def test_signing_out_another_session_ends_it_and_leaves_this_one(client_person: User) -> None:
    laptop = _signed_in_browser(client_person, "Laptop browser")
    phone = _signed_in_browser(client_person, "Phone browser")
    phone_session = UserSession.objects.get(user=client_person, user_agent="Phone browser")
    response = laptop.post(
        reverse("accounts:end_session", args=[phone_session.pk]), {"confirmed": "yes"}
    )
    assert response.status_code == 302
    assert phone.get(reverse("shell:dashboard")).status_code == 302  # signed out
    assert laptop.get(reverse("shell:dashboard")).status_code == 200
    assert AuditEvent.objects.filter(
        action="account.session_ended", object_id=str(phone_session.pk)
    ).exists()


def test_the_ended_session_is_announced_through_the_outbox_without_its_key(
    client_person: User,
) -> None:
    laptop = _signed_in_browser(client_person, "Laptop browser")
    _signed_in_browser(client_person, "Phone browser")
    phone_session = UserSession.objects.get(user=client_person, user_agent="Phone browser")
    laptop.post(reverse("accounts:end_session", args=[phone_session.pk]), {"confirmed": "yes"})
    # Written with the change, so a crash at the commit cannot lose it: the relay tells the
    # open pages, by the session's group (a digest), never its key.
    (event,) = OutboxEvent.objects.filter(name="accounts.sessions_ended")
    assert event.payload == {
        "person_id": client_person.pk,
        "groups": [session_group(phone_session.session_key)],
    }
    assert phone_session.session_key not in repr(event.payload)


def test_someone_elses_session_answers_like_a_missing_one(
    client_person: User, practitioner: User
) -> None:
    laptop = _signed_in_browser(client_person, "Laptop browser")
    theirs = _signed_in_browser(practitioner, "Their browser")
    their_session = UserSession.objects.get(user=practitioner)
    assert laptop.post(reverse("accounts:end_session", args=[their_session.pk])).status_code == 404
    assert laptop.post(reverse("accounts:end_session", args=[987654])).status_code == 404
    assert theirs.get(reverse("shell:dashboard")).status_code == 200


def test_sign_out_everywhere_ends_every_session_including_this_one(client_person: User) -> None:
    laptop = _signed_in_browser(client_person, "Laptop browser")
    phone = _signed_in_browser(client_person, "Phone browser")
    response = laptop.post(reverse("accounts:end_all_sessions"), {"confirmed": "yes"})
    assert response["Location"] == reverse("account_login")
    assert laptop.get(reverse("shell:dashboard")).status_code == 302
    assert phone.get(reverse("shell:dashboard")).status_code == 302
    assert not UserSession.objects.filter(user=client_person).exists()


def test_ending_a_session_needs_post(client_person: User) -> None:
    laptop = _signed_in_browser(client_person, "Laptop browser")
    assert laptop.get(reverse("accounts:end_all_sessions")).status_code == 405


def test_staff_sessions_end_after_thirty_idle_minutes(practitioner: User) -> None:
    with time_machine.travel("2026-11-24 09:00Z", tick=False) as traveller:
        browser = _signed_in_browser(practitioner, "Office")
        traveller.shift(29 * 60)
        assert browser.get(reverse("shell:dashboard")).status_code == 200
        traveller.shift(31 * 60)
        response = browser.get(reverse("shell:dashboard"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert AuditEvent.objects.filter(action="account.session_expired").exists()


def test_a_service_worker_update_check_does_not_keep_a_staff_session_alive(
    practitioner: User,
) -> None:
    with time_machine.travel("2026-11-24 09:00Z", tick=False) as traveller:
        browser = _signed_in_browser(practitioner, "Office")
        traveller.shift(20 * 60)
        worker = browser.get(reverse("accounts:push_worker"), headers={"Service-Worker": "script"})
        assert worker.status_code == 200
        traveller.shift(20 * 60)
        assert browser.get(reverse("shell:dashboard")).status_code == 302


def test_staff_sessions_end_after_twelve_hours_however_active(practitioner: User) -> None:
    with time_machine.travel("2026-11-24 06:00Z", tick=False) as traveller:
        browser = _signed_in_browser(practitioner, "Office")
        for _ in range(12 * 3):
            traveller.shift(20 * 60)
            browser.get(reverse("shell:dashboard"))
        traveller.shift(20 * 60)
        assert browser.get(reverse("shell:dashboard")).status_code == 302


def test_client_sessions_do_not_expire_after_thirty_minutes(client_person: User) -> None:
    with time_machine.travel("2026-11-24 09:00Z", tick=False) as traveller:
        browser = _signed_in_browser(client_person, "Phone")
        traveller.shift(3 * 3600)
        assert browser.get(reverse("shell:dashboard")).status_code == 200


def _statements_on_session_records(queries: CaptureQueriesContext) -> list[str]:
    """What the activity record cost (the dashboard also counts one's sessions: left out)."""
    return [
        query["sql"].split()[0].upper()
        for query in queries.captured_queries
        if "usersessions_usersession" in query["sql"] and "COUNT(*)" not in query["sql"]
    ]


def test_a_known_device_s_record_is_brought_up_to_date_in_one_update(client_person: User) -> None:
    """The cache remembers the record written within the minute; once it does not (emptied,
    down, or the minute passed), the same device's record only needs its time."""
    with time_machine.travel("2026-11-24 09:00Z", tick=False) as traveller:
        browser = _signed_in_browser(client_person, "Laptop browser")
        record = UserSession.objects.get(user=client_person)
        with CaptureQueriesContext(connection) as remembered:
            browser.get(reverse("shell:dashboard"))
        traveller.shift(5 * 60)
        cache.clear()
        with CaptureQueriesContext(connection) as forgotten:
            browser.get(reverse("shell:dashboard"))
    assert _statements_on_session_records(remembered) == []
    assert _statements_on_session_records(forgotten) == ["UPDATE"]
    record.refresh_from_db()
    assert record.last_seen_at == datetime(2026, 11, 24, 9, 5, tzinfo=UTC)
    assert record.user_agent == "Laptop browser"


def test_a_session_met_from_another_browser_is_recorded_and_announced(client_person: User) -> None:
    laptop = _signed_in_browser(client_person, "Laptop browser")
    elsewhere = Client(HTTP_USER_AGENT="Another browser", REMOTE_ADDR="192.0.2.7")
    elsewhere.cookies = laptop.cookies
    announced: list[tuple[str, str]] = []

    def heard(*, from_session: UserSession, to_session: UserSession, **_kwargs: object) -> None:
        announced.append((from_session.user_agent, to_session.user_agent))

    session_client_changed.connect(heard, dispatch_uid="test-heard")
    try:
        assert elsewhere.get(reverse("shell:dashboard")).status_code == 200
    finally:
        session_client_changed.disconnect(dispatch_uid="test-heard")
    (record,) = UserSession.objects.filter(user=client_person)
    assert (record.user_agent, record.ip) == ("Another browser", "192.0.2.7")
    assert announced == [("Laptop browser", "Another browser")]


def test_a_staff_member_without_mfa_is_sent_to_enrolment(client: Client) -> None:
    from casework.testing.factories import PractitionerFactory

    newcomer = PractitionerFactory.create(totp=False)
    client.post(reverse("account_login"), {"login": newcomer.email, "password": PERSONA_PASSWORD})
    response = client.get(reverse("shell:dashboard"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
