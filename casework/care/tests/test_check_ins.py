"""Check-in plans, reminders with signed links, answering, urgent flags and missed check-ins."""

import re
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from casework.accounts.models import User
from casework.care import links, schedules
from casework.care.models import (
    Case,
    CheckIn,
    CheckInPlan,
    CheckInStatus,
    PlanStatus,
    UrgentFlag,
)
from casework.care.services import check_ins, reminders
from casework.privacy.models import AuditEvent
from casework.testing import care
from casework.testing.care import NOW, answers_summing_to
from casework.testing.factories import ClientFactory
from casework.testing.vault import raw_column

pytestmark = pytest.mark.django_db
LONDON = zoneinfo.ZoneInfo("Europe/London")
LINK = re.compile(r"https?://\S+/care/check-ins/[0-9a-f-]+/\?t=\S+")


# Schedules -----------------------------------------------------------------------------------


def test_a_daily_check_in_keeps_its_wall_clock_time_across_the_clock_change() -> None:
    after = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # the clocks go forward on the 29th
    first = schedules.next_due(
        starts_on=date(2026, 3, 1), every_days=1, at=time(19), zone=LONDON, after=after
    )
    second = schedules.next_due(
        starts_on=date(2026, 3, 1), every_days=1, at=time(19), zone=LONDON, after=first
    )
    assert first == datetime(2026, 3, 28, 19, 0, tzinfo=UTC)
    assert second == datetime(2026, 3, 29, 18, 0, tzinfo=UTC)
    assert second.astimezone(LONDON).hour == 19


def test_every_n_days_counts_from_the_first_day() -> None:
    due = schedules.next_due(
        starts_on=date(2026, 6, 1),
        every_days=3,
        at=time(9),
        zone=LONDON,
        after=datetime(2026, 6, 2, 0, 0, tzinfo=UTC),
    )
    assert due.astimezone(LONDON) == datetime(2026, 6, 4, 9, 0, tzinfo=LONDON)


def test_a_plan_refuses_impossible_schedules(case: Case) -> None:
    with pytest.raises(ValidationError, match="every 1 to 28 days"):
        care.plan(case, every_days=40)
    with pytest.raises(ValidationError, match="cannot be in the past"):
        care.plan(case, starts_on=date(2026, 5, 1))
    with pytest.raises(ValidationError, match="within 90 days"):
        care.plan(case, starts_on=date(2027, 1, 1))
    with pytest.raises(ValidationError, match="no check-in called"):
        care.plan(case, "horoscope")


def test_one_plan_per_instrument(case: Case) -> None:
    care.plan(case)
    with pytest.raises(ValidationError, match="already has a plan"):
        care.plan(case)


# Reminders and the sweep ---------------------------------------------------------------------


def test_a_due_check_in_is_reminded_with_a_link_that_says_nothing_else(
    case: Case, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        plan = care.plan(case)
    (reminder,) = [m for m in mail.outbox if "check-in is ready" in str(m.subject)]
    body = str(reminder.body)
    assert LINK.search(body)
    for secret in ("PHQ", "depress", "Amara", "Robin"):
        assert secret not in body
    check_in = care.due_check_in(plan)
    assert check_in.reminded_at == NOW
    # The next one is waiting, a week later.
    assert plan.check_ins.filter(due_at=check_in.due_at + timedelta(days=7)).exists()


def test_the_sweep_creates_reminds_and_marks_missed_once(case: Case, frozen: Any) -> None:
    plan = care.plan(case, "mood", every_days=1, at=time(19))
    first = plan.check_ins.get()
    assert first.due_at == datetime(2026, 6, 3, 18, 0, tzinfo=UTC)
    mail.outbox.clear()
    frozen.move_to(datetime(2026, 6, 3, 18, 5, tzinfo=UTC))
    done = reminders.run_check_in_round()
    assert (done.reminded, done.created) == (1, 1)
    assert reminders.run_check_in_round().reminded == 0
    assert len(mail.outbox) == 1
    frozen.move_to(datetime(2026, 6, 4, 18, 5, tzinfo=UTC))
    done = reminders.run_check_in_round()
    first.refresh_from_db()
    assert first.status == CheckInStatus.MISSED
    assert done.missed == 1
    assert done.reminded == 1


def test_the_clock_command_runs_the_sweep(case: Case, frozen: Any) -> None:
    care.plan(case, "mood", every_days=1, at=time(19))
    frozen.move_to(datetime(2026, 6, 3, 18, 5, tzinfo=UTC))
    out = StringIO()
    call_command("run_check_ins", stdout=out)
    assert out.getvalue().strip() == "0 missed, 1 created, 1 reminders sent"
    with pytest.raises(CommandError, match="seconds"):
        call_command("run_check_ins", every=-1)


def test_a_reminder_the_mail_server_refused_is_sent_once_by_the_relay_not_the_next_round(
    case: Case, frozen: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = care.plan(case, "mood", every_days=1, at=time(19))
    frozen.move_to(datetime(2026, 6, 3, 18, 5, tzinfo=UTC))

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    mail.outbox.clear()
    assert reminders.run_check_in_round().reminded == 1
    assert plan.check_ins.get(due_at__lte=NOW + timedelta(hours=11)).reminded_at is not None
    monkeypatch.undo()
    assert mail.outbox == []
    assert reminders.run_check_in_round().reminded == 0
    frozen.move_to(datetime(2026, 6, 3, 18, 7, tzinfo=UTC))
    call_command("relay_events")
    call_command("relay_events")
    # (The relay also delivers the plan's events, left waiting by the test's transaction.)
    sent = [m.to for m in mail.outbox if "check-in is ready" in str(m.subject)]
    assert sent == [[case.client.email]]


def test_a_paused_plan_sends_nothing_and_resuming_needs_consent(
    case: Case, practitioner: User, frozen: Any
) -> None:
    plan = care.plan(case, "mood", every_days=1, at=time(19))
    check_ins.pause_plan(plan=plan, practitioner=practitioner)
    frozen.move_to(datetime(2026, 6, 3, 18, 5, tzinfo=UTC))
    assert reminders.run_check_in_round().reminded == 0
    assert not plan.check_ins.filter(status=CheckInStatus.OPEN).exists()
    resumed = check_ins.resume_plan(plan=plan, practitioner=practitioner)
    assert resumed.status == PlanStatus.ACTIVE
    assert resumed.check_ins.filter(status=CheckInStatus.OPEN).exists()


# Answering -----------------------------------------------------------------------------------


def test_answers_are_scored_sealed_and_kept_once(case: Case) -> None:
    check_in = care.due_check_in(care.plan(case))
    result = care.answer(check_in, answers_summing_to("phq9", 7))
    stored = CheckIn.objects.get(pk=check_in.pk)
    assert (stored.status, stored.score, stored.concern, stored.urgent) == ("answered", 7, 1, False)
    assert stored.burden == pytest.approx(7 / 27)
    assert stored.answers == answers_summing_to("phq9", 7)
    assert b'"1"' not in (raw_column(CheckIn, "answers", check_in.pk) or b'"1"')
    assert result.flag is None
    with pytest.raises(ValidationError, match="already answered"):
        care.answer(stored, answers_summing_to("phq9", 7))


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"1": 1, "2": 1}, "answer every question"),
        ({**{str(i): 0 for i in range(1, 10)}, "9": 4}, "not one of the choices"),
        ({**{str(i): 0 for i in range(1, 10)}, "10": 1}, "do not belong"),
    ],
)
def test_partial_or_out_of_range_answers_are_refused_and_nothing_stored(
    case: Case, answers: dict[str, int], message: str
) -> None:
    check_in = care.due_check_in(care.plan(case))
    with pytest.raises(ValidationError, match=message):
        care.answer(check_in, answers)
    assert CheckIn.objects.get(pk=check_in.pk).status == CheckInStatus.OPEN


def test_item_9_above_0_raises_an_urgent_flag_at_once(
    case: Case, practitioner: User, django_capture_on_commit_callbacks: Any
) -> None:
    check_in = care.due_check_in(care.plan(case))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = care.answer(check_in, answers_summing_to("phq9", 3, _9=1))
    assert result.scored.urgent
    assert result.flag is not None
    flag = UrgentFlag.objects.get(case=case)
    assert flag.is_open
    assert "Item 9" in flag.reasons[0]
    (email,) = mail.outbox
    assert email.to == [practitioner.email]
    assert "/care/caseload/" in str(email.body)
    assert "Robin" not in str(email.body)
    assert "9" not in str(email.body)
    assert AuditEvent.objects.filter(action="care.urgent_flag_raised").exists()


def test_a_severe_band_is_urgent_too(case: Case) -> None:
    check_in = care.due_check_in(care.plan(case, "gad7"))
    assert care.answer(check_in, answers_summing_to("gad7", 16)).flag is not None


def test_acknowledging_a_flag_records_who_and_when(
    case: Case, practitioner: User, other_practitioner: User, frozen: Any
) -> None:
    check_in = care.due_check_in(care.plan(case))
    flag = care.answer(check_in, answers_summing_to("phq9", 1, _9=1)).flag
    assert flag is not None
    with pytest.raises(ValidationError):
        check_ins.acknowledge_flag(flag=flag, practitioner=other_practitioner)
    frozen.shift(timedelta(minutes=5))
    done = check_ins.acknowledge_flag(flag=flag, practitioner=practitioner)
    assert done.acknowledged_by_id == practitioner.pk
    assert done.acknowledged_at == NOW + timedelta(minutes=5)
    frozen.shift(timedelta(minutes=5))
    again = check_ins.acknowledge_flag(flag=flag, practitioner=practitioner)
    assert again.acknowledged_at == NOW + timedelta(minutes=5)


def test_the_baseline_is_the_mean_of_the_first_answers(case: Case, frozen: Any) -> None:
    plan = care.plan(case, "phq9", every_days=7)
    for total in (6, 9, 12, 27):
        check_in = plan.check_ins.filter(status="open", due_at__lte=datetime.now(UTC)).get()
        care.answer(check_in, answers_summing_to("phq9", total))
        frozen.shift(timedelta(days=7))
        reminders.run_check_in_round()
    last = CheckIn.objects.filter(case=case, status="answered").order_by("-answered_at")[0]
    assert last.score == 27
    assert last.baseline_burden == pytest.approx((6 + 9 + 12) / 3 / 27)


def test_a_free_text_check_in_is_kept_without_a_score(case: Case) -> None:
    check_in = care.due_check_in(care.plan(case, "note"))
    care.answer(check_in, {"text": "  A better week.  "})
    stored = CheckIn.objects.get(pk=check_in.pk)
    assert stored.answers == {"text": "A better week."}
    assert stored.score is None
    assert stored.burden is None


# The answering page --------------------------------------------------------------------------


def _link(check_in: CheckIn) -> str:
    return links.link_for(check_in, check_in.case.client_id).split("testserver", 1)[-1]


def _path(check_in: CheckIn) -> str:
    url = links.link_for(check_in, check_in.case.client_id)
    return url[url.index("/care/") :]


def test_the_signed_link_opens_only_that_check_in_without_signing_in(
    case: Case, client: Client
) -> None:
    plan = care.plan(case)
    check_in = care.due_check_in(plan)
    page = client.get(_path(check_in))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Little interest or pleasure" in html
    assert html.count('type="radio"') == 9 * 4
    # The same token does not open another check-in of the same client.
    other = care.due_check_in(care.plan(case, "gad7"))
    token = _path(check_in).split("?t=")[1]
    assert client.get(f"/care/check-ins/{other.pk}/?t={token}").status_code == 404
    assert client.get(f"/care/check-ins/{check_in.pk}/?t={token}x").status_code == 404


def test_answering_by_link_with_item_9_shows_crisis_lines_at_once(
    case: Case, client: Client
) -> None:
    check_in = care.due_check_in(care.plan(case))
    answers = answers_summing_to("phq9", 4, _9=1)
    response = client.post(_path(check_in), {str(k): str(v) for k, v in answers.items()})
    assert response.status_code == 200
    html = response.content.decode()
    assert "If you need help now" in html
    assert "999" in html  # England's emergency number, from the crisis data
    assert UrgentFlag.objects.filter(case=case).exists()


def test_a_replayed_link_is_refused_and_the_answers_are_kept(case: Case, client: Client) -> None:
    check_in = care.due_check_in(care.plan(case))
    answers = {k: str(v) for k, v in answers_summing_to("phq9", 5).items()}
    assert client.post(_path(check_in), answers).status_code == 200
    replay = client.post(_path(check_in), dict.fromkeys(answers, "3"))
    assert replay.status_code == 409
    assert "already answered" in replay.content.decode()
    assert CheckIn.objects.get(pk=check_in.pk).score == 5


def test_an_expired_link_asks_to_sign_in(case: Case, client: Client, frozen: Any) -> None:
    check_in = care.due_check_in(care.plan(case))
    path = _path(check_in)
    frozen.shift(timedelta(hours=25))
    response = client.get(path)
    assert response.status_code == 410
    assert "/accounts/login/?next=" in response.content.decode()
    # Signed in, the same page works without the link.
    client.force_login(case.client)
    assert client.get(f"/care/check-ins/{check_in.pk}/").status_code == 200


def test_a_partial_submission_says_what_is_missing_and_keeps_the_answers(
    case: Case, client: Client
) -> None:
    check_in = care.due_check_in(care.plan(case))
    response = client.post(_path(check_in), {"1": "2", "2": "3"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Please answer this question." in html
    assert re.search(r'<input[^>]*value="2"[^>]*id="id_1_2"[^>]*checked', html)
    assert CheckIn.objects.get(pk=check_in.pk).status == CheckInStatus.OPEN


def test_out_of_range_answers_are_refused_by_the_page(case: Case, client: Client) -> None:
    check_in = care.due_check_in(care.plan(case))
    answers = {str(i): "0" for i in range(1, 10)}
    answers["9"] = "7"
    response = client.post(_path(check_in), answers)
    assert response.status_code == 400
    assert "Choose one of the answers." in response.content.decode()


def test_another_clients_check_in_is_not_found(case: Case, client: Client) -> None:
    check_in = care.due_check_in(care.plan(case))
    client.force_login(ClientFactory.create())
    assert client.get(f"/care/check-ins/{check_in.pk}/").status_code == 404
    # Even with the rightful client's link, while signed in as someone else.
    assert client.get(_path(check_in)).status_code == 404


def test_a_visitor_without_the_link_is_asked_to_sign_in(case: Case, client: Client) -> None:
    check_in = care.due_check_in(care.plan(case))
    response = client.get(f"/care/check-ins/{check_in.pk}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_check_in_not_yet_due_is_not_open(case: Case, client: Client) -> None:
    plan = care.plan(case, "mood", every_days=1, at=time(19))
    check_in = plan.check_ins.get()
    client.force_login(case.client)
    response = client.get(f"/care/check-ins/{check_in.pk}/")
    assert response.status_code == 409
    assert "Not open yet" in response.content.decode()


def test_a_check_in_of_a_closed_case_cannot_be_answered(
    case: Case, practitioner: User, client: Client
) -> None:
    from casework.care.services.cases import change_case_status

    check_in = care.due_check_in(care.plan(case))
    path = _path(check_in)
    change_case_status(case=case, actor=practitioner, to_status="closed")
    assert client.get(path).status_code == 409


def test_the_answer_page_needs_no_more_than_a_handful_of_queries(
    case: Case, client: Client, django_assert_max_num_queries: Any
) -> None:
    check_in = care.due_check_in(care.plan(case))
    path = _path(check_in)
    with django_assert_max_num_queries(6):
        assert client.get(path).status_code == 200


def test_plans_are_assigned_from_the_case_page(
    case: Case, practitioner: User, client: Client
) -> None:
    client.force_login(practitioner)
    url = f"/care/clients/{case.pk}/check-ins/new/"
    bad = client.post(
        url,
        {
            "instrument": "phq9",
            "schedule": "every",
            "time_of_day": "18:00",
            "starts_on": "2026-06-03",
        },
    )
    assert bad.status_code == 400
    assert "every how many days" in bad.content.decode()
    good = client.post(
        url,
        {
            "instrument": "who5",
            "schedule": "weekly",
            "time_of_day": "18:00",
            "starts_on": "2026-06-03",
        },
    )
    assert good.status_code == 302
    plan = CheckInPlan.objects.get(case=case)
    assert (plan.instrument, plan.every_days) == ("who5", 7)
    response = client.post(f"/care/plans/{plan.pk}/", {"action": "end", "confirmed": "yes"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ENDED


def test_the_plan_form_names_the_clients_zone_as_people_do(
    case: Case, practitioner: User, client: Client
) -> None:
    client.force_login(practitioner)
    page = client.get(reverse("care:assign_plan", kwargs={"case_id": case.pk})).content.decode()
    assert "on the client&#x27;s clock (United Kingdom)" in page
    assert "Europe/London" not in page
