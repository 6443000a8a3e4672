"""Due check-ins and their reminders: a plan always has its next check-in waiting as a row
(``advance_plan``), so its reminder can be queued for its time (``remind_check_in``), and a
lost task is caught by the sweep (``run_check_in_round``), which the clock runs every few
minutes (``manage.py run_check_ins``): it marks expired check-ins missed, creates those that
fell due, and sends reminders not yet sent. Every step claims its rows with one conditional
UPDATE, so running it twice, or beside a deferred task, sends nothing twice.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django_tasks import task

from casework.care import schedules
from casework.care.links import link_for
from casework.care.models import CaseStatus, CheckIn, CheckInPlan, CheckInStatus, PlanStatus
from casework.care.notices import Notice, compose
from casework.care.services.need import refresh_need, refresh_overtaken
from casework.emails import send_now
from casework.shell.task_queue import queue_with_the_change

logger = logging.getLogger("casework.care")


def advance_plan(plan: CheckInPlan, *, now: datetime) -> list[CheckIn]:
    """Make the plan's current and next check-ins exist, and close those that expired.

    Creates every occurrence still answerable now, then one in the future; an occurrence that
    passed while nothing ran (the site was down) is not invented as "missed".
    """
    plan.check_ins.filter(status=CheckInStatus.OPEN, expires_at__lte=now).update(
        status=CheckInStatus.MISSED
    )
    created = _advance(plan, now=now)
    # A new open check-in is a moment when the missed count changes (its expiry).
    refresh_need([plan.case_id], now=now)
    return created


def _advance(plan: CheckInPlan, *, now: datetime) -> list[CheckIn]:
    if plan.status != PlanStatus.ACTIVE:
        return []
    case = plan.case
    zone = schedules.client_zone(case)
    span = schedules.window(plan.every_days)
    latest = plan.check_ins.aggregate(latest=Max("due_at"))["latest"]
    after = max(latest, now - span) if latest is not None else now - span
    created = []
    while True:
        due = schedules.next_due(
            starts_on=plan.starts_on,
            every_days=plan.every_days,
            at=plan.time_of_day,
            zone=zone,
            after=after,
        )
        check_in, made = CheckIn.objects.get_or_create(
            plan=plan,
            due_at=due,
            defaults={"case": case, "instrument": plan.instrument, "expires_at": due + span},
        )
        if made:
            created.append(check_in)
            _queue_reminder(check_in_id=check_in.pk, due=due)
        if due > now:
            return created
        after = due


def _queue_reminder(*, check_in_id: uuid.UUID, due: datetime) -> None:
    backend = remind_check_in.get_backend()
    if due <= timezone.now():
        queue_with_the_change(remind_check_in, check_in_id=str(check_in_id))
    elif backend.supports_defer:
        queue_with_the_change(remind_check_in.using(run_after=due), check_in_id=str(check_in_id))
    # Otherwise the sweep (run_check_in_round) sends it when it falls due.


# The task lives beside the reminder it sends and the plan it advances, which queues it again:
# in tasks.py it would import this module, which queues it.
@task()
def remind_check_in(*, check_in_id: str) -> bool:
    """Send one check-in's reminder when it falls due (queued for that time)."""
    return remind(check_in_id, now=timezone.now())


def claim_reminder(check_in_id: uuid.UUID | str, now: datetime) -> CheckIn | None:
    """Mark the reminder sent in one UPDATE; None when it is not due, already sent, or the
    check-in is no longer open."""
    claimed = CheckIn.objects.filter(
        pk=check_in_id,
        status=CheckInStatus.OPEN,
        reminded_at__isnull=True,
        due_at__lte=now,
        expires_at__gt=now,
        plan__status=PlanStatus.ACTIVE,
        case__status__in=[CaseStatus.ENQUIRY, CaseStatus.ACTIVE],
    ).update(reminded_at=now)
    if claimed != 1:
        return None
    return CheckIn.objects.select_related("case__client", "plan").get(pk=check_in_id)


def remind(check_in_id: uuid.UUID | str, *, now: datetime) -> bool:
    """Send the reminder of one due check-in (with its signed link), then make sure the plan's
    next check-in is waiting. True when an email was sent."""
    check_in = claim_reminder(check_in_id, now)
    if check_in is None:
        return False
    client = check_in.case.client
    try:
        if client.is_active:
            send_now(
                compose(client, Notice.CHECK_IN_READY, link_for(check_in, client.pk)),
                kind="care.check_in_ready",
            )
    except Exception:
        # Not recorded (the vault refused it): release the claim so that the sweep tries again;
        # an email recorded but refused by the mail server is the relay's to send again.
        CheckIn.objects.filter(pk=check_in.pk).update(reminded_at=None)
        raise
    with transaction.atomic():
        advance_plan(check_in.plan, now=now)
    return True


@dataclass(frozen=True)
class Round:
    missed: int
    created: int
    reminded: int


def run_check_in_round(*, now: datetime | None = None) -> Round:
    now = now or timezone.now()
    missed = CheckIn.objects.filter(status=CheckInStatus.OPEN, expires_at__lte=now).update(
        status=CheckInStatus.MISSED
    )
    created = 0
    behind = (
        CheckInPlan.objects.filter(
            status=PlanStatus.ACTIVE, case__status__in=[CaseStatus.ENQUIRY, CaseStatus.ACTIVE]
        )
        .annotate(latest=Max("check_ins__due_at"))
        .filter(Q(latest__isnull=True) | Q(latest__lte=now))
        .select_related("case__client")
    )
    for plan in behind:
        with transaction.atomic():
            created += len(advance_plan(plan, now=now))
    due = CheckIn.objects.filter(
        status=CheckInStatus.OPEN,
        reminded_at__isnull=True,
        due_at__lte=now,
        expires_at__gt=now,
    ).values_list("pk", flat=True)
    reminded = 0
    for check_in_id in list(due):
        try:
            reminded += remind(check_in_id, now=now)
        except Exception:
            logger.exception("care: the reminder of check-in %s was not sent", check_in_id)
    # Check-ins expired and fell out of the missed window, appointments started: the caseloads
    # are brought up to date here, so that reading one rarely has any of it left to do.
    refresh_overtaken(now=now)
    return Round(missed=missed, created=created, reminded=reminded)
