"""The practitioner reads what the client answered: free text on the case page, a
questionnaire's answers item by item on demand; every read audited without the content."""

import json
from datetime import time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from casework.accounts.models import User
from casework.care.models import Case
from casework.care.services import reminders
from casework.privacy.models import AuditEvent
from casework.testing import care
from casework.testing.care import answers_summing_to

pytestmark = pytest.mark.django_db

WORDS = "Lost my job on Monday <b>and</b> I can't sleep"


def _answer_free_text(case: Case, frozen: Any, days: int) -> None:
    """``days`` daily free-text check-ins, each answered."""
    plan = care.plan(case, "note", every_days=1, at=time(8, 0))
    start = care.NOW
    for day in range(days):
        frozen.move_to(start + timedelta(days=day))
        reminders.run_check_in_round()
        care.answer(care.due_check_in(plan), {"text": f"{WORDS} (day {day + 1})"})


def test_the_case_page_shows_free_text_answers_as_text(
    case: Case, practitioner: User, client: Client, frozen: Any
) -> None:
    _answer_free_text(case, frozen, 1)
    client.force_login(practitioner)
    html = client.get(f"/care/clients/{case.pk}/").content.decode()
    assert "Lost my job on Monday &lt;b&gt;and&lt;/b&gt; I can&#x27;t sleep (day 1)" in html
    assert "<b>and</b>" not in html


def test_reading_free_text_answers_is_audited_without_their_content(
    case: Case, practitioner: User, client: Client, frozen: Any
) -> None:
    _answer_free_text(case, frozen, 2)
    client.force_login(practitioner)
    client.get(f"/care/clients/{case.pk}/")
    event = AuditEvent.objects.get(action="care.check_in_answers_read")
    assert event.actor_id == practitioner.pk
    assert event.subject_id == case.client_id
    assert len(event.detail["check_ins"]) == 2
    assert "Lost my job" not in json.dumps(event.detail) + event.reason
    client.force_login(case.client)
    assert "read your check-in answers" in client.get("/care/my/").content.decode()


def test_the_case_page_costs_the_same_queries_for_one_or_many_free_text_answers(
    practitioner: User, client: Client, frozen: Any, client_person: User
) -> None:
    from casework.testing.factories import ClientFactory

    counts = []
    for days, person in ((1, client_person), (6, ClientFactory.create(time_zone="Europe/London"))):
        frozen.move_to(care.NOW)
        case = care.ready_case(practitioner, person)
        _answer_free_text(case, frozen, days)
        client.force_login(practitioner)
        client.get(f"/care/clients/{case.pk}/")  # the first request records the session
        with CaptureQueriesContext(connection) as queries:
            html = client.get(f"/care/clients/{case.pk}/").content.decode()
        assert html.count("(day ") == days
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_questionnaires_answers_open_item_by_item_on_demand(
    case: Case, practitioner: User, client: Client
) -> None:
    check_in = care.due_check_in(care.plan(case))
    care.answer(check_in, answers_summing_to("phq9", 7, _1=3, _9=0))
    client.force_login(practitioner)
    page = client.get(f"/care/clients/{case.pk}/").content.decode()
    link = f"/care/clients/{case.pk}/?answers={check_in.pk}#answers"
    assert link.replace("&", "&amp;") in page or link in page
    assert "Little interest or pleasure in doing things" not in page
    assert not AuditEvent.objects.filter(action="care.check_in_answers_read").exists()
    html = client.get(f"/care/clients/{case.pk}/", {"answers": str(check_in.pk)}).content.decode()
    assert "Little interest or pleasure in doing things" in html
    assert "Nearly every day (3)" in html
    event = AuditEvent.objects.get(action="care.check_in_answers_read")
    assert event.object_id == str(check_in.pk)
    assert event.detail == {"case": str(case.pk), "check_ins": [str(check_in.pk)]}


def test_only_the_cases_practitioner_opens_its_answers(
    case: Case, practitioner: User, other_practitioner: User, client: Client
) -> None:
    check_in = care.due_check_in(care.plan(case))
    care.answer(check_in, answers_summing_to("phq9", 7))
    client.force_login(other_practitioner)
    response = client.get(f"/care/clients/{case.pk}/", {"answers": str(check_in.pk)})
    assert response.status_code == 404
    client.force_login(practitioner)
    assert client.get(f"/care/clients/{case.pk}/", {"answers": "nonsense"}).status_code == 404
    assert not AuditEvent.objects.filter(action="care.check_in_answers_read").exists()
