"""The client's own view, and break-glass into their emergency details."""

import json
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation

from casework.accounts.models import User
from casework.care.models import BreakGlassOpening, Case
from casework.care.services import cases
from casework.privacy.models import AuditEvent
from casework.testing import care, messaging
from casework.testing.care import answers_summing_to
from casework.testing.scheduling import registered_in_england

pytestmark = pytest.mark.django_db


@pytest.fixture
def detailed(case: Case, practitioner: User) -> Case:
    return cases.update_case_details(
        case=case,
        actor=practitioner,
        client_location=messaging.place("GB-ENG"),
        emergency_contact="Sam, brother, 07700 900123",
        crisis_plan="Call Sam first",
    )


def test_my_care_shows_verification_check_ins_trend_and_consent(
    case: Case, practitioner: User, client: Client
) -> None:
    registered_in_england(practitioner)
    plan = care.plan(case)
    client.force_login(case.client)
    html = client.get("/care/my/").content.decode()
    assert "Social Work England: Registered" in html
    assert f"/care/check-ins/{care.due_check_in(plan).pk}/" in html
    assert "you agreed on" in html
    care.answer(care.due_check_in(plan), answers_summing_to("phq9", 6))
    html = client.get("/care/my/").content.decode()
    assert "PHQ-9 (depression), 1 score, oldest first: 6." in html


def test_my_care_says_plainly_when_the_practitioner_has_no_valid_registration(
    case: Case, client: Client
) -> None:
    client.force_login(case.client)
    assert "no verified registration" in client.get("/care/my/").content.decode()


def test_my_care_lists_who_opened_the_record(
    case: Case, practitioner: User, client: Client
) -> None:
    client.force_login(practitioner)
    client.get(f"/care/clients/{case.pk}/")
    client.force_login(case.client)
    html = client.get("/care/my/").content.decode()
    assert "Amara Okafor (Practitioner) opened your case" in html


def test_my_care_is_for_clients_only(practitioner: User, client: Client) -> None:
    client.force_login(practitioner)
    assert client.get("/care/my/").status_code == 403


def test_break_glass_needs_a_reason_is_audited_and_the_client_is_told(
    detailed: Case,
    moderator: User,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(moderator)
    found = client.get("/care/emergency/", {"email": detailed.client.email})
    assert f"/care/emergency/{detailed.pk}/" in found.content.decode()
    url = f"/care/emergency/{detailed.pk}/"
    assert "Sam, brother" not in client.get(url).content.decode()
    short = client.post(url, {"reason": "need it"})
    assert short.status_code == 400
    assert "Sam, brother" not in short.content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        opened = client.post(url, {"reason": "Report of imminent risk from the client's sister"})
    assert opened.status_code == 200
    assert "Sam, brother, 07700 900123" in opened.content.decode()
    event = AuditEvent.objects.get(action="care.break_glass")
    assert event.actor_id == moderator.pk
    assert event.subject_id == detailed.client_id
    # The chained log cannot be erased, so it names the opening and never holds the reason.
    opening = BreakGlassOpening.objects.get(case=detailed)
    assert event.reason == ""
    assert event.detail == {"opening": str(opening.pk)}
    assert "imminent risk" not in json.dumps(event.detail)
    assert opening.reason == "Report of imminent risk from the client's sister"
    assert {m.to[0] for m in mail.outbox} == {detailed.client.email, detailed.practitioner.email}
    assert all("Sam" not in str(m.body) for m in mail.outbox)
    client.force_login(detailed.client)
    html = client.get("/care/my/").content.decode()
    assert "Report of imminent risk from the client" in html
    assert "opened your emergency details (break-glass)" in html


def test_break_glass_is_for_moderators_admins_and_the_supervisor_only(
    detailed: Case, practitioner: User, other_practitioner: User, client: Client
) -> None:
    url = f"/care/emergency/{detailed.pk}/"
    for person in (other_practitioner, detailed.client):
        client.force_login(person)
        assert client.get(url).status_code == 404
    supervisor = care.verified_practitioner()
    care.supervise(detailed, supervisor)
    client.force_login(supervisor)
    response = client.post(url, {"reason": "Covering while Amara is on leave today"})
    assert response.status_code == 200
    assert "Call Sam first" in response.content.decode()
    assert BreakGlassOpening.objects.get().opened_by_id == supervisor.pk
    client.force_login(other_practitioner)
    assert client.get("/care/emergency/").status_code == 403


def test_a_spanish_client_reads_the_access_log_in_spanish(
    case: Case, practitioner: User, client: Client
) -> None:
    case.client.language = "es"
    case.client.save(update_fields=["language"])
    client.force_login(practitioner)
    assert client.get(f"/care/clients/{case.pk}/").status_code == 200
    client.force_login(case.client)
    with translation.override("en"):  # the page switches to Spanish; the next test does not
        html = client.get("/care/my/").content.decode()
    assert "abrió tu caso" in html
    assert "opened your case" not in html
