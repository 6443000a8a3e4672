"""Outgoing email is sealed until sent: no body or link in clear in the task queue's table,
the outbox, or the delivery record, before or after sending."""

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from casework.accounts.models import User
from casework.emails import deliver_email, send_sealed_email, send_waiting
from casework.events.models import EmailDelivery, OutboxEvent
from casework.testing.scheduling import NOW as BOOKING_DAY
from casework.testing.scheduling import THURSDAY_9, book, bookable_practitioner
from casework.testing.tasks import DATABASE_TASKS, run_queued_tasks


def _every_text_in(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return repr(cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_no_password_reset_link_is_kept_in_clear_in_the_task_or_outbox_tables(
    client_person: User,
) -> None:
    with override_settings(TASKS=DATABASE_TASKS):
        response = Client().post(reverse("account_reset_password"), {"email": client_person.email})
        assert response.status_code == 302
        assert mail.outbox == []  # waiting in the queue
        delivery = EmailDelivery.objects.get()
        assert delivery.outcome == EmailDelivery.Outcome.WAITING
        tables = [DBTaskResult._meta.db_table, OutboxEvent._meta.db_table]
        waiting = "".join(_every_text_in(table) for table in tables)
        assert "password/reset/key" not in waiting
        assert "password/reset/key" not in delivery.sealed

        run_queued_tasks()

    (sent,) = mail.outbox
    link = re.search(r"https?://\S+/password/reset/key/\S+", str(sent.body))
    assert link is not None
    delivery.refresh_from_db()
    assert delivery.outcome == EmailDelivery.Outcome.SENT
    assert delivery.sealed == ""
    tables = [
        DBTaskResult._meta.db_table,
        OutboxEvent._meta.db_table,
        EmailDelivery._meta.db_table,
    ]
    after = "".join(_every_text_in(table) for table in tables)
    token = link.group(0).rstrip("/").rsplit("/", 1)[1]
    assert token not in after
    assert "password/reset/key" not in after
    assert str(sent.subject) not in after


@pytest.mark.django_db
def test_a_failed_send_keeps_the_email_sealed_for_the_next_try(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuses(*args: object, **kwargs: object) -> int:
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuses)
    deliver_email.enqueue(to=["river@example.org"], subject="Hello", body="A link")
    delivery = EmailDelivery.objects.get()
    assert delivery.outcome == EmailDelivery.Outcome.FAILED
    assert delivery.last_failure == "ConnectionRefusedError"
    assert delivery.sealed.startswith("v2:")
    monkeypatch.undo()
    send_sealed_email.call(delivery_id=str(delivery.pk))
    send_sealed_email.call(delivery_id=str(delivery.pk))
    assert [m.subject for m in mail.outbox] == ["Hello"]
    delivery.refresh_from_db()
    assert (delivery.outcome, delivery.attempts, delivery.sealed) == ("sent", 2, "")


@pytest.mark.django_db
def test_appointment_emails_are_composed_at_send_time_and_only_their_outcome_kept(
    client_person: User, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with time_machine.travel(BOOKING_DAY, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            practitioner, session_type = bookable_practitioner()
        with django_capture_on_commit_callbacks(execute=True):
            book(client_person, session_type, THURSDAY_9)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([client_person.email, practitioner.email])
    assert all(m.attachments for m in mail.outbox)  # the .ics
    deliveries = EmailDelivery.objects.filter(kind="scheduling.booked")
    assert deliveries.count() == 2
    assert set(deliveries.values_list("outcome", "sealed", "recipients")) == {("sent", "", 1)}


@pytest.mark.django_db
def test_an_email_whose_seal_cannot_be_opened_is_given_up_not_retried_forever() -> None:
    delivery = EmailDelivery.objects.create(
        kind="email", sealed="v2:not-a-seal", recipients=1, created_at=timezone.now()
    )
    send_sealed_email.call(delivery_id=str(delivery.pk))
    delivery.refresh_from_db()
    assert (delivery.outcome, delivery.last_failure, delivery.sealed) == (
        "failed",
        "unreadable",
        "",
    )
    assert mail.outbox == []
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
        assert send_waiting() == 0


class _Killed(BaseException):
    """A worker killed mid-send: not an ``Exception``, so nothing records an outcome."""


@pytest.mark.django_db
def test_a_notice_the_mail_server_refused_goes_out_once_on_a_later_relay_round(
    client_person: User, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    def refuses(*args: object, **kwargs: object) -> int:
        raise ConnectionRefusedError("mail server down")

    with time_machine.travel(BOOKING_DAY, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            practitioner, session_type = bookable_practitioner()
        mail.outbox.clear()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("django.core.mail.EmailMultiAlternatives.send", refuses)
            with django_capture_on_commit_callbacks(execute=True):
                book(client_person, session_type, THURSDAY_9)
        deliveries = EmailDelivery.objects.filter(kind="scheduling.booked")
        assert set(deliveries.values_list("outcome", "last_failure")) == {
            ("failed", "ConnectionRefusedError")
        }
        # Sealed, not in clear: neither the address nor the subject is in any of the tables.
        tables = [
            DBTaskResult._meta.db_table,
            OutboxEvent._meta.db_table,
            EmailDelivery._meta.db_table,
        ]
        kept = "".join(_every_text_in(table) for table in tables)
        assert client_person.email not in kept
        assert "Casework" not in kept
        assert all(
            sealed.startswith("v2:") for sealed in deliveries.values_list("sealed", flat=True)
        )
        call_command("relay_events")
        assert mail.outbox == []  # not before a minute has passed
        clock.shift(timedelta(minutes=2))
        call_command("relay_events")
        call_command("relay_events")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([client_person.email, practitioner.email])
    assert all(m.attachments for m in mail.outbox)  # the .ics, sealed with the body
    assert set(deliveries.values_list("outcome", "sealed", "attempts")) == {("sent", "", 2)}


@pytest.mark.django_db
def test_a_notice_left_sending_by_a_dead_worker_is_sent_once_after_its_lease(
    client_person: User, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    def killed(*args: object, **kwargs: object) -> int:
        raise _Killed

    with time_machine.travel(BOOKING_DAY, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            practitioner, session_type = bookable_practitioner()
        mail.outbox.clear()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("django.core.mail.EmailMultiAlternatives.send", killed)
            # The task queue records the task failed; the delivery stays claimed.
            with django_capture_on_commit_callbacks(execute=True):
                book(client_person, session_type, THURSDAY_9)
        deliveries = EmailDelivery.objects.filter(kind="scheduling.booked")
        assert set(deliveries.values_list("outcome", "claimed_at")) == {("sending", BOOKING_DAY)}
        assert all(
            sealed.startswith("v2:") for sealed in deliveries.values_list("sealed", flat=True)
        )
        # Its worker may still be sending: left alone within the lease.
        clock.shift(timedelta(minutes=9))
        call_command("relay_events")
        assert mail.outbox == []
        clock.shift(timedelta(minutes=2))
        call_command("relay_events")
        call_command("relay_events")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([client_person.email, practitioner.email])
    assert set(deliveries.values_list("outcome", "sealed", "attempts")) == {("sent", "", 2)}


@pytest.mark.django_db
def test_a_claimed_email_is_sent_by_one_worker_only() -> None:
    deliver_email.enqueue(to=["river@example.org"], subject="Hello", body="A link")
    delivery = EmailDelivery.objects.get()
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        outcome=EmailDelivery.Outcome.SENDING, claimed_at=timezone.now(), sealed="v2:x"
    )
    mail.outbox.clear()
    send_sealed_email.call(delivery_id=str(delivery.pk))
    assert mail.outbox == []
