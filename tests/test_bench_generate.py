"""The benchmarks' data generator writes what the services would: conversations whose messages
open under their own data keys, in order, between pairs the database allows once."""

from collections import Counter

import pytest

from bench import generate
from casework.messaging.models import Conversation, Message, Participant
from casework.registry.reference_data import load_reference_data
from casework.vault.crypto import data_key_cache

pytestmark = pytest.mark.django_db


def test_conversations_hold_the_messages_asked_for_sealed_and_in_order() -> None:
    load_reference_data()
    generate.practitioners(12)
    _made, practitioner, clients = generate.showcase(4)

    made = generate.conversations(300, practitioner, clients)
    data_key_cache.clear()  # each body opens through its wrapped key, as a later process would

    threads = list(Conversation.objects.select_related("data_key"))
    assert len(threads) == made
    assert Message.objects.count() == 300
    # The practitioner's inbox: a case conversation with each client of the caseload.
    cases = [c for c in threads if c.kind == Conversation.Kind.CASE]
    assert {c.client_id for c in cases} == {client.pk for client in clients}
    assert len(cases) == len(clients)
    assert {c.practitioner_id for c in cases} == {practitioner.pk}
    # Enquiries go to the other practitioners, never twice from one client to one of them.
    enquiries = Counter(
        (c.client_id, c.practitioner_id) for c in threads if c.kind == Conversation.Kind.ENQUIRY
    )
    assert enquiries
    assert max(enquiries.values()) == 1
    assert practitioner.pk not in {pair[1] for pair in enquiries}
    for conversation in threads:
        letters = list(conversation.messages.order_by("seq"))
        assert [m.seq for m in letters] == list(range(1, conversation.last_seq + 1))
        assert conversation.last_message_at == letters[-1].created_at
        assert all(m.body in generate.MESSAGES for m in letters)
        assert {m.sender_id for m in letters} <= {
            conversation.client_id,
            conversation.practitioner_id,
        }
        people = Participant.objects.filter(conversation=conversation)
        assert {p.person_id for p in people} == {
            conversation.client_id,
            conversation.practitioner_id,
        }
    assert len({c.data_key_id for c in threads}) == len(threads)
