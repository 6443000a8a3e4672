"""The outbox and its relay: an event committed with its change is delivered at least once,
and each reaction happens exactly once, whatever dies when."""

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from casework.accounts.models import User
from casework.care.models import Case
from casework.events import relay
from casework.events.catalogue import KINDS, AppointmentConfirmed, ConversationClosed
from casework.events.models import EmailDelivery, OutboxEvent
from casework.events.outbox import emit
from casework.events.subscribers import SUBSCRIBERS
from casework.events.tasks import relay_event
from casework.messaging.models import MessageNotice
from casework.scheduling.notices import compose
from casework.testing import messaging
from casework.testing.scheduling import NOW as BOOKING_DAY
from casework.testing.scheduling import THURSDAY_9, book, bookable_practitioner
from casework.testing.tasks import DATABASE_TASKS, run_queued_tasks

OnCommit = Callable[..., AbstractContextManager[Any]]
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


class RelayKilled(BaseException):
    """The relay process dying mid-way (like a SIGKILL, not an error it could handle)."""


@pytest.fixture
def frozen() -> Any:
    with time_machine.travel(BOOKING_DAY, tick=False) as traveller:
        yield traveller


def _relay(*args: str) -> str:
    out = StringIO()
    call_command("relay_events", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_a_relay_killed_after_commit_leaves_the_event_to_a_fresh_relay_that_delivers_it_once(
    frozen: Any, client_person: User, django_capture_on_commit_callbacks: OnCommit
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        practitioner, session_type = bookable_practitioner()
    # The booking commits; the relay that was to deliver its event never runs.
    with django_capture_on_commit_callbacks(execute=False) as lost:
        appointment = book(client_person, session_type, THURSDAY_9)
    assert lost  # the relay was asked, after commit
    event = OutboxEvent.objects.get(name=AppointmentConfirmed.name)
    assert event.payload == {
        "appointment_id": appointment.pk,
        "client_id": client_person.pk,
        "practitioner_id": practitioner.pk,
        "at_booking": True,
    }
    assert event.delivered_at is None
    assert not Case.objects.exists()
    assert mail.outbox == []

    assert _relay() == "1 events delivered, 0 emails and 0 pushes sent again\n"
    assert Case.objects.filter(practitioner=practitioner, client=client_person).count() == 1
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [client_person.email, practitioner.email]
    )
    # Running again, or the lost relay task arriving late, does nothing more.
    assert _relay() == "0 events delivered, 0 emails and 0 pushes sent again\n"
    for callback in lost:
        callback()
    assert Case.objects.count() == 1
    assert len(mail.outbox) == 2
    assert set(event.reactions.values_list("subscriber", flat=True)) == {
        "care.open_case",
        "scheduling.tell_parties",
        "care.caseload_rank",
    }


@pytest.mark.django_db
def test_a_relay_that_dies_mid_way_undoes_its_work_and_a_fresh_relay_does_each_reaction_once(
    frozen: Any,
    client_person: User,
    django_capture_on_commit_callbacks: OnCommit,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _practitioner, session_type = bookable_practitioner()
    with django_capture_on_commit_callbacks(execute=False):
        book(client_person, session_type, THURSDAY_9)
    event = OutboxEvent.objects.get(name=AppointmentConfirmed.name)

    def dies(event: AppointmentConfirmed) -> None:
        raise RelayKilled

    # The case opens (first reaction), then the relay dies before the emails are queued.
    monkeypatch.setattr("casework.scheduling.reactions.tell_confirmed", dies)
    with pytest.raises(RelayKilled):
        relay.deliver(event.pk)
    assert not Case.objects.exists()
    assert not event.reactions.exists()
    monkeypatch.undo()

    assert relay.deliver(event.pk) is True
    assert relay.deliver(event.pk) is False
    assert Case.objects.count() == 1
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_a_relay_killed_while_composing_notices_keeps_none_and_a_fresh_relay_sends_each_once(
    frozen: Any, client_person: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    with override_settings(TASKS=DATABASE_TASKS):
        _practitioner, session_type = bookable_practitioner()
        book(client_person, session_type, THURSDAY_9)
        event = OutboxEvent.objects.get(name=AppointmentConfirmed.name)
        composed: list[int] = []

        def composes_one_then_dies(appointment: Any, recipient: User, notice: Any) -> Any:
            if composed:
                raise RelayKilled
            composed.append(recipient.pk)
            return compose(appointment, recipient, notice)

        # The first party's notice is composed and sealed, then the relay dies on the second.
        monkeypatch.setattr("casework.scheduling.reactions.compose", composes_one_then_dies)
        with pytest.raises(RelayKilled):
            relay.deliver(event.pk)
        assert composed
        assert not EmailDelivery.objects.exists()
        assert not DBTaskResult.objects.filter(task_path__endswith="send_sealed_email").exists()
        monkeypatch.undo()

        assert relay.deliver(event.pk) is True
        assert EmailDelivery.objects.filter(kind="scheduling.booked").count() == 2
        run_queued_tasks()
        assert relay.deliver(event.pk) is False
        run_queued_tasks()
    booked = [m.to for m in mail.outbox if "booked" in str(m.subject)]
    assert len(booked) == 2
    assert {to for (to,) in booked} == {client_person.email, session_type.practitioner.email}


@pytest.mark.django_db
def test_a_failed_reaction_is_tried_again_later_and_the_others_are_not_repeated(
    client_person: User,
    practitioner: User,
    django_capture_on_commit_callbacks: OnCommit,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        conversation = messaging.enquiry(client_person, practitioner, body="First words")

    def redis_down(conversation_id: Any, last_seq: int) -> None:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("casework.messaging.live.announce_new_messages", redis_down)
    with (
        time_machine.travel(NOW + timedelta(minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
        caplog.at_level(logging.WARNING),
    ):
        message = messaging.send(conversation, client_person, "Secret words")
    assert message.pk  # stored, and the sender saw no error
    event = OutboxEvent.objects.filter(name="messaging.message_sent").latest("occurred_at")
    assert event.delivered_at is None
    assert event.attempts == 1
    assert sorted(event.reactions.values_list("subscriber", flat=True)) == [
        "care.caseload_rank",
        "messaging.notices",
    ]
    assert "messaging.live on messaging.message_sent" in caplog.text
    assert "ConnectionError" in caplog.text
    assert "Secret words" not in caplog.text
    notices_due = MessageNotice.objects.get(person=practitioner).due_at

    monkeypatch.undo()
    # Not before its time to try again...
    assert relay.relay_pending(now=NOW + timedelta(minutes=1, seconds=5)) == 0
    # ...and then once, without making the email due again.
    assert relay.relay_pending(now=NOW + timedelta(minutes=2)) == 1
    event.refresh_from_db()
    assert event.delivered_at is not None
    assert event.reactions.count() == 3
    assert MessageNotice.objects.get(person=practitioner).due_at == notices_due


def test_later_tries_wait_longer_up_to_an_hour() -> None:
    assert relay.retry_after(1) == timedelta(seconds=15)
    assert relay.retry_after(3) == timedelta(seconds=60)
    assert relay.retry_after(40) == timedelta(hours=1)


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_emit_outside_a_transaction() -> None:
    assert not connection.in_atomic_block
    with pytest.raises(RuntimeError, match="outside a transaction"):
        emit(ConversationClosed(conversation_id="0" * 32))
    assert not OutboxEvent.objects.exists()
    with transaction.atomic():
        emit(ConversationClosed(conversation_id="0" * 32))
    # Committed, relayed at once (there is no such conversation: the page hears nothing).
    assert OutboxEvent.objects.get().delivered_at is not None


class ChangeUndone(Exception):
    """The change's transaction rolled back."""


def _emit_then_undo(event: ConversationClosed) -> None:
    with transaction.atomic():
        emit(event)
        raise ChangeUndone


@pytest.mark.django_db(transaction=True)
def test_with_the_database_queue_the_relay_task_is_written_by_the_change_s_own_transaction() -> (
    None
):
    relay_tasks = DBTaskResult.objects.filter(task_path=relay_event.module_path)
    with override_settings(TASKS=DATABASE_TASKS):
        with transaction.atomic():
            event = emit(ConversationClosed(conversation_id="0" * 32))
            # Written here, before the commit, and nothing left for after it: one commit.
            assert relay_tasks.get().args_kwargs["kwargs"] == {"event_id": str(event.pk)}
            assert connection.run_on_commit == []
        assert relay_tasks.count() == 1
        with pytest.raises(ChangeUndone):
            _emit_then_undo(ConversationClosed(conversation_id="1" * 32))
        # Gone with the change: no task for an event that never was.
        assert OutboxEvent.objects.count() == relay_tasks.count() == 1
        run_queued_tasks()
    assert OutboxEvent.objects.get().delivered_at is not None


def test_every_subscriber_names_a_function_that_exists_once_per_event() -> None:
    for kind, subscribers in SUBSCRIBERS.items():
        assert kind in KINDS.values()
        names = [subscriber.name for subscriber in subscribers]
        assert len(names) == len(set(names)), kind
        for subscriber in subscribers:
            assert callable(subscriber.function()), subscriber.reaction


def test_manage_py_events_says_what_happens_when_a_client_books() -> None:
    out = StringIO()
    call_command("events", stdout=out)
    text = out.getvalue()
    after = text.split("scheduling.appointment_confirmed (AppointmentConfirmed):", 1)[1]
    booked = after.split("\n", 1)[1].splitlines()
    assert booked[0] == "    -> care.open_case: open the pair's case (or activate it)"
    assert booked[1].startswith("    -> scheduling.tell_parties: email both parties")
    for name in KINDS:
        assert f"\n{name} (" in f"\n{text}"


def test_the_readme_shows_the_table_manage_py_events_prints() -> None:
    out = StringIO()
    call_command("events", stdout=out)
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    section = readme.split("### What happens next: domain events", 1)[1].split("\n### ", 1)[0]
    shown = section.split("\n```\n", 1)[1].split("\n```", 1)[0]
    assert shown == out.getvalue().rstrip("\n"), "regenerate it: python manage.py events"
