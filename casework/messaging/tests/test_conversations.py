"""Starting, turning into a case, and closing conversations."""

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from pytest_django import Settings

from casework.accounts.models import User
from casework.messaging import services
from casework.messaging.models import Conversation, Message, Participant
from casework.testing import factories, messaging
from casework.vault.models import DataKey

pytestmark = pytest.mark.django_db


def test_an_enquiry_joins_the_pair_under_its_own_data_key(
    conversation: Conversation, client_person: User, practitioner: User
) -> None:
    assert conversation.kind == Conversation.Kind.ENQUIRY
    assert conversation.client_jurisdiction_id == "GB-ENG"
    places = Participant.objects.filter(conversation=conversation)
    assert set(places.values_list("person_id", flat=True)) == {client_person.pk, practitioner.pk}
    key = DataKey.objects.get(pk=conversation.data_key_id)
    assert key.owner == f"conversation:{conversation.pk}"


def test_a_second_enquiry_to_the_same_practitioner_leads_to_the_first(
    conversation: Conversation, client_person: User, practitioner: User
) -> None:
    with pytest.raises(services.ConversationExists) as exists:
        messaging.enquiry(client_person, practitioner, body="Hello again")
    assert exists.value.conversation == conversation
    assert Conversation.objects.count() == 1


def test_the_database_holds_one_open_enquiry_per_pair(
    conversation: Conversation, client_person: User, practitioner: User
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Conversation.objects.create(
            kind=Conversation.Kind.ENQUIRY,
            client=client_person,
            practitioner=practitioner,
            started_by=client_person,
            data_key=conversation.data_key,
        )


def test_after_closing_an_enquiry_a_new_one_may_start(
    conversation: Conversation, client_person: User, practitioner: User
) -> None:
    services.close_conversation(conversation=conversation, actor=practitioner)
    again = messaging.enquiry(client_person, practitioner, body="Me again")
    assert again.pk != conversation.pk


def test_enquiries_are_rate_limited_per_client(client_person: User, settings: Settings) -> None:
    settings.MESSAGING_ENQUIRIES_PER_DAY = 2
    for _ in range(2):
        messaging.enquiry(client_person, factories.PractitionerFactory.create())
    with pytest.raises(ValidationError) as refused:
        messaging.enquiry(client_person, factories.PractitionerFactory.create())
    assert refused.value.code == "rate_limited"
    assert Conversation.objects.count() == 2


def test_a_client_confirms_their_email_before_writing(
    client_person: User, practitioner: User
) -> None:
    EmailAddress.objects.filter(user=client_person).update(verified=False)
    with pytest.raises(ValidationError) as refused:
        messaging.enquiry(client_person, practitioner)
    assert refused.value.code == "unverified"


def test_enquiries_go_from_clients_to_practitioners(
    client_person: User, practitioner: User, other_practitioner: User
) -> None:
    with pytest.raises(ValidationError):
        messaging.enquiry(practitioner, other_practitioner)
    with pytest.raises(ValidationError):
        messaging.enquiry(client_person, factories.ClientFactory.create())


def test_a_refused_first_message_leaves_no_conversation_behind(
    client_person: User, practitioner: User
) -> None:
    with pytest.raises(ValidationError) as refused:
        messaging.enquiry(client_person, practitioner, body="My card is 4111 1111 1111 1111")
    assert refused.value.code == "refused_by_safety_check"
    assert not Conversation.objects.exists()
    assert not DataKey.objects.filter(owner__startswith="conversation:").exists()


def test_a_consultation_joins_two_practitioners(
    practitioner: User, other_practitioner: User
) -> None:
    found = messaging.consultation(practitioner, other_practitioner)
    assert found.kind == Conversation.Kind.CONSULTATION
    assert found.client is None
    with pytest.raises(services.ConversationExists):
        messaging.consultation(other_practitioner, practitioner)


def test_a_moderator_writes_to_anyone_and_cannot_be_blocked(
    moderator: User, client_person: User
) -> None:
    found = services.start_moderator_conversation(
        moderator=moderator, person=client_person, body="About your report"
    )
    assert found.kind == Conversation.Kind.MODERATION
    with pytest.raises(ValidationError):
        services.start_moderator_conversation(moderator=client_person, person=moderator, body="x")


def test_an_open_enquiry_becomes_the_case_conversation_with_its_history(
    conversation: Conversation, client_person: User, practitioner: User
) -> None:
    case = services.open_case_conversation(
        client=client_person, practitioner=practitioner, actor=practitioner
    )
    assert case.pk == conversation.pk
    assert case.kind == Conversation.Kind.CASE
    assert Message.objects.filter(conversation=case).count() == 1
    again = services.open_case_conversation(
        client=client_person, practitioner=practitioner, actor=practitioner
    )
    assert again.pk == case.pk
    with pytest.raises(ValidationError):
        services.close_conversation(conversation=case, actor=client_person)
    services.close_conversation(conversation=case, actor=practitioner, closing_case=True)


def test_a_case_without_an_enquiry_starts_an_empty_conversation(
    client_person: User, practitioner: User
) -> None:
    case = services.open_case_conversation(
        client=client_person, practitioner=practitioner, actor=practitioner
    )
    assert case.kind == Conversation.Kind.CASE
    assert case.last_seq == 0
