"""Test data for care: cases, consent, plans and answers through the real services."""

from datetime import UTC, date, datetime, time, timedelta
from statistics import fmean
from typing import Any

from django.utils import timezone

from casework.accounts.models import Role, User
from casework.care import schedules
from casework.care.consent import current_text
from casework.care.instruments import PHQ9, Instrument, get_instrument
from casework.care.models import (
    Case,
    CaseSource,
    CaseStatus,
    CheckIn,
    CheckInPlan,
    CheckInStatus,
    Supervision,
    Technology,
    UrgentFlag,
)
from casework.care.services import cases, check_ins, consents
from casework.care.services.need import refresh_need
from casework.care.services.supervision import answer_invitation, invite_supervisor
from casework.testing.factories import PractitionerFactory
from casework.testing.messaging import place
from casework.testing.scheduling import registered_in_england
from casework.vault.services import data_key_for_owner

# A Wednesday, 09:00 in London (08:00 UTC), as in scheduling's tests.
NOW = datetime(2026, 6, 3, 8, 0, tzinfo=UTC)


def open_case(
    practitioner: User, client: User, *, source: str = CaseSource.BOOKING, where: str = "GB-ENG"
) -> Case:
    return cases.open_case(
        practitioner=practitioner,
        client=client,
        source=source,
        actor=practitioner,
        client_location=place(where),
    )


def consent_to(case: Case, *technologies: str) -> None:
    for technology in technologies or Technology.values:
        consents.give_consent(
            case=case,
            client=case.client,
            technology=technology,
            version=current_text(technology).version,
        )


def ready_case(practitioner: User, client: User, *, where: str = "GB-ENG", **details: Any) -> Case:
    """An active case where online work suits the client and they consented to everything."""
    case = open_case(practitioner, client, where=where)
    cases.record_online_suitability(case=case, actor=practitioner, suitable=True)
    consent_to(case)
    if details:
        cases.update_case_details(
            case=case,
            actor=practitioner,
            client_location=place(where),
            emergency_contact=details.get("emergency_contact", ""),
            crisis_plan=details.get("crisis_plan", ""),
        )
    case.refresh_from_db()
    return case


def plan(
    case: Case,
    instrument: str = "phq9",
    *,
    every_days: int = 7,
    at: time | None = None,
    starts_on: date | None = None,
) -> CheckInPlan:
    """A plan whose first check-in is due now, whatever the hour: by default it is asked at
    the client's present time of day (08:00 in London at NOW), from the client's today."""
    where_the_client_is = timezone.now().astimezone(schedules.client_zone(case))
    if at is None:
        at = where_the_client_is.time().replace(second=0, microsecond=0)
    return check_ins.assign_check_in_plan(
        case=case,
        practitioner=case.practitioner,
        instrument=instrument,
        every_days=every_days,
        time_of_day=at,
        starts_on=starts_on or where_the_client_is.date(),
    )


def due_check_in(plan: CheckInPlan) -> CheckIn:
    return plan.check_ins.filter(status="open").order_by("due_at")[0]


def answers_summing_to(instrument: Instrument | str, total: int, **fixed: int) -> dict[str, int]:
    """Answers for every item whose sum is ``total`` (the fixed items keep their value)."""
    if isinstance(instrument, str):
        instrument = get_instrument(instrument)
    top = max(c.value for c in instrument.choices)
    answers = {key.lstrip("_"): value for key, value in fixed.items()}
    remaining = total - sum(answers.values())
    for item in instrument.items:
        if item.key in answers:
            continue
        answers[item.key] = min(top, remaining)
        remaining -= answers[item.key]
    if remaining:
        raise ValueError("total out of reach")
    return answers


def answer(check_in: CheckIn, answers: dict[str, Any]) -> check_ins.Answered:
    return check_ins.answer_check_in(
        check_in=check_in, client=check_in.case.client, answers=answers
    )


def bulk_caseload(practitioner: User, count: int, *, now: datetime, weeks: int = 8) -> list[Case]:
    """``count`` clients of ``practitioner`` with weekly PHQ-9 answers over ``weeks`` weeks,
    written in bulk (for query budgets and benchmarks, where services would take minutes).

    Every fourth client worsens, every fourth improves, the rest hold steady; every fifth
    missed last week's check-in; every fiftieth has an open urgent flag. All cases share one
    data key: nothing here is sealed, and nothing reads sealed content.
    """
    data_key = data_key_for_owner(owner=f"system:bulk-caseload-{practitioner.pk}")
    first = User.objects.count()
    clients = User.objects.bulk_create(
        User(
            email=f"caseload-{practitioner.pk}-{first + i}@example.org",
            role=Role.CLIENT,
            alias=f"Client {first + i:05d}",
            time_zone="Europe/London",
        )
        for i in range(count)
    )
    opened = now - timedelta(weeks=weeks + 1)
    made = Case.objects.bulk_create(
        Case(
            practitioner=practitioner,
            client=client,
            status=CaseStatus.ACTIVE,
            source=CaseSource.BOOKING,
            data_key=data_key,
            opened_at=opened,
            online_suitability="suitable",
        )
        for client in clients
    )
    plans = CheckInPlan.objects.bulk_create(
        CheckInPlan(
            case=case,
            instrument="phq9",
            every_days=7,
            time_of_day=time(18, 0),
            starts_on=opened.date(),
            created_by=practitioner,
            created_at=opened,
        )
        for case in made
    )
    rows: list[CheckIn] = []
    for i, (case, plan_row) in enumerate(zip(made, plans, strict=True)):
        trend = (-1, 0, 1, 0)[i % 4]
        burdens: list[float] = []
        for week in range(weeks):
            due = opened + timedelta(weeks=week + 1)
            missed = i % 5 == 0 and week == weeks - 1
            score = max(0, min(27, 10 + trend * week + (i + week) % 3))
            burden = PHQ9.burden(score)
            burdens.append(burden)
            rows.append(
                CheckIn(
                    plan=plan_row,
                    case=case,
                    instrument="phq9",
                    due_at=due,
                    expires_at=due + timedelta(days=3),
                    status=CheckInStatus.MISSED if missed else CheckInStatus.ANSWERED,
                    answered_at=None if missed else due + timedelta(hours=1),
                    score=None if missed else score,
                    concern=None if missed else int(PHQ9.band_for(score).concern),  # type: ignore[union-attr]
                    burden=None if missed else burden,
                    baseline_burden=None if missed else fmean(burdens[:3]),
                )
            )
    CheckIn.objects.bulk_create(rows, batch_size=2000)
    UrgentFlag.objects.bulk_create(
        UrgentFlag(case=case, raised_at=now - timedelta(hours=1), reasons=["Item 9"])
        for i, case in enumerate(made)
        if i % 50 == 0
    )
    # Rows written in bulk skip the services that keep the caseload's stored need current.
    refresh_need([case.pk for case in made], now=now)
    return made


def supervise(case: Case, supervisor: User) -> Supervision:
    """``supervisor`` (a verified practitioner) supervises ``case``: invited by its practitioner
    by email, and accepted."""
    invitation = invite_supervisor(
        case=case, practitioner=case.practitioner, email=supervisor.email
    )
    return answer_invitation(supervision=invitation, supervisor=supervisor, accept=True)


def verified_practitioner(**fields: Any) -> User:
    """A practitioner with a verified registration in good standing (Social Work England)."""
    practitioner = PractitionerFactory.create(**fields)
    registered_in_england(practitioner)
    return practitioner
