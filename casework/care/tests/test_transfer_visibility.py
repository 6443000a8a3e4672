"""After a transfer the new practitioner sees the check-ins only from the handover on, unless
the client shared their scores; the notes of whoever held the case before, never."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from casework.accounts.models import User
from casework.care import queries
from casework.care.instruments import PHQ9
from casework.care.models import Case, CheckIn, CheckInPlan, Referral, UrgentFlag
from casework.care.services import cases, check_ins, notes, referrals
from casework.testing import care
from casework.testing.care import answers_summing_to

pytestmark = pytest.mark.django_db
LETTER = "Robin moves to Leeds; Jonas works there."


def _transfer(case: Case, to: User, items: list[str]) -> Case:
    referral = referrals.propose_referral(
        case=case,
        practitioner=case.practitioner,
        to_practitioner=to,
        kind="transfer",
        items=["emergency", "location", "scores"],
        summary=LETTER,
    )
    referrals.answer_referral(referral=referral, client=case.client, agree=True, items=items)
    referrals.accept_referral(referral=referral, recipient=to)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def answered_before(case: Case, frozen: Any) -> CheckIn:
    """Robin answered a PHQ-9 of 20 (item 9 above 0: an urgent flag) while with Amara, who
    saw to the flag (a case moves only then)."""
    plan = care.plan(case)
    check_in = care.due_check_in(plan)
    care.answer(check_in, answers_summing_to("phq9", 20, _9=1))
    check_ins.acknowledge_flag(
        flag=UrgentFlag.objects.get(check_in=check_in), practitioner=case.practitioner
    )
    frozen.shift(timedelta(days=1))
    return check_in


def _case_page(http: Client, person: User, case: Case, query: str = "") -> Any:
    http.force_login(person)
    response = http.get(f"/care/clients/{case.pk}/{query}")
    assert response.status_code == 200
    return response


def _timeline_kinds(response: Any) -> set[str]:
    return {entry.kind for entry in response.context["timeline"]}


def test_without_the_scores_the_new_practitioner_sees_no_earlier_check_in_anywhere(
    case: Case, answered_before: CheckIn, other_practitioner: User, client: Client
) -> None:
    moved = _transfer(case, other_practitioner, ["summary"])
    page = _case_page(client, other_practitioner, moved)
    assert page.context["trends"] == []
    assert page.context["plans"] == []
    assert page.context["open_flags"] == []
    assert page.context["upcoming_check_ins"] == []
    assert not _timeline_kinds(page) & {"check_in", "urgent", "missed", "acknowledged"}
    assert "Score 20" not in page.content.decode()
    # Nor by naming them.
    assert client.get(f"/care/clients/{moved.pk}/?answers={answered_before.pk}").status_code == 404
    flag = UrgentFlag.objects.get(check_in=answered_before)
    assert client.post(f"/care/flags/{flag.pk}/acknowledge/").status_code == 404
    assert client.post(
        f"/care/plans/{answered_before.plan_id}/", {"action": "end"}
    ).status_code == (404)
    # The caseload row neither shows nor ranks on them.
    row = client.get("/care/caseload/").context["rows"][0]
    assert (row["urgent"], row["score"], row["spark"], row["missed"]) == (0, "", None, 0)
    assert queries.caseload(other_practitioner, now=moved.updated_at)[0].last_score is None


def test_without_the_scores_the_plans_end_and_the_open_check_in_is_called_off(
    case: Case, frozen: Any, other_practitioner: User
) -> None:
    plan = care.plan(case)
    open_one = care.due_check_in(plan)
    moved = _transfer(case, other_practitioner, ["summary"])
    assert CheckInPlan.objects.get(pk=plan.pk).status == "ended"
    assert CheckIn.objects.get(pk=open_one.pk).status == "cancelled"
    assert moved.check_ins_visible_from is not None


def test_the_new_practitioner_sees_what_comes_after_the_handover_with_its_own_baseline(
    case: Case, answered_before: CheckIn, other_practitioner: User, client: Client
) -> None:
    moved = _transfer(case, other_practitioner, ["summary"])
    moved.practitioner = other_practitioner
    plan = care.plan(moved)
    after = care.answer(care.due_check_in(plan), answers_summing_to("phq9", 5)).check_in
    # The baseline is made of what Jonas sees: 5 alone, not the 20 from before.
    assert after.baseline_burden == pytest.approx(PHQ9.burden(5))
    page = _case_page(client, other_practitioner, moved)
    assert len(page.context["trends"]) == 1
    assert [point.score for point in queries.practitioner_trends(moved)["phq9"]] == [5]
    assert [p.pk for p in page.context["plans"]] == [plan.pk]
    assert "check_in" in _timeline_kinds(page)
    assert client.get(f"/care/clients/{moved.pk}/?answers={after.pk}").status_code == 200
    row = client.get("/care/caseload/").context["rows"][0]
    assert row["score"] == f"{PHQ9.name}: 5"
    assert not row["worsening"]
    # The client still sees every answer of her own.
    assert [point.score for point in queries.client_trends(moved)["phq9"]] == [20, 5]


def test_with_the_scores_the_check_ins_go_with_the_case(
    case: Case, answered_before: CheckIn, other_practitioner: User, client: Client
) -> None:
    moved = _transfer(case, other_practitioner, ["summary", "scores"])
    assert moved.check_ins_visible_from is None
    page = _case_page(client, other_practitioner, moved)
    assert [point.score for point in queries.practitioner_trends(moved)["phq9"]] == [20]
    assert [p.pk for p in page.context["plans"]] == [answered_before.plan_id]
    assert page.context["open_flags"] == []  # Amara saw to it before the case could move
    assert "Score 20" in page.content.decode()
    answers = f"/care/clients/{moved.pk}/?answers={answered_before.pk}"
    assert client.get(answers).status_code == 200


def test_a_referral_from_a_transferred_case_shares_no_more_than_its_referrer_sees(
    case: Case, answered_before: CheckIn, other_practitioner: User, client: Client
) -> None:
    moved = _transfer(case, other_practitioner, ["summary"])
    moved.practitioner = other_practitioner
    care.answer(care.due_check_in(care.plan(moved)), answers_summing_to("phq9", 6))
    third = care.verified_practitioner(legal_name="Lena Ortiz", email="lena@example.org")
    referral = referrals.propose_referral(
        case=moved,
        practitioner=other_practitioner,
        to_practitioner=third,
        kind="referral",
        items=["scores"],
        summary=LETTER,
    )
    referrals.answer_referral(
        referral=referral, client=moved.client, agree=True, items=["summary", "scores"]
    )
    client.force_login(third)
    page = client.get(f"/care/referrals/{referral.pk}/")
    assert [row["score"] for row in page.context["shared"]["scores"]] == [6]


def test_a_second_transfer_passes_on_only_what_its_referrer_saw(
    case: Case, answered_before: CheckIn, other_practitioner: User
) -> None:
    moved = _transfer(case, other_practitioner, ["summary"])
    cut = moved.check_ins_visible_from
    third = care.verified_practitioner(legal_name="Lena Ortiz", email="lena@example.org")
    again = _transfer(moved, third, ["summary", "scores"])
    assert again.check_ins_visible_from == cut
    assert queries.practitioner_trends(again) == {}


def test_earlier_notes_and_status_reasons_stay_with_their_writer_whatever_is_shared(
    case: Case, frozen: Any, practitioner: User, other_practitioner: User, client: Client
) -> None:
    note = notes.write_note(
        case=case,
        author=practitioner,
        template="free",
        session_on=date(2026, 6, 3),
        sections={"text": "Robin spoke about her father."},
    )
    cases.change_case_status(
        case=case, actor=practitioner, to_status="paused", reason="Robin is in hospital"
    )
    cases.change_case_status(case=case, actor=practitioner, to_status="active")
    moved = _transfer(case, other_practitioner, ["summary", "location", "emergency", "scores"])
    page = _case_page(client, other_practitioner, moved)
    text = page.content.decode()
    assert "note" not in _timeline_kinds(page)
    assert "Robin is in hospital" not in text
    assert client.get(f"/care/notes/{note.pk}/").status_code == 404
    listed = client.get(f"/care/clients/{moved.pk}/notes/")
    assert listed.status_code == 200
    assert str(note.pk) not in listed.content.decode()
    # The earlier referrals of the case are Amara's: only the transfer to Jonas is listed.
    shown = [entry.link for entry in page.context["timeline"] if entry.kind == "referral"]
    transfer = Referral.objects.get(case=moved, to_practitioner=other_practitioner)
    assert shown == [f"/care/referrals/{transfer.pk}/"]


def test_a_case_with_an_urgent_flag_nobody_acknowledged_does_not_move(
    case: Case, frozen: Any, other_practitioner: User
) -> None:
    """Else the flag would fall between the two: the new practitioner may not see it."""
    check_in = care.due_check_in(care.plan(case))
    care.answer(check_in, answers_summing_to("phq9", 20, _9=1))
    with pytest.raises(ValidationError) as refused:
        _transfer(case, other_practitioner, ["summary"])
    assert refused.value.code == "open_flag"
    # A transfer proposed before the flag was raised waits for it too.
    check_ins.acknowledge_flag(
        flag=UrgentFlag.objects.get(check_in=check_in), practitioner=case.practitioner
    )
    referral = referrals.propose_referral(
        case=case,
        practitioner=case.practitioner,
        to_practitioner=other_practitioner,
        kind="transfer",
        items=["summary"],
        summary=LETTER,
    )
    referrals.answer_referral(referral=referral, client=case.client, agree=True, items=["summary"])
    frozen.shift(timedelta(days=7))
    care.answer(
        care.due_check_in(CheckInPlan.objects.get(case=case)), answers_summing_to("phq9", 21, _9=2)
    )
    with pytest.raises(ValidationError):
        referrals.accept_referral(referral=referral, recipient=other_practitioner)
    assert Case.objects.get(pk=case.pk).practitioner_id == case.practitioner_id
