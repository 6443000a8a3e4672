"""Relays and retried sends racing on PostgreSQL with real concurrent connections (SQLite
serialises writers, so there is no race to show there)."""

import uuid

import pytest
import time_machine
from django.core import mail
from django.db import connection

from casework.accounts.models import User
from casework.care.models import Case
from casework.events import relay
from casework.events.catalogue import AppointmentConfirmed
from casework.events.models import EmailDelivery, OutboxEvent, Reaction
from casework.events.subscribers import subscribers_of
from casework.messaging import services
from casework.messaging.models import Message
from casework.testing import messaging
from casework.testing.concurrency import all_at_once
from casework.testing.scheduling import NOW, THURSDAY_9, book, bookable_practitioner

RACERS = 8

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"
    ),
]


def test_relays_racing_on_one_event_do_each_reaction_once(
    client_person: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    with time_machine.travel(NOW, tick=False):
        practitioner, session_type = bookable_practitioner()
        # The worker that should relay the booking's event has died.
        monkeypatch.setattr(
            "casework.events.outbox.queue_with_the_change", lambda task, **kwargs: None
        )
        book(client_person, session_type, THURSDAY_9)
        event = OutboxEvent.objects.get(name=AppointmentConfirmed.name)
        outcomes = all_at_once(RACERS, lambda i: relay.deliver(event.pk))
    assert outcomes.count(True) == 1, outcomes  # the others skipped the locked row, or found
    assert outcomes.count(False) == RACERS - 1  # it delivered
    assert Case.objects.filter(practitioner=practitioner, client=client_person).count() == 1
    # Each of its subscribers reacted once (opening the case, the emails, the caseload's rank).
    assert Reaction.objects.filter(event=event).count() == len(subscribers_of(AppointmentConfirmed))
    assert EmailDelivery.objects.filter(kind="scheduling.booked").count() == 2
    assert len([m for m in mail.outbox if m.subject.endswith("Appointment booked")]) == 2


def test_one_send_retried_at_once_from_many_connections_stores_one_message(
    client_person: User, practitioner: User
) -> None:
    conversation = messaging.enquiry(client_person, practitioner, body="Hello")
    key = uuid.uuid4()
    outcomes = all_at_once(
        RACERS,
        lambda i: services.send_message(
            conversation=conversation, sender=practitioner, body="Yes", idempotency_key=key
        ),
    )
    assert all(isinstance(outcome, Message) for outcome in outcomes), outcomes
    assert len({outcome.pk for outcome in outcomes}) == 1
    assert Message.objects.filter(conversation=conversation, sender=practitioner).count() == 1
