"""What one send costs the database, query by query: a budget that only goes down.

Each query is named. A send that asks for the same rows twice, or once per recipient, shows up
here first (issue 21: every send holds its sender's and its conversation's row locks while it
runs, so each query inside them is paid by everyone waiting).
"""

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from casework.accounts.models import User
from casework.events import relay
from casework.events.models import OutboxEvent
from casework.messaging.models import Conversation, Participant
from casework.testing import factories, messaging

pytestmark = pytest.mark.django_db

SignedIn = Callable[[User | None], Client]

# Checked before the transaction: a retried send returns what the first stored before anything
# else is decided; a refused one stores nothing.
BEFORE_THE_LOCKS = (
    # the participants, each with whether they and the sender blocked one another, with the
    # sender's rate (counted before the safety check) and the same send stored before (the
    # idempotency key): one query (send_statements.standing)
    1
)
UNDER_THE_LOCKS = (
    1  # savepoint
    + 1  # the sender's row lock
    + 1  # the rate counted again, and the same send stored meanwhile: one query
    + 1  # the conversation's next sequence number and time, which locks its row
    + 1  # the message
    + 1  # the sender's read position
    + 1  # the audit event
    + 1  # the event in the outbox
    + 1  # release savepoint
)


def test_a_practitioners_send_costs_ten_queries(
    conversation: Conversation, practitioner: User, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(BEFORE_THE_LOCKS + UNDER_THE_LOCKS):
        messaging.send(conversation, practitioner, "Yes, I can.", idempotency_key=uuid.uuid4())


def test_a_clients_send_adds_only_the_practitioners_office_hours(
    conversation: Conversation, client_person: User, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(
        BEFORE_THE_LOCKS + UNDER_THE_LOCKS + 1  # the office hours: is an automatic reply due
    ):
        messaging.send(conversation, client_person, "Thank you.", idempotency_key=uuid.uuid4())


def test_more_people_in_a_conversation_cost_no_more_queries(
    conversation: Conversation, practitioner: User, django_assert_num_queries: Any
) -> None:
    for _ in range(3):
        Participant.objects.create(
            conversation=conversation, person=factories.ClientFactory.create()
        )
    with django_assert_num_queries(BEFORE_THE_LOCKS + UNDER_THE_LOCKS):
        messaging.send(conversation, practitioner, "To all of you.", idempotency_key=uuid.uuid4())


AROUND_THE_SEND = (
    1  # the session
    + 1  # the person
    + 1  # MFA: does this staff member have a second factor
    + 1  # the conversation, if the person takes part in it, with its data key
    # (the answer shows the message just stored as its sender sees it: no moderator can have
    # hidden it yet, so no query for that; its attachments are the ones just stored: none)
)


def test_a_send_through_the_api_costs_fourteen_queries(
    conversation: Conversation,
    practitioner: User,
    signed_in: SignedIn,
    django_assert_num_queries: Any,
) -> None:
    browser = signed_in(practitioner)
    url = f"/api/v1/conversations/{conversation.pk}/messages"
    browser.get("/api/v1/conversations")  # the first request after signing in records the session
    with django_assert_num_queries(AROUND_THE_SEND + BEFORE_THE_LOCKS + UNDER_THE_LOCKS):
        response = browser.post(url, json.dumps({"body": "Hello"}), content_type="application/json")
    assert response.status_code == 201


def test_an_idempotency_key_adds_its_check_and_its_row_in_the_sends_transaction(
    conversation: Conversation,
    practitioner: User,
    signed_in: SignedIn,
    django_assert_num_queries: Any,
) -> None:
    browser = signed_in(practitioner)
    url = f"/api/v1/conversations/{conversation.pk}/messages"
    browser.get("/api/v1/conversations")
    with django_assert_num_queries(
        AROUND_THE_SEND
        + 1  # the key: used before with another request?
        + BEFORE_THE_LOCKS
        + UNDER_THE_LOCKS
        + 1  # the key kept, in the send's transaction (no transaction of its own)
    ):
        response = browser.post(
            url,
            json.dumps({"body": "Hello"}),
            content_type="application/json",
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
    assert response.status_code == 201


def test_delivering_a_sent_message_costs_sixteen_queries(
    conversation: Conversation, practitioner: User, django_assert_num_queries: Any
) -> None:
    messaging.send(conversation, practitioner, "Yes, I can.")
    event = OutboxEvent.objects.filter(delivered_at=None).latest("occurred_at")
    with django_assert_num_queries(
        1  # savepoint
        + 1  # the event, locked
        # (on its first try no reaction can be done yet: nothing to ask)
        + 3  # live delivery in its savepoint, with the record that it was done
        + 4  # the email notice: who is away, in its savepoint, with the record it was done
        # the pair's case re-ranked in the caseload: in its savepoint, the pair, their case
        # (none yet for an enquiry), with the record it was done
        + 5
        + 1  # the event, delivered
        + 1  # release savepoint
    ):
        assert relay.deliver(event.pk)
