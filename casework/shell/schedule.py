"""Every periodic job, in one table, and the clock that runs each once across all clocks.

A job is a management command built on ``PeriodicCommand`` (casework/shell/periodic.py); one
round of it is ``run_round()``. ``manage.py clock`` (the Procfiles' ``clock`` process) runs every
job when it falls due. Before a round a clock takes the job's lease (``JobLease``) with one
conditional UPDATE: it succeeds only when nobody holds the lease and the job's interval has
passed since its last start, so two clocks -- a second machine, a restart overlapping the old
process -- never run a job twice, on SQLite as on PostgreSQL.
"""

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.management import get_commands, load_command_class
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from casework.shell.models import JobLease
from casework.shell.periodic import PeriodicCommand

logger = logging.getLogger(__name__)

# A clock that dies mid-round gives its jobs back after this; no round runs nearly this long.
LEASE = timedelta(minutes=15)


@dataclass(frozen=True)
class Job:
    command: str
    every: timedelta
    purpose: str


SCHEDULE: tuple[Job, ...] = (
    Job("seal_audit_log", timedelta(seconds=5), "seal the audit log; anchor it hourly"),
    Job("relay_events", timedelta(seconds=10), "deliver events and notices left waiting"),
    Job("send_webhooks", timedelta(seconds=30), "send regulator webhook notifications due"),
    Job("send_due_reminders", timedelta(minutes=1), "send appointment reminders due and unsent"),
    Job("run_check_ins", timedelta(minutes=5), "open due check-ins; re-rank cases time moved"),
    Job("reread_registers", timedelta(minutes=5), "re-read the registers whose source is due"),
    Job("prune_outbox", timedelta(hours=1), "remove what the outbox no longer needs"),
    Job("forget_idempotency_keys", timedelta(days=1), "forget API idempotency keys past use"),
    Job("expire_data_exports", timedelta(minutes=15), "destroy data exports whose link expired"),
    Job("erase_accounts", timedelta(hours=1), "erase accounts whose cooling-off period ended"),
    Job("apply_retention", timedelta(days=1), "remove what the retention rules no longer keep"),
)


def clock_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


def take_lease(job: Job, *, holder: str, now: datetime) -> bool:
    """True when this clock may run ``job`` now; it then holds the job until ``give_back``."""
    try:
        with transaction.atomic():
            JobLease.objects.get_or_create(job=job.command)
    except IntegrityError:  # another clock created the row at the same moment
        pass
    taken = (
        JobLease.objects.filter(job=job.command)
        .filter(Q(held_until__isnull=True) | Q(held_until__lt=now))
        .filter(Q(last_started_at__isnull=True) | Q(last_started_at__lte=now - job.every))
        .update(held_by=holder, held_until=now + LEASE, last_started_at=now)
    )
    return taken == 1


def give_back(job: Job, *, holder: str, succeeded: bool) -> None:
    JobLease.objects.filter(job=job.command, held_by=holder).update(
        held_by="", held_until=None, last_finished_at=timezone.now(), last_succeeded=succeeded
    )


def command_of(job: Job) -> PeriodicCommand:
    command = load_command_class(get_commands()[job.command], job.command)
    if not isinstance(command, PeriodicCommand):
        raise TypeError(f"{job.command} is not a PeriodicCommand")
    return command


def run_due(*, holder: str, schedule: tuple[Job, ...] = SCHEDULE) -> list[tuple[Job, str]]:
    """Run one round of every job that is due and free; what each round reported."""
    reports: list[tuple[Job, str]] = []
    for job in schedule:
        if not take_lease(job, holder=holder, now=timezone.now()):
            continue
        succeeded = False
        try:
            report, did_something = command_of(job).run_round()
            succeeded = True
            if did_something:
                reports.append((job, report))
        except Exception:
            # One job's failure must not stop the others: logged (its type and place, no
            # data), and tried again at its next turn.
            logger.exception("periodic job %s failed", job.command)
        finally:
            give_back(job, holder=holder, succeeded=succeeded)
    return reports


def seconds_to_next(*, schedule: tuple[Job, ...] = SCHEDULE) -> float:
    """How long the clock may sleep before the next job falls due (at most its shortest
    interval, at least a second)."""
    now = timezone.now()
    started = dict(JobLease.objects.values_list("job", "last_started_at"))
    waits = []
    for job in schedule:
        last = started.get(job.command)
        waits.append(0.0 if last is None else (last + job.every - now).total_seconds())
    shortest = min(job.every for job in schedule).total_seconds()
    return min(max(min(waits, default=shortest), 1.0), shortest)
