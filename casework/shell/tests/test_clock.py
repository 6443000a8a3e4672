"""The clock: every periodic job runs when due, once across all clocks, and one failing job
does not stop the others."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from casework.shell import schedule
from casework.shell.models import JobLease
from casework.shell.periodic import PeriodicCommand
from casework.shell.schedule import Job, give_back, run_due, seconds_to_next, take_lease
from casework.testing.concurrency import all_at_once

RELAY = Job("relay_events", timedelta(seconds=10), "test")


def test_every_job_of_the_schedule_is_a_periodic_command() -> None:
    for job in schedule.SCHEDULE:
        assert isinstance(schedule.command_of(job), PeriodicCommand), job.command


@pytest.mark.django_db
def test_a_second_clock_does_not_take_a_job_another_holds() -> None:
    now = timezone.now()
    assert take_lease(RELAY, holder="a", now=now)
    assert not take_lease(RELAY, holder="b", now=now + timedelta(seconds=30))


@pytest.mark.django_db
def test_a_job_runs_again_only_once_its_interval_has_passed() -> None:
    now = timezone.now()
    assert take_lease(RELAY, holder="a", now=now)
    give_back(RELAY, holder="a", succeeded=True)
    assert not take_lease(RELAY, holder="b", now=now + timedelta(seconds=9))
    assert take_lease(RELAY, holder="b", now=now + timedelta(seconds=10))


@pytest.mark.django_db
def test_a_clock_that_died_mid_round_gives_its_job_back_when_the_lease_ends() -> None:
    now = timezone.now()
    assert take_lease(RELAY, holder="dead", now=now)
    assert not take_lease(RELAY, holder="b", now=now + schedule.LEASE - timedelta(seconds=1))
    assert take_lease(RELAY, holder="b", now=now + schedule.LEASE + timedelta(seconds=1))


@pytest.mark.django_db
def test_a_failing_job_is_recorded_and_the_next_job_still_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    failing = Job("prune_outbox", timedelta(hours=1), "test")
    ran: list[str] = []
    real_command_of = schedule.command_of

    def command_of(job: Job) -> PeriodicCommand:
        command = real_command_of(job)
        if job is failing:

            def broken() -> tuple[str, bool]:
                raise RuntimeError("the database went away")

            monkeypatch.setattr(command, "run_round", broken)
        else:

            def recorded() -> tuple[str, bool]:
                ran.append(job.command)
                return "done", True

            monkeypatch.setattr(command, "run_round", recorded)
        return command

    monkeypatch.setattr(schedule, "command_of", command_of)
    reports = run_due(holder="a", schedule=(failing, RELAY))
    assert ran == ["relay_events"]
    assert reports == [(RELAY, "done")]
    leases = {lease.job: lease for lease in JobLease.objects.all()}
    assert leases["prune_outbox"].last_succeeded is False
    assert leases["relay_events"].last_succeeded is True
    assert not leases["prune_outbox"].held_by
    assert leases["prune_outbox"].held_until is None


@pytest.mark.django_db
def test_the_clock_sleeps_until_the_next_job_falls_due() -> None:
    with time_machine.travel(timezone.now(), tick=False):
        assert seconds_to_next(schedule=(RELAY,)) == 1.0  # never run: due now (a second's nap)
        assert take_lease(RELAY, holder="a", now=timezone.now())
        give_back(RELAY, holder="a", succeeded=True)
        assert seconds_to_next(schedule=(RELAY,)) == 10.0


@pytest.mark.django_db
def test_one_pass_runs_every_job_that_is_due() -> None:
    out = StringIO()
    call_command("clock", "--once", stdout=out)
    assert set(JobLease.objects.values_list("job", flat=True)) == {
        job.command for job in schedule.SCHEDULE
    }
    assert all(JobLease.objects.values_list("last_succeeded", flat=True))


@pytest.mark.django_db(transaction=True)
def test_of_eight_clocks_started_together_one_runs_the_job() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent clocks need PostgreSQL")
    now = timezone.now()
    outcomes = all_at_once(8, lambda i: take_lease(RELAY, holder=f"clock{i}", now=now))
    assert outcomes.count(True) == 1, outcomes
