"""The send's fixed statements answer what the ORM answers, on SQLite and PostgreSQL alike."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from casework.accounts.models import User
from casework.messaging import access, send_statements, services
from casework.messaging.models import Conversation, Message, Participant
from casework.safety.blocks import block_person, is_blocked_between
from casework.testing import factories, messaging

pytestmark = pytest.mark.django_db


def test_the_standing_lists_each_participant_with_their_block(
    conversation: Conversation, client_person: User, practitioner: User
) -> None:
    third = factories.ClientFactory.create()
    Participant.objects.create(conversation=conversation, person=third)
    block_person(blocker=third, blocked=practitioner)
    found = send_statements.standing(conversation.pk, practitioner.pk, timezone.now(), None)
    assert found is not None
    assert found.blocked == {
        person.pk: is_blocked_between(practitioner, person)
        for person in (client_person, practitioner, third)
    }
    assert found.blocked[third.pk]
    assert not found.blocked[client_person.pk]


def test_the_standing_counts_the_last_minute_as_the_orm_does(
    conversation: Conversation, client_person: User
) -> None:
    for number in range(3):
        messaging.send(conversation, client_person, f"Message {number}")
    now = timezone.now()
    found = send_statements.standing(conversation.pk, client_person.pk, now, None)
    assert found is not None
    counted = Message.objects.filter(
        sender=client_person,
        kind=Message.Kind.MESSAGE,
        created_at__gte=now - timedelta(minutes=1),
    ).count()
    assert found.recent == counted == 4  # with the enquiry's first message
    later = send_statements.standing(
        conversation.pk, client_person.pk, now + timedelta(minutes=2), None
    )
    assert later is not None
    assert later.recent == 0


def test_the_standing_finds_where_the_same_send_went(
    conversation: Conversation, client_person: User, practitioner: User
) -> None:
    key = uuid.uuid4()
    messaging.send(conversation, client_person, "Once", idempotency_key=key)
    now = timezone.now()
    found = send_statements.standing(conversation.pk, client_person.pk, now, key)
    assert found is not None
    assert found.earlier_conversation == conversation.pk
    other = send_statements.standing(conversation.pk, practitioner.pk, now, key)
    assert other is not None
    assert other.earlier_conversation is None
    fresh = send_statements.standing(conversation.pk, client_person.pk, now, uuid.uuid4())
    assert fresh is not None
    assert fresh.earlier_conversation is None


def test_a_conversation_with_nobody_in_it_has_no_standing(
    conversation: Conversation, client_person: User
) -> None:
    Participant.objects.filter(conversation=conversation).delete()
    assert send_statements.standing(conversation.pk, client_person.pk, timezone.now(), None) is None


def test_the_recount_sees_the_same_send_and_the_last_minute(
    conversation: Conversation, client_person: User
) -> None:
    key = uuid.uuid4()
    assert send_statements.recount(client_person.pk, timezone.now(), key) == (1, False)
    messaging.send(conversation, client_person, "Once", idempotency_key=key)
    assert send_statements.recount(client_person.pk, timezone.now(), key) == (2, True)
    assert send_statements.recount(client_person.pk, timezone.now(), None) == (2, False)


def test_advancing_moves_the_counter_and_answers_the_row_as_the_orm_reads_it(
    conversation: Conversation,
) -> None:
    replied_until = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    Conversation.objects.filter(pk=conversation.pk).update(auto_replied_until=replied_until)
    now = timezone.now()
    with transaction.atomic():
        advanced = send_statements.advance(conversation.pk, now)
    assert advanced is not None
    stored = Conversation.objects.get(pk=conversation.pk)
    assert stored.last_seq == advanced.last_seq == conversation.last_seq + 1
    assert stored.last_message_at == now
    assert (
        advanced.kind,
        advanced.client_id,
        advanced.practitioner_id,
        advanced.client_jurisdiction_id,
        advanced.auto_replied_until,
    ) == (
        stored.kind,
        stored.client_id,
        stored.practitioner_id,
        stored.client_jurisdiction_id,
        stored.auto_replied_until,
    )
    assert advanced.auto_replied_until == replied_until


def test_a_closed_conversation_does_not_advance(
    conversation: Conversation, client_person: User
) -> None:
    services.close_conversation(conversation=conversation, actor=client_person)
    with transaction.atomic():
        assert send_statements.advance(conversation.pk, timezone.now()) is None
    assert Conversation.objects.get(pk=conversation.pk).last_seq == conversation.last_seq


def test_reading_up_to_moves_the_senders_place(
    conversation: Conversation, client_person: User, practitioner: User
) -> None:
    now = timezone.now()
    send_statements.read_up_to(conversation.pk, practitioner.pk, 1, now)
    place = Participant.objects.get(conversation=conversation, person=practitioner)
    assert (place.last_read_seq, place.last_seen_at) == (1, now)
    other = Participant.objects.get(conversation=conversation, person=client_person)
    assert other.last_seen_at != now


def _fields(instance: object) -> dict[str, object]:
    return {
        field.attname: getattr(instance, field.attname)
        for field in type(instance)._meta.concrete_fields  # type: ignore[attr-defined]
    }


def test_the_conversation_read_for_access_answers_what_the_orm_does(
    conversation: Conversation,
    client_person: User,
    practitioner: User,
    django_assert_num_queries: Any,
) -> None:
    services.close_conversation(conversation=conversation, actor=client_person)
    conversation = messaging.enquiry(client_person, practitioner, body="Again")
    Conversation.objects.filter(pk=conversation.pk).update(
        auto_replied_until=datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    )
    closed = Conversation.objects.exclude(pk=conversation.pk).get()
    for wanted in (conversation, closed):
        for person in (client_person, practitioner):
            orm = (
                access.conversations_for(person)
                .select_related("data_key")
                .filter(pk=wanted.pk)
                .first()
            )
            found = access.find_conversation_for_person(person, str(wanted.pk))
            assert orm is not None
            assert found is not None
            assert _fields(found) == _fields(orm)
            assert found.last_message_at is not None
            assert found.data_key_id == orm.data_key.pk
            assert _fields(found.data_key) == _fields(orm.data_key)
            assert not found._state.adding
            assert found._state.db == orm._state.db
    assert found is not None
    assert orm is not None
    with django_assert_num_queries(0):
        assert found.data_key.pk == orm.data_key.pk  # held, as select_related holds it
    stranger = factories.ClientFactory.create()
    assert access.find_conversation_for_person(stranger, conversation.pk) is None
    assert access.find_conversation_for_person(client_person, uuid.uuid4()) is None
    assert access.find_conversation_for_person(client_person, "not-a-uuid") is None
