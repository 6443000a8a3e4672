"""Demo caseload: Amara Okafor (the demo practitioner) with fifty clients and three months of
check-ins, so the caseload screen has something to rank.

Cases, consent, online suitability and plans go through the real services. The three months
of past answers cannot (services answer "now"), so they are written as the answering service
would have written them: scored by the instruments' own scoring, sealed under each case's data
key, with the client's baseline kept. Trends: a third of the clients improve, a third hold
steady, a fifth worsen, the rest are up and down; a few miss check-ins; one client's answer
today raises an urgent flag, through the real service. Robin (the demo client) is among them,
with a PHQ-9 waiting to be answered now.

Idempotent: a caseload already seeded is left as it is. Run after ``seed_people``,
``seed_registry`` and, if present, ``seed_scheduling`` and ``seed_messaging``.
"""

import math
import random
from dataclasses import dataclass
from datetime import time, timedelta
from statistics import fmean

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from casework.accounts.models import Role, User
from casework.care import schedules
from casework.care.consent import current_text
from casework.care.instruments import INSTRUMENTS, Instrument, score_answers
from casework.care.models import (
    OPEN_STATUSES,
    Case,
    CaseSource,
    CheckIn,
    CheckInStatus,
    OnlineSuitability,
    Technology,
)
from casework.care.services import cases, check_ins, consents
from casework.care.services.need import refresh_need
from casework.demo.people import DEMO_CLIENT_EMAIL, DEMO_PRACTITIONER_EMAIL
from casework.registry.models import Jurisdiction

CLIENT_DOMAIN = "care.demo.casework.localhost"
CLIENTS = 50
HISTORY_DAYS = 91
URGENT_ALIAS = "Harper"
ALIASES = [
    "Alex", "Bailey", "Casey", "Dana", "Emery", "Frankie", "Gray", "Harper", "Indy", "Jordan",
    "Kendall", "Logan", "Marley", "Nico", "Oakley", "Parker", "Reese", "Sage", "Tatum", "Uri",
    "Val", "Wren", "Xen", "Yael", "Zion", "Avery", "Blake", "Cameron", "Drew", "Eden", "Finley",
    "Greer", "Hayden", "Iris", "Jules", "Kai", "Lennon", "Mika", "Noa", "Orion", "Peyton",
    "Quinn", "Rory", "Shay", "Toby", "Umi", "Vesper", "Winter", "Yuki",
]  # fmt: skip
PLACES = ["GB-ENG", "GB-ENG", "GB-ENG", "GB-SCT", "GB-WLS", "IE"]
EMERGENCY_CONTACTS = [
    "Sister, Jo: 07700 900111",
    "Partner, Sam: 07700 900222",
    "Friend, Alex: 07700 900333",
    "Father, Chris: 07700 900444",
]
CRISIS_PLAN = (
    "Warning signs: not sleeping, stopping meals, pulling away from friends.\n"
    "What helps: a walk, calling my sister, writing it down.\n"
    "If it gets worse: call the crisis line, then my emergency contact."
)


@dataclass(frozen=True)
class CareSeed:
    cases: int
    check_ins: int
    urgent_flags: int


def seed_care() -> CareSeed:
    practitioner = User.objects.filter(
        email=DEMO_PRACTITIONER_EMAIL, role=Role.PRACTITIONER
    ).first()
    if practitioner is None:
        return CareSeed(0, 0, 0)
    if not User.objects.filter(email__endswith=f"@{CLIENT_DOMAIN}").exists():
        _seed_caseload(practitioner)
    held = Case.objects.filter(practitioner=practitioner, status__in=OPEN_STATUSES)
    return CareSeed(
        held.count(),
        CheckIn.objects.filter(case__in=held).count(),
        held.filter(flags__isnull=False, flags__acknowledged_at__isnull=True).distinct().count(),
    )


def _seed_caseload(practitioner: User) -> None:
    people = _clients()
    robin = User.objects.filter(email=DEMO_CLIENT_EMAIL, role=Role.CLIENT).first()
    if robin is not None:
        people.insert(0, robin)
    for index, client in enumerate(people[:CLIENTS]):
        pick = random.Random(client.email)  # noqa: S311  (fictional demo data)
        with transaction.atomic():
            case = _ready_case(practitioner, client, pick, index)
            _history(case, pick, index)
    urgent = Case.objects.filter(practitioner=practitioner, client__alias=URGENT_ALIAS).first()
    if urgent is not None:
        _answer_urgently_today(urgent)


def _clients() -> list[User]:
    people = []
    for alias in ALIASES:
        email = f"{alias.lower()}@{CLIENT_DOMAIN}"
        client, created = User.objects.get_or_create(
            email=email,
            defaults={"role": Role.CLIENT, "alias": alias, "time_zone": "Europe/London"},
        )
        if created:
            client.set_unusable_password()
            client.save(update_fields=["password"])
            EmailAddress.objects.create(user=client, email=email, primary=True, verified=True)
        people.append(client)
    return people


def _ready_case(practitioner: User, client: User, pick: random.Random, index: int) -> Case:
    place = Jurisdiction.objects.filter(code=PLACES[index % len(PLACES)]).first()
    case = cases.open_case(
        practitioner=practitioner,
        client=client,
        source=CaseSource.BOOKING if index % 3 else CaseSource.ENQUIRY,
        actor=practitioner,
        client_location=place,
    )
    if case.online_suitability == OnlineSuitability.UNASSESSED:
        cases.record_online_suitability(case=case, actor=practitioner, suitable=True)
    cases.update_case_details(
        case=case,
        actor=practitioner,
        client_location=place,
        emergency_contact=pick.choice(EMERGENCY_CONTACTS),
        crisis_plan=CRISIS_PLAN,
    )
    if case.status == "enquiry":
        cases.change_case_status(case=case, actor=practitioner, to_status="active")
    for technology in Technology.values:
        consents.give_consent(
            case=case,
            client=client,
            technology=technology,
            version=current_text(technology).version,
        )
    # The case began some time in the last three to four months.
    opened = timezone.now() - timedelta(days=HISTORY_DAYS + pick.randint(0, 30))
    Case.objects.filter(pk=case.pk).update(opened_at=opened)
    case.refresh_from_db()
    return case


def _plans_for(index: int) -> list[tuple[str, int]]:
    """(instrument, every how many days): everyone PHQ-9 weekly, and more for some."""
    plans = [("phq9", 7)]
    if index % 2 == 0:
        plans.append(("gad7", 7))
    if index % 5 == 1:
        plans.append(("mood", 1))
    if index % 7 == 3:
        plans.append(("who5", 14))
    return plans


def _trend(index: int) -> str:
    return ["improving", "steady", "worsening", "improving", "steady", "up_and_down"][index % 6]


def _level(trend: str, progress: float, pick: random.Random) -> float:
    """How unwell the client is (0 well, 1 very unwell) at ``progress`` (0 start, 1 now)."""
    start = pick.uniform(0.35, 0.6)
    if trend == "improving":
        level = start - 0.3 * progress
    elif trend == "worsening":
        level = start - 0.1 + 0.35 * progress
    elif trend == "up_and_down":
        level = start + 0.08 * math.sin(progress * 4 * math.pi)
    else:
        level = start
    return min(0.95, max(0.02, level + pick.uniform(-0.03, 0.03)))


def _answers_for(instrument: Instrument, level: float, pick: random.Random) -> dict[str, int]:
    values = sorted(choice.value for choice in instrument.choices)
    answers = {}
    for item in instrument.items:
        burden = min(1.0, max(0.0, level + pick.uniform(-0.08, 0.08)))
        position = 1 - burden if instrument.higher_is_better else burden
        answers[item.key] = values[round(position * (len(values) - 1))]
    if instrument.code == "phq9":
        answers["9"] = 0  # nobody's history holds an unanswered urgent flag
    return answers


def _history(case: Case, pick: random.Random, index: int) -> None:
    trend = _trend(index)
    # Plans ask at the last full hour but one, so that today's check-in is open now: the hour
    # and the day read together, as the plan is made. A load that crosses midnight would
    # otherwise ask on the new day at the old day's hour, not due yet.
    now = timezone.now()
    local_now = now.astimezone(schedules.client_zone(case))
    asked_at = time(max(local_now.hour - 1, 0), 0)
    for code, every_days in _plans_for(index):
        instrument = INSTRUMENTS[code]
        plan = check_ins.assign_check_in_plan(
            case=case,
            practitioner=case.practitioner,
            instrument=code,
            every_days=every_days,
            time_of_day=asked_at,
            starts_on=local_now.date(),
        )
        first_due = plan.check_ins.order_by("due_at")[0].due_at
        # Past answers, oldest first, as the answering service writes them.
        rows: list[CheckIn] = []
        burdens: list[float] = []
        for days_ago in range(HISTORY_DAYS // every_days * every_days, 0, -every_days):
            due = first_due - timedelta(days=days_ago)
            progress = 1 - days_ago / HISTORY_DAYS
            missed = pick.random() < (0.12 if index % 8 == 5 and days_ago < 21 else 0.04)
            row = CheckIn(
                plan=plan,
                case=case,
                instrument=code,
                due_at=due,
                expires_at=due + timedelta(days=min(every_days, 3)),
                status=CheckInStatus.MISSED if missed else CheckInStatus.ANSWERED,
            )
            if not missed:
                answers = _answers_for(instrument, _level(trend, progress, pick), pick)
                scored = score_answers(instrument, answers)
                if scored.score is None:
                    continue
                burden = instrument.burden(scored.score)
                burdens.append(burden)
                row.answered_at = due + timedelta(minutes=pick.randint(5, 600))
                row.answers = answers
                row.score = scored.score
                row.concern = int(scored.band.concern) if scored.band else None
                row.burden = burden
                row.baseline_burden = fmean(burdens[:3])
            rows.append(row)
        CheckIn.objects.bulk_create(rows)
    # The history is written in bulk, past the services that keep the caseload's rank.
    refresh_need([case.pk], now=now)


def _answer_urgently_today(case: Case) -> None:
    """Harper's PHQ-9 today: item 9 answered "several days", through the real service."""
    check_in = (
        CheckIn.objects.filter(
            case=case, instrument="phq9", status=CheckInStatus.OPEN, due_at__lte=timezone.now()
        )
        .order_by("due_at")
        .first()
    )
    if check_in is None:
        return
    answers = {str(item): 2 for item in range(1, 9)} | {"9": 1}
    check_ins.answer_check_in(check_in=check_in, client=case.client, answers=answers)
