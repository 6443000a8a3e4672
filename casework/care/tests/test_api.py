"""Check-ins and the caseload through /api/v1: the client answers her own check-ins, the
practitioner reads and plans those of her cases and reads her caseload, through the pages'
access helpers and services (so the same outcome for the same person, and the same audit)."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework.accounts.models import User
from casework.accounts.services import create_api_token
from casework.care.models import Case, CheckIn, CheckInPlan, CheckInStatus, UrgentFlag
from casework.privacy.models import AuditEvent
from casework.testing import care
from casework.testing.care import answers_summing_to
from casework.testing.factories import ClientFactory

pytestmark = pytest.mark.django_db


def token_of(person: User, scope: str) -> str:
    return create_api_token(person=person, name="App", scopes=[scope], days=7, now=timezone.now())[
        1
    ]


def api_get(person: User, path: str, **query: str) -> Any:
    return Client().get(
        f"/api/v1/{path}",
        query,
        headers={"Authorization": f"Bearer {token_of(person, 'care:read')}"},
    )


def api_post(person: User, path: str, body: dict[str, Any]) -> Any:
    return Client().post(
        f"/api/v1/{path}",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token_of(person, 'care:write')}"},
    )


@pytest.fixture
def due(case: Case) -> CheckIn:
    """Robin's PHQ-9, due now."""
    return care.due_check_in(care.plan(case, "phq9"))


# The client's check-ins --------------------------------------------------------------------


def test_the_client_lists_her_due_check_ins_and_nobody_elses(
    due: CheckIn, client_person: User, practitioner: User
) -> None:
    listed = api_get(client_person, "check-ins")
    assert listed.status_code == 200, listed.content
    [row] = listed.json()["results"]
    assert row["id"] == str(due.pk)
    assert row["answerable"] is True
    assert row["practitioner"] == practitioner.display_name
    assert api_get(ClientFactory.create(), "check-ins").json()["results"] == []
    assert api_get(practitioner, "check-ins").status_code == 403


def test_the_client_opens_a_check_in_with_its_questions(
    due: CheckIn, client_person: User, practitioner: User
) -> None:
    opened = api_get(client_person, f"check-ins/{due.pk}")
    assert opened.status_code == 200
    assert [q["key"] for q in opened.json()["questions"]] == [str(n) for n in range(1, 10)]
    assert [c["value"] for c in opened.json()["choices"]] == [0, 1, 2, 3]
    assert api_get(ClientFactory.create(), f"check-ins/{due.pk}").status_code == 404
    assert api_get(practitioner, f"check-ins/{due.pk}").status_code == 403


def test_the_client_answers_once_and_the_answer_is_audited(
    due: CheckIn, client_person: User
) -> None:
    incomplete = api_post(client_person, f"check-ins/{due.pk}/answers", {"answers": {"1": 1}})
    assert incomplete.status_code == 400
    assert "answers.2" in incomplete.json()["error"]["fields"]
    answers = answers_summing_to("phq9", 4)
    answered = api_post(client_person, f"check-ins/{due.pk}/answers", {"answers": answers})
    assert answered.status_code == 200, answered.content
    assert answered.json()["check_in"]["score"] == 4
    assert answered.json()["urgent"] is False
    assert answered.json()["crisis"] is None
    event = AuditEvent.objects.get(action="care.check_in_answered")
    assert event.actor_id == client_person.pk
    again = api_post(client_person, f"check-ins/{due.pk}/answers", {"answers": answers})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_answered"


def test_an_urgent_answer_comes_back_with_the_crisis_lines_and_raises_a_flag(
    due: CheckIn, client_person: User
) -> None:
    answers = answers_summing_to("phq9", 5, _9=1)
    answered = api_post(client_person, f"check-ins/{due.pk}/answers", {"answers": answers})
    assert answered.status_code == 200
    assert answered.json()["urgent"] is True
    assert answered.json()["crisis"]["lines"]
    assert UrgentFlag.objects.filter(check_in=due).exists()


def test_a_check_in_not_yet_due_is_refused_with_its_reason(case: Case, client_person: User) -> None:
    plan = care.plan(case, "gad7", starts_on=(timezone.now() + timedelta(days=3)).date())
    later = plan.check_ins.get()
    answers = answers_summing_to("gad7", 2)
    refused = api_post(client_person, f"check-ins/{later.pk}/answers", {"answers": answers})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "not_yet_due"


def _outcome(call: Callable[[], Any], check_in: CheckIn) -> tuple[object, ...]:
    """Whether the request answered the check-in, and what it then held; undone after."""
    savepoint = transaction.savepoint()
    response = call()
    check_in.refresh_from_db()
    after = (response.status_code == 200, response.status_code == 404, check_in.status)
    transaction.savepoint_rollback(savepoint)
    return after


def test_answering_by_the_api_and_by_the_page_come_to_the_same(
    due: CheckIn, client_person: User
) -> None:
    answers = answers_summing_to("phq9", 7)
    page = reverse("care:check_in", kwargs={"check_in_id": due.pk})
    for person in (client_person, ClientFactory.create()):
        browser = Client()
        browser.force_login(person)
        by_page = _outcome(lambda: browser.post(page, answers), due)  # noqa: B023
        by_api = _outcome(
            lambda: api_post(person, f"check-ins/{due.pk}/answers", {"answers": answers}),  # noqa: B023
            due,
        )
        assert by_api == by_page


# The practitioner's side ---------------------------------------------------------------------


def test_the_practitioner_reads_the_plans_and_scores_of_her_case_and_it_is_audited(
    case: Case, due: CheckIn, practitioner: User, other_practitioner: User, client_person: User
) -> None:
    care.answer(due, answers_summing_to("phq9", 12))
    plans = api_get(practitioner, f"cases/{case.pk}/check-in-plans")
    assert plans.status_code == 200
    assert [p["instrument"] for p in plans.json()] == ["phq9"]
    results = api_get(practitioner, f"cases/{case.pk}/check-ins")
    assert results.status_code == 200
    [result] = results.json()["results"]
    assert (result["status"], result["score"], result["band"]) == ("answered", 12, "Moderate")
    viewed = AuditEvent.objects.filter(action="care.case_viewed", actor_id=practitioner.pk)
    assert viewed.count() == 2
    for path in (f"cases/{case.pk}/check-in-plans", f"cases/{case.pk}/check-ins"):
        assert api_get(other_practitioner, path).status_code == 404
        assert api_get(client_person, path).status_code == 403


def test_the_practitioner_sets_up_a_plan_as_the_case_page_does(
    case: Case, practitioner: User, other_practitioner: User
) -> None:
    today = timezone.now().date().isoformat()
    body = {"instrument": "gad7", "every_days": 7, "time_of_day": "18:00", "starts_on": today}
    page = reverse("care:assign_plan", kwargs={"case_id": case.pk})
    form = {"instrument": "gad7", "schedule": "weekly", "time_of_day": "18:00", "starts_on": today}
    for person in (practitioner, other_practitioner):
        browser = Client()
        browser.force_login(person)
        savepoint = transaction.savepoint()
        by_page = browser.post(page, form).status_code
        planned_by_page = CheckInPlan.objects.filter(case=case).count()
        transaction.savepoint_rollback(savepoint)
        by_api = api_post(person, f"cases/{case.pk}/check-in-plans", body)
        assert (by_api.status_code in (201, 404), by_api.status_code == 404) == (
            by_page in (302, 404),
            by_page == 404,
        )
        assert CheckInPlan.objects.filter(case=case).count() == planned_by_page
    plan = CheckInPlan.objects.get(case=case)
    assert (plan.instrument, plan.every_days, plan.time_of_day.hour) == ("gad7", 7, 18)
    assert AuditEvent.objects.filter(action="care.check_in_plan_assigned").count() == 1
    twice = api_post(practitioner, f"cases/{case.pk}/check-in-plans", body)
    assert twice.status_code == 409
    assert twice.json()["error"]["code"] == "plan_exists"
    past = api_post(
        practitioner,
        f"cases/{case.pk}/check-in-plans",
        body | {"instrument": "who5", "starts_on": "2026-01-01"},
    )
    assert past.status_code == 400
    unknown = api_post(
        practitioner, f"cases/{case.pk}/check-in-plans", body | {"instrument": "nope"}
    )
    assert unknown.status_code == 400
    assert "instrument" in unknown.json()["error"]["fields"]


# Paging the check-in lists --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "path"),
    [("client", "check-ins"), ("practitioner", "cases/{case}/check-ins")],
)
def test_a_check_in_that_comes_due_between_two_pages_neither_repeats_one_nor_hides_one(
    who: str,
    path: str,
    case: Case,
    client_person: User,
    practitioner: User,
    frozen: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    person = client_person if who == "client" else practitioner
    address = path.format(case=case.pk)
    monkeypatch.setattr("casework.care.api.PAGE_SIZE", 2)
    due_now = {str(care.due_check_in(care.plan(case, i)).pk) for i in ("phq9", "gad7", "who5")}
    first = api_get(person, address).json()
    assert len(first["results"]) == 2
    assert parse_qs(urlsplit(first["next"]).query)["cursor"] == [first["next_cursor"]]
    # A newer check-in comes due at the top of the list before the second page is asked for.
    frozen.shift(timedelta(minutes=5))
    newer = care.due_check_in(care.plan(case, "mood"))
    second = api_get(person, address, cursor=first["next_cursor"]).json()
    assert (second["next_cursor"], second["next"]) == (None, None)
    paged = [row["id"] for row in first["results"] + second["results"]]
    assert sorted(paged) == sorted(due_now)
    # From the top again, it is there, first.
    assert api_get(person, address).json()["results"][0]["id"] == str(newer.pk)


def test_a_cursor_of_one_check_in_list_is_refused_by_another(
    case: Case, client_person: User, practitioner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("casework.care.api.PAGE_SIZE", 1)
    for name in ("phq9", "gad7"):
        care.plan(case, name)
    clients_cursor = api_get(client_person, "check-ins").json()["next_cursor"]
    assert clients_cursor
    refused = api_get(practitioner, f"cases/{case.pk}/check-ins", cursor=clients_cursor)
    assert refused.status_code == 400
    assert "query.cursor" in refused.json()["error"]["fields"]
    another = ClientFactory.create()
    assert api_get(another, "check-ins", cursor=clients_cursor).status_code == 400
    assert api_get(client_person, "check-ins", cursor="not one of ours").status_code == 400


# The caseload --------------------------------------------------------------------------------


def test_the_caseload_pages_by_cursor_in_the_pages_order(
    case: Case, practitioner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    for alias in ("Kit", "Lou", "Max"):
        care.ready_case(practitioner, ClientFactory.create(alias=alias))
    care.answer(care.due_check_in(care.plan(case, "phq9")), answers_summing_to("phq9", 5, _9=1))
    browser = Client()
    browser.force_login(practitioner)
    on_page = [str(row["case_id"]) for row in browser.get(reverse("care:caseload")).context["rows"]]
    monkeypatch.setattr("casework.care.api.PAGE_SIZE", 3)
    first = api_get(practitioner, "caseload")
    assert first.status_code == 200
    assert first.json()["results"][0]["open_flags"] == 1
    cursor = first.json()["next_cursor"]
    second = api_get(practitioner, "caseload", cursor=cursor)
    assert second.json()["next_cursor"] is None
    by_api = [row["case_id"] for row in first.json()["results"] + second.json()["results"]]
    assert by_api == on_page
    assert by_api[0] == str(case.pk)
    other_filter = api_get(practitioner, "caseload", cursor=cursor, attention="flagged")
    assert other_filter.status_code == 400
    assert "query.cursor" in other_filter.json()["error"]["fields"]
    assert api_get(practitioner, "caseload", status="nonsense").status_code == 400


def test_the_caseload_is_the_practitioners_own(
    case: Case, practitioner: User, other_practitioner: User, client_person: User
) -> None:
    assert [r["case_id"] for r in api_get(practitioner, "caseload").json()["results"]] == [
        str(case.pk)
    ]
    assert api_get(other_practitioner, "caseload").json()["results"] == []
    assert api_get(client_person, "caseload").status_code == 403


def test_a_missed_check_in_is_listed_as_missed(
    due: CheckIn, client_person: User, frozen: Any
) -> None:
    frozen.move_to(due.expires_at + timedelta(minutes=1))
    [row] = api_get(client_person, "check-ins").json()["results"]
    assert row["answerable"] is False
    assert row["status"] in (CheckInStatus.OPEN, CheckInStatus.MISSED)


def test_opening_the_answers_item_by_item_is_an_audited_read_as_on_the_case_page(
    case: Case, due: CheckIn, practitioner: User, other_practitioner: User, client_person: User
) -> None:
    path = f"cases/{case.pk}/check-ins/{due.pk}/answers"
    assert api_get(practitioner, path).status_code == 404  # not answered yet
    care.answer(due, answers_summing_to("phq9", 3))
    opened = api_get(practitioner, path)
    assert opened.status_code == 200
    rows = opened.json()["answers"]
    assert len(rows) == 9
    assert sum(row["value"] for row in rows) == 3
    event = AuditEvent.objects.get(action="care.check_in_answers_read")
    assert (event.actor_id, event.subject_id) == (practitioner.pk, client_person.pk)
    assert api_get(other_practitioner, path).status_code == 404
    assert api_get(client_person, path).status_code == 403


def test_values_no_form_expects_are_refused_with_a_reason_never_a_500(
    case: Case, practitioner: User, client_person: User
) -> None:
    words = care.due_check_in(care.plan(case, "note"))
    words_body = {"answers": {"text": "a\x00b"}}
    assert api_post(client_person, f"check-ins/{words.pk}/answers", words_body).status_code == 400
    too_large = {"answers": {str(n): 2**70 for n in range(1, 10)}}
    phq9 = care.due_check_in(care.plan(case, "phq9"))
    assert api_post(client_person, f"check-ins/{phq9.pk}/answers", too_large).status_code == 400
    assert api_get(practitioner, "caseload", q="a\x00b").status_code == 400
    assert api_get(practitioner, "caseload", cursor="not one of ours").status_code == 400
    plan = {
        "instrument": "gad7",
        "every_days": 7,
        "time_of_day": "25:61",
        "starts_on": "2026-06-04",
    }
    refused = api_post(practitioner, f"cases/{case.pk}/check-in-plans", plan)
    assert refused.status_code == 400
    assert "time_of_day" in refused.json()["error"]["fields"]
