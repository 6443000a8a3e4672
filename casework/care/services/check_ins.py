"""Check-in plans, answers, and urgent flags. Due check-ins, their reminders and the sweep
are in ``reminders``."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import fmean

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.accounts.models import User
from casework.care.access import check_ins_seen_by_practitioners
from casework.care.consent import require_consent
from casework.care.instruments import INSTRUMENTS, Scored, get_instrument, score_answers
from casework.care.models import (
    Case,
    CheckIn,
    CheckInPlan,
    CheckInStatus,
    PlanStatus,
    Technology,
    UrgentFlag,
)
from casework.care.schedules import client_today
from casework.care.services.need import refresh_need
from casework.care.services.reminders import advance_plan
from casework.dates import reader_date
from casework.events import catalogue as events
from casework.events.outbox import emit
from casework.privacy import actions
from casework.privacy.audit import record_event

# The client's baseline on an instrument: the mean burden of their first answers to it.
BASELINE_ANSWERS = 3
# How far ahead a plan may start.
LATEST_START = timedelta(days=90)
EVERY_DAYS_RANGE = (1, 28)
# What the audit log calls a plan's change, by the status it moves to.
PLAN_CHANGES: dict[str, actions.Action] = {
    PlanStatus.ACTIVE: actions.CARE_CHECK_IN_PLAN_ACTIVE,
    PlanStatus.PAUSED: actions.CARE_CHECK_IN_PLAN_PAUSED,
    PlanStatus.ENDED: actions.CARE_CHECK_IN_PLAN_ENDED,
}


# ---------------------------------------------------------------------------------------------
# Plans


def assign_check_in_plan(
    *,
    case: Case,
    practitioner: User,
    instrument: str,
    every_days: int,
    time_of_day: time,
    starts_on: date,
) -> CheckInPlan:
    """Ask the client to answer ``instrument`` every ``every_days`` days at ``time_of_day`` on
    their own clock, from ``starts_on``. Needs the client's consent to check-ins."""
    get_instrument(instrument)
    if practitioner.pk != case.practitioner_id:
        raise ValidationError(_("Only the case's practitioner assigns check-ins."))
    low, high = EVERY_DAYS_RANGE
    if not low <= every_days <= high:
        raise ValidationError(
            _("A check-in can be asked every %(low)d to %(high)d days.")
            % {"low": low, "high": high},
            code="every_days",
        )
    today = client_today(case)
    if starts_on < today:
        raise ValidationError(
            _("The first day cannot be in the past (today is %(today)s where the client is).")
            % {"today": reader_date(today, "long")},
            code="start_in_past",
        )
    if starts_on > today + LATEST_START:
        raise ValidationError(_("The first day must be within 90 days."), code="start_too_late")
    require_consent(case, Technology.CHECK_INS)
    now = timezone.now()
    try:
        with transaction.atomic():
            plan = CheckInPlan.objects.create(
                case=case,
                instrument=instrument,
                every_days=every_days,
                time_of_day=time_of_day,
                starts_on=starts_on,
                created_by=practitioner,
                created_at=now,
            )
            record_event(
                action=actions.CARE_CHECK_IN_PLAN_ASSIGNED,
                actor=practitioner,
                target=case,
                subject_id=case.client_id,
                detail={"instrument": instrument, "every_days": every_days},
            )
            advance_plan(plan, now=now)
    except IntegrityError:
        raise ValidationError(
            _("This client already has a plan for that check-in: end it first."),
            code="plan_exists",
        ) from None
    return plan


def _change_plan(plan: CheckInPlan, practitioner: User, to_status: str) -> CheckInPlan:
    if practitioner.pk != plan.case.practitioner_id:
        raise ValidationError(_("Only the case's practitioner changes its check-ins."))
    now = timezone.now()
    with transaction.atomic():
        plan = (
            CheckInPlan.objects.select_for_update().select_related("case__client").get(pk=plan.pk)
        )
        if plan.status == PlanStatus.ENDED:
            raise ValidationError(_("This plan has ended."), code="plan_ended")
        if plan.status == to_status:
            return plan
        if to_status == PlanStatus.ACTIVE:
            require_consent(plan.case, Technology.CHECK_INS)
        plan.status = to_status
        plan.ended_at = now if to_status == PlanStatus.ENDED else None
        plan.save(update_fields=["status", "ended_at"])
        if to_status == PlanStatus.ACTIVE:
            advance_plan(plan, now=now)
        else:
            plan.check_ins.filter(status=CheckInStatus.OPEN).update(status=CheckInStatus.CANCELLED)
            refresh_need([plan.case_id], now=now)
        record_event(
            action=PLAN_CHANGES[to_status],
            actor=practitioner,
            target=plan.case,
            subject_id=plan.case.client_id,
            detail={"instrument": plan.instrument},
        )
    return plan


def pause_plan(*, plan: CheckInPlan, practitioner: User) -> CheckInPlan:
    return _change_plan(plan, practitioner, PlanStatus.PAUSED)


def resume_plan(*, plan: CheckInPlan, practitioner: User) -> CheckInPlan:
    return _change_plan(plan, practitioner, PlanStatus.ACTIVE)


def end_plan(*, plan: CheckInPlan, practitioner: User) -> CheckInPlan:
    return _change_plan(plan, practitioner, PlanStatus.ENDED)


# ---------------------------------------------------------------------------------------------
# Answers and urgent flags


@dataclass(frozen=True)
class Answered:
    check_in: CheckIn
    scored: Scored
    flag: UrgentFlag | None


def _refuse_unless_answerable(check_in: CheckIn, now: datetime) -> None:
    if check_in.status == CheckInStatus.ANSWERED:
        raise ValidationError(
            _("You have already answered this check-in. Thank you."), code="already_answered"
        )
    if check_in.status == CheckInStatus.CANCELLED:
        raise ValidationError(
            _("This check-in was called off, so there is nothing to answer."), code="cancelled"
        )
    if check_in.status == CheckInStatus.MISSED or check_in.expires_at <= now:
        raise ValidationError(
            _("This check-in has closed. The next one will come as usual."), code="expired"
        )
    if check_in.due_at > now:
        raise ValidationError(_("This check-in is not open yet."), code="not_yet_due")
    if not check_in.case.is_open:
        raise ValidationError(_("This case is closed."), code="case_closed")


def _baseline(check_in: CheckIn, burden: float) -> float:
    # From the answers the practitioner sees: a baseline from before a transfer the client did
    # not share their scores with would pass them on through the caseload's trend.
    earlier = list(
        check_ins_seen_by_practitioners()
        .filter(
            case_id=check_in.case_id,
            instrument=check_in.instrument,
            status=CheckInStatus.ANSWERED,
            burden__isnull=False,
        )
        .order_by("answered_at")
        .values_list("burden", flat=True)[:BASELINE_ANSWERS]
    )
    values = [value for value in earlier if value is not None]
    if len(values) < BASELINE_ANSWERS:
        values.append(burden)
    return fmean(values)


def answer_check_in(*, check_in: CheckIn, client: User, answers: Mapping[str, object]) -> Answered:
    """Score and store a complete set of answers, once. An urgent answer (PHQ-9 item 9 above
    0, a severe band) raises a flag for the practitioner in the same transaction; they are told
    at once (live on the caseload, and by an email without content)."""
    if client.pk != check_in.case.client_id:
        raise ValidationError(_("This check-in belongs to someone else."), code="not_yours")
    instrument = get_instrument(check_in.instrument)
    now = timezone.now()
    _refuse_unless_answerable(check_in, now)
    scored = score_answers(instrument, answers)
    with transaction.atomic():
        locked = (
            CheckIn.objects.select_for_update(of=("self",))
            .select_related("case__data_key", "case__client", "case__practitioner")
            .get(pk=check_in.pk)
        )
        _refuse_unless_answerable(locked, now)
        burden = instrument.burden(scored.score) if scored.score is not None else None
        locked.status = CheckInStatus.ANSWERED
        locked.answered_at = now
        locked.answers = {
            key: (str(value).strip() if instrument.free_text else int(str(value)))
            for key, value in answers.items()
        }
        locked.score = scored.score
        locked.concern = int(scored.band.concern) if scored.band is not None else None
        locked.urgent = scored.urgent
        locked.burden = burden
        locked.baseline_burden = _baseline(locked, burden) if burden is not None else None
        locked.save()
        flag = None
        case = locked.case
        if scored.urgent:
            flag = UrgentFlag.objects.create(
                case=case, check_in=locked, raised_at=now, reasons=list(scored.urgent_reasons)
            )
            record_event(
                action=actions.CARE_URGENT_FLAG_RAISED,
                target=case,
                subject_id=case.client_id,
                detail={"check_in": str(locked.pk), "instrument": locked.instrument},
            )
            emit(
                events.UrgentFlagRaised(
                    flag_id=str(flag.pk), case_id=str(case.pk), practitioner_id=case.practitioner_id
                )
            )
        refresh_need([case.pk], now=now)
        record_event(
            action=actions.CARE_CHECK_IN_ANSWERED,
            actor=client,
            target=locked,
            subject_id=case.client_id,
            detail={"instrument": locked.instrument},
        )
        emit(
            events.CheckInAnswered(
                check_in_id=str(locked.pk),
                case_id=str(case.pk),
                practitioner_id=case.practitioner_id,
            )
        )
    return Answered(check_in=locked, scored=scored, flag=flag)


def acknowledge_flag(*, flag: UrgentFlag, practitioner: User) -> UrgentFlag:
    """Record who acknowledged the flag and when; acknowledging twice keeps the first."""
    with transaction.atomic():
        locked = (
            UrgentFlag.objects.select_for_update(of=("self",))
            .select_related("case")
            .get(pk=flag.pk)
        )
        if practitioner.pk != locked.case.practitioner_id:
            raise ValidationError(_("Only the case's practitioner acknowledges its flags."))
        if locked.acknowledged_at is not None:
            return locked
        locked.acknowledged_at = timezone.now()
        locked.acknowledged_by = practitioner
        locked.save(update_fields=["acknowledged_at", "acknowledged_by"])
        refresh_need([locked.case_id], now=locked.acknowledged_at)
        record_event(
            action=actions.CARE_URGENT_FLAG_ACKNOWLEDGED,
            actor=practitioner,
            target=locked.case,
            subject_id=locked.case.client_id,
            detail={"flag": str(locked.pk)},
        )
        emit(events.CaseChanged(case_id=str(locked.case_id), practitioner_id=practitioner.pk))
    return locked


# ---------------------------------------------------------------------------------------------
# Reading answers


@dataclass(frozen=True)
class AnswerRow:
    question: str
    answer: str
    value: int | None = None


def record_answers_read(*, case: Case, reader: User, check_ins: Sequence[CheckIn]) -> None:
    """Audit that the case's practitioner opened the answers of these check-ins: one event
    naming them (their ids, never what was answered), whatever their number."""
    if reader.pk != case.practitioner_id:
        raise ValidationError(_("Only the case's practitioner reads its check-in answers."))
    if not check_ins:
        return
    record_event(
        action=actions.CARE_CHECK_IN_ANSWERS_READ,
        actor=reader,
        target=check_ins[0] if len(check_ins) == 1 else case,
        subject_id=case.client_id,
        detail={
            "case": str(case.pk),
            "check_ins": [str(check_in.pk) for check_in in check_ins],
        },
    )


def read_answers(*, check_in: CheckIn, reader: User) -> list[AnswerRow]:
    """Audit the read, then the answers of one answered check-in, item by item, in the
    instrument's words. ``check_in`` comes from ``access.get_answered_check_in``."""
    record_answers_read(case=check_in.case, reader=reader, check_ins=[check_in])
    instrument = INSTRUMENTS[check_in.instrument]
    answers = check_in.answers or {}
    labels = {choice.value: str(choice.label) for choice in instrument.choices}
    rows = []
    for item in instrument.items:
        given = answers.get(item.key)
        if instrument.free_text:
            rows.append(AnswerRow(str(item.text), str(given or "")))
            continue
        value = given if isinstance(given, int) else None
        rows.append(
            AnswerRow(
                str(item.text),
                labels.get(value, "") if value is not None else _("Not answered"),
                value,
            )
        )
    return rows
