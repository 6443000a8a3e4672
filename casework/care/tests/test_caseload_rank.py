"""The caseload's stored need follows every change it depends on: answers, flags, plans,
messages, appointments, and time passing (a check-in expiring, a miss growing old, a session
starting), whether or not the check-in round ran in between."""

from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Case as SqlCase
from django.db.models import F, Value, When
from django.utils import timezone

from casework.accounts.models import User
from casework.care import queries
from casework.care.models import Case, CheckInStatus
from casework.care.services import check_ins, need, reminders
from casework.care.services.cases import change_case_status
from casework.events.relay import relay_pending
from casework.messaging.models import Conversation
from casework.scheduling.services import booking
from casework.testing import care, messaging, scheduling
from casework.testing.care import NOW, answers_summing_to
from casework.testing.factories import ClientFactory

pytestmark = pytest.mark.django_db


def _order(practitioner: User) -> list[str]:
    return [row.case.client.alias for row in queries.caseload(practitioner, now=timezone.now())]


def _two_cases(practitioner: User) -> dict[str, Case]:
    people = {
        name: ClientFactory.create(alias=name, time_zone="Europe/London") for name in ("Ada", "Bo")
    }
    return {name: care.ready_case(practitioner, person) for name, person in people.items()}


def _stored(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def test_an_urgent_answer_puts_the_case_first_and_acknowledging_it_lets_it_down(
    frozen: Any, practitioner: User
) -> None:
    cases = _two_cases(practitioner)
    assert _order(practitioner) == ["Ada", "Bo"]
    check_in = care.due_check_in(care.plan(cases["Bo"]))
    flag = care.answer(check_in, answers_summing_to("phq9", 2, _9=1)).flag
    assert flag is not None
    assert _order(practitioner) == ["Bo", "Ada"]
    assert _stored(cases["Bo"]).open_flags == 1
    check_ins.acknowledge_flag(flag=flag, practitioner=practitioner)
    assert _stored(cases["Bo"]).open_flags == 0
    assert _order(practitioner) == ["Ada", "Bo"]


def test_an_answer_stores_the_last_score_and_a_worsening_trend_ranks_higher(
    frozen: Any, practitioner: User
) -> None:
    cases = _two_cases(practitioner)
    plan = care.plan(cases["Bo"])
    for total in (4, 4, 4, 18):
        care.answer(care.due_check_in(plan), answers_summing_to("phq9", total))
        frozen.shift(timedelta(days=7))
        reminders.run_check_in_round()
    stored = _stored(cases["Bo"])
    assert stored.last_instrument == "phq9"
    assert stored.last_score == 18
    assert stored.score_change is not None
    assert stored.score_change >= need.WORSENING_BY
    assert _order(practitioner) == ["Bo", "Ada"]
    assert [row.case.client.alias for row in _attention(practitioner, "worsening")] == ["Bo"]


def _attention(practitioner: User, attention: str) -> list[queries.CaseloadRow]:
    return queries.caseload(
        practitioner, now=timezone.now(), filters=queries.CaseloadFilters(attention=attention)
    )


def test_a_check_in_left_unanswered_counts_as_missed_once_it_expires_without_the_round(
    frozen: Any, practitioner: User
) -> None:
    cases = _two_cases(practitioner)
    plan = care.plan(cases["Bo"], "mood", every_days=1)
    expires_at = care.due_check_in(plan).expires_at
    assert _stored(cases["Bo"]).need_changes_at == expires_at
    assert _order(practitioner) == ["Ada", "Bo"]
    frozen.move_to(expires_at)  # nothing ran since: the read itself catches up
    rows = queries.caseload(practitioner, now=timezone.now())
    assert [(row.case.client.alias, row.missed) for row in rows] == [("Bo", 1), ("Ada", 0)]


def test_a_miss_stops_counting_after_the_window_and_the_round_keeps_the_rank_current(
    frozen: Any, practitioner: User
) -> None:
    cases = _two_cases(practitioner)
    plan = care.plan(cases["Bo"], "mood", every_days=1)
    first = care.due_check_in(plan)
    check_ins.pause_plan(plan=plan, practitioner=practitioner)
    frozen.move_to(first.due_at + timedelta(hours=1))
    # A check-in called off is no miss.
    assert _stored(cases["Bo"]).missed_check_ins == 0
    check_ins.resume_plan(plan=plan, practitioner=practitioner)
    missed = plan.check_ins.filter(status=CheckInStatus.OPEN).order_by("due_at").first()
    assert missed is not None
    frozen.move_to(missed.expires_at + timedelta(minutes=1))
    reminders.run_check_in_round()
    assert _stored(cases["Bo"]).missed_check_ins >= 1  # stored by the round, before any read
    check_ins.pause_plan(plan=plan, practitioner=practitioner)
    frozen.move_to(missed.due_at + need.MISSED_WINDOW + timedelta(days=5))
    reminders.run_check_in_round()
    assert _stored(cases["Bo"]).missed_check_ins == 0
    assert _order(practitioner) == ["Ada", "Bo"]


def test_a_message_moves_the_case_down_once_its_event_is_delivered(
    frozen: Any, practitioner: User
) -> None:
    cases = _two_cases(practitioner)
    frozen.shift(timedelta(hours=1))
    conversation = Conversation.objects.get(client=cases["Ada"].client, kind="case")
    messaging.send(conversation, cases["Ada"].client, "Hello")
    relay_pending()
    assert _stored(cases["Ada"]).last_contact_at == timezone.now()
    # Bo has gone longest without contact.
    assert _order(practitioner) == ["Bo", "Ada"]


def test_an_appointment_is_the_next_one_until_it_starts_then_the_last_contact(
    frozen: Any, practitioner: User
) -> None:
    practitioner, session_type = scheduling.bookable_practitioner(practitioner=practitioner)
    cases = _two_cases(practitioner)
    appointment = scheduling.book(cases["Bo"].client, session_type, scheduling.THURSDAY_9)
    relay_pending()
    stored = _stored(cases["Bo"])
    assert stored.next_appointment_at == appointment.starts_at
    assert stored.need_changes_at == appointment.starts_at
    rows = queries.caseload(practitioner, now=timezone.now())
    # As long in touch as Ada, with the sooner appointment.
    assert [(row.case.client.alias, row.next_appointment_at) for row in rows] == [
        ("Bo", appointment.starts_at),
        ("Ada", None),
    ]
    frozen.move_to(appointment.starts_at + timedelta(hours=2))
    rows = queries.caseload(practitioner, now=timezone.now())
    assert [(row.case.client.alias, row.next_appointment_at) for row in rows] == [
        ("Ada", None),
        ("Bo", None),
    ]
    assert rows[1].last_contact_at == appointment.starts_at


def test_a_cancelled_appointment_is_no_longer_the_next(frozen: Any, practitioner: User) -> None:
    practitioner, session_type = scheduling.bookable_practitioner(practitioner=practitioner)
    cases = _two_cases(practitioner)
    appointment = scheduling.book(cases["Bo"].client, session_type, scheduling.THURSDAY_9)
    relay_pending()
    booking.cancel_appointment(appointment=appointment, person=cases["Bo"].client)
    relay_pending()
    assert _stored(cases["Bo"]).next_appointment_at is None


def test_pausing_a_case_calls_off_its_open_check_in_and_its_coming_miss(
    frozen: Any, practitioner: User
) -> None:
    cases = _two_cases(practitioner)
    plan = care.plan(cases["Bo"], "mood", every_days=1)
    assert _stored(cases["Bo"]).need_changes_at is not None
    change_case_status(case=cases["Bo"], actor=practitioner, to_status="paused")
    assert plan.check_ins.filter(status=CheckInStatus.OPEN).count() == 0
    assert _stored(cases["Bo"]).need_changes_at is None


def test_the_stored_order_is_the_order_worked_out_afresh_as_time_passes(
    frozen: Any, practitioner: User
) -> None:
    """Weeks after the bulk caseload was written, with nothing run in between: the page reads
    the stored need after catching up, and it ranks as the source rows do."""
    care.bulk_caseload(practitioner, 40, now=NOW)
    for days in (0, 2, 9, 31):
        frozen.move_to(NOW + timedelta(days=days))
        now = timezone.now()
        stored = [row.case.pk for row in queries.caseload(practitioner, now=now)]
        # The ranking as it was worked out on every read before the need was stored.
        fresh = (
            need._live_need(Case.objects.filter(practitioner=practitioner), now=now)
            .annotate(
                flagged=SqlCase(When(live_open_flags__gt=0, then=Value(1)), default=Value(0)),
                worsening=SqlCase(
                    When(live_change__gte=need.WORSENING_BY, then=Value(1)), default=Value(0)
                ),
            )
            .order_by(
                "-flagged",
                "-worsening",
                "-live_missed",
                "live_contact_at",
                F("live_next_at").asc(nulls_last=True),
                "client__alias",
                "pk",
            )
        )
        assert stored == [case.pk for case in fresh], days
