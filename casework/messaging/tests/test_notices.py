"""'You have a new message' emails: batched, without content, not while the person is online."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from casework.accounts.models import User
from casework.events.models import EmailDelivery
from casework.messaging import notices, services
from casework.messaging.models import Conversation, MessageNotice, Participant
from casework.testing import messaging
from casework.testing.tasks import DATABASE_TASKS

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
OnCommit = Callable[..., AbstractContextManager[Any]]


@pytest.fixture
def quiet_enquiry(
    client_person: User, practitioner: User, django_capture_on_commit_callbacks: OnCommit
) -> Conversation:
    """An enquiry whose first message has been emailed about already (and the email cleared)."""
    with (
        time_machine.travel(START - timedelta(hours=3), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        found = messaging.enquiry(client_person, practitioner, body="First words")
    with (
        time_machine.travel(START - timedelta(hours=2), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notices.send_due_notices()
    services.mark_read(conversation=found, person=practitioner)
    Participant.objects.update(last_seen_at=None)
    mail.outbox.clear()
    return found


def send_at(
    moment: datetime, conversation: Conversation, sender: User, body: str, capture: OnCommit
) -> None:
    with time_machine.travel(moment, tick=False), capture(execute=True):
        messaging.send(conversation, sender, body)


def run_due(moment: datetime, capture: OnCommit) -> int:
    with time_machine.travel(moment, tick=False), capture(execute=True):
        return notices.send_due_notices()


def test_several_messages_make_one_email_without_content_or_sender(
    quiet_enquiry: Conversation,
    client_person: User,
    practitioner: User,
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    capture = django_capture_on_commit_callbacks
    for minute, text in enumerate(["My rent is late", "and my landlord", "keeps calling"]):
        send_at(START + timedelta(minutes=minute), quiet_enquiry, client_person, text, capture)
    assert run_due(START + timedelta(minutes=4), capture) == 0  # not due yet: still batching
    assert run_due(START + timedelta(minutes=6), capture) == 1
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [practitioner.email]
    assert email.subject == "[Casework] You have a new message"
    everything = email.subject + str(email.body)
    for secret in ("rent", "landlord", "calling", client_person.alias):
        assert secret not in everything
    assert "/messages/" in str(email.body)
    assert run_due(START + timedelta(minutes=30), capture) == 0  # nothing more is due


def test_no_email_while_the_person_is_on_the_site(
    quiet_enquiry: Conversation,
    client_person: User,
    practitioner: User,
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    Participant.objects.filter(person=practitioner).update(last_seen_at=START)
    send_at(
        START + timedelta(seconds=30),
        quiet_enquiry,
        client_person,
        "Hi",
        django_capture_on_commit_callbacks,
    )
    assert not MessageNotice.objects.filter(person=practitioner, due_at__isnull=False).exists()
    assert run_due(START + timedelta(hours=1), django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


def test_reading_before_the_notice_is_due_cancels_it(
    quiet_enquiry: Conversation,
    client_person: User,
    practitioner: User,
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    capture = django_capture_on_commit_callbacks
    send_at(START, quiet_enquiry, client_person, "Hi", capture)
    with time_machine.travel(START + timedelta(minutes=2), tick=False):
        services.mark_read(conversation=quiet_enquiry, person=practitioner)
    Participant.objects.update(last_seen_at=None)  # and left again
    assert run_due(START + timedelta(minutes=6), capture) == 0
    assert mail.outbox == []


def test_the_next_email_waits_for_the_interval(
    quiet_enquiry: Conversation,
    client_person: User,
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    capture = django_capture_on_commit_callbacks
    send_at(START, quiet_enquiry, client_person, "One", capture)
    assert run_due(START + timedelta(minutes=5), capture) == 1
    send_at(START + timedelta(minutes=10), quiet_enquiry, client_person, "Two", capture)
    assert run_due(START + timedelta(minutes=20), capture) == 0
    assert run_due(START + timedelta(minutes=65), capture) == 1
    assert len(mail.outbox) == 2


def test_the_email_speaks_the_persons_language(
    quiet_enquiry: Conversation,
    client_person: User,
    practitioner: User,
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    User.objects.filter(pk=practitioner.pk).update(language="es")
    send_at(START, quiet_enquiry, client_person, "Hola", django_capture_on_commit_callbacks)
    run_due(START + timedelta(minutes=6), django_capture_on_commit_callbacks)
    with translation.override("es"):
        expected = "[Casework] " + translation.gettext("You have a new message")
    assert mail.outbox[0].subject == expected


def test_the_email_is_recorded_with_the_notice_so_a_lost_send_is_sent_by_the_relay(
    quiet_enquiry: Conversation,
    client_person: User,
    practitioner: User,
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    capture = django_capture_on_commit_callbacks
    send_at(START, quiet_enquiry, client_person, "Are you there?", capture)
    # The worker dies as the notice commits: nothing after the commit runs, and the task queue
    # holds nothing (its task lost).
    with (
        override_settings(TASKS=DATABASE_TASKS),
        time_machine.travel(START + timedelta(minutes=6), tick=False),
    ):
        assert notices.send_due_notices() == 1
        DBTaskResult.objects.all().delete()
    assert mail.outbox == []
    (delivery,) = EmailDelivery.objects.filter(kind="messaging.new_message", outcome="waiting")
    assert delivery.sealed.startswith("v2:")
    with time_machine.travel(START + timedelta(minutes=8), tick=False):
        call_command("relay_events")
        call_command("relay_events")
    (email,) = mail.outbox
    assert email.to == [practitioner.email]
    assert run_due(START + timedelta(minutes=30), capture) == 0
