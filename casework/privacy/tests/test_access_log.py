"""Who has looked at my record: on everyone's account page, each access by another person
(never the system's, never one's own), with their role, the time, and the reason where one
was needed."""

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.accounts.models import User
from casework.care.models import Case
from casework.care.services.emergency import break_glass
from casework.privacy import access_log, actions
from casework.privacy.audit import record_event
from casework.privacy.models import AuditEvent
from casework.testing import care, factories

pytestmark = pytest.mark.django_db

PREFERENCES = "/accounts/preferences/"


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[Any]:
    with time_machine.travel(care.NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def case(practitioner: User, client_person: User) -> Case:
    return care.ready_case(
        practitioner, client_person, emergency_contact="Sam, 07700 900123", crisis_plan="Call Sam"
    )


def test_the_account_page_lists_who_opened_the_record_with_role_and_reason(
    case: Case, practitioner: User, moderator: User, client: Client
) -> None:
    client.force_login(practitioner)
    assert client.get(f"/care/clients/{case.pk}/").status_code == 200
    break_glass(case=case, person=moderator, reason="A report of imminent risk tonight")
    client.force_login(case.client)
    page = client.get(PREFERENCES).content.decode()
    assert "Who has looked at your record" in page
    assert "Amara Okafor (Practitioner) opened your case." in page
    assert "Tomás Herrera (Moderator) opened your emergency details (break-glass)." in page
    assert "A report of imminent risk tonight" in page


def test_the_system_and_the_person_themselves_are_not_listed(
    client_person: User, client: Client
) -> None:
    record_event(action=actions.CARE_CASE_VIEWED, subject_id=client_person.pk)  # the system
    record_event(action=actions.CARE_CASE_VIEWED, actor=client_person, subject_id=client_person.pk)
    record_event(action=actions.ACCOUNT_SIGNED_IN, actor=client_person, subject_id=client_person.pk)
    assert access_log.accesses_of(client_person) == []
    client.force_login(client_person)
    assert "Nobody yet." in client.get(PREFERENCES).content.decode()


def test_staff_see_who_changed_their_access(
    practitioner: User, admin_person: User, client: Client
) -> None:
    record_event(
        action=actions.ACCOUNT_ACCESS_CHANGED,
        actor=admin_person,
        target=practitioner,
        subject_id=practitioner.pk,
    )
    client.force_login(practitioner)
    page = client.get(PREFERENCES).content.decode()
    assert "Priya Raman (Administrator) changed your role or access." in page


def test_a_spanish_reader_reads_the_log_in_spanish(
    case: Case, practitioner: User, client: Client
) -> None:
    case.client.language = "es"
    case.client.save(update_fields=["language"])
    client.force_login(practitioner)
    client.get(f"/care/clients/{case.pk}/")
    client.force_login(case.client)
    page = client.get(PREFERENCES, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "abrió tu caso" in page


def test_the_account_page_costs_the_same_queries_for_2_or_40_accesses(
    client_person: User, moderator: User, client: Client
) -> None:
    case = care.ready_case(factories.PractitionerFactory.create(), client_person)
    break_glass(case=case, person=moderator, reason="A report of imminent risk tonight")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PREFERENCES).status_code == 200
        return len(captured)

    client.force_login(client_person)
    client.get(PREFERENCES)  # the session's first request records it (allauth's usersessions)
    few = queries()
    for _ in range(20):
        reader = factories.PractitionerFactory.create()
        record_event(
            action=actions.CARE_CASE_VIEWED, actor=reader, target=case, subject_id=client_person.pk
        )
        break_glass(case=case, person=moderator, reason="Another report of imminent risk")
    # The access log's own: the events, the names of who acted, the break-glass reasons
    # (with their case's data key); the rest is the page's (session, person, messages).
    assert queries() == few


def test_reading_the_emergency_details_form_is_a_read_of_them(
    case: Case, practitioner: User, client: Client
) -> None:
    client.force_login(practitioner)
    url = reverse("care:edit_case", kwargs={"case_id": case.pk})
    assert client.get(url).status_code == 200
    event = AuditEvent.objects.get(action=actions.CARE_EMERGENCY_DETAILS_READ)
    assert (event.actor_id, event.subject_id) == (practitioner.pk, case.client_id)


def test_an_admin_setting_a_password_is_audited_and_a_refused_form_is_not(
    admin_person: User, client_person: User, client: Client
) -> None:
    client.force_login(admin_person)
    url = reverse("admin:auth_user_password_change", args=[client_person.pk])
    refused = client.post(url, {"password1": "short", "password2": "other"})
    assert refused.status_code == 200
    assert not AuditEvent.objects.filter(action=actions.ACCOUNT_PASSWORD_CHANGED_BY_ADMIN)
    changed = client.post(
        url,
        {
            "password1": "a long and new passphrase 42",
            "password2": "a long and new passphrase 42",
            "usable_password": "true",
        },
    )
    assert changed.status_code == 302
    event = AuditEvent.objects.get(action=actions.ACCOUNT_PASSWORD_CHANGED_BY_ADMIN)
    assert (event.actor_id, event.subject_id) == (admin_person.pk, client_person.pk)
    assert "password" not in str(event.detail)
