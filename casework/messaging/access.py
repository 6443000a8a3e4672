"""Who may read which conversation, message and attachment: participants only.

Each helper answers 404 alike for "missing" and "not yours", for views, the API, the websocket
consumer and tasks.
"""

import uuid

from django.db.models import QuerySet
from django.http import Http404

from casework.accounts.models import Role, User
from casework.accounts.second_factor import fully_signed_in
from casework.messaging import services
from casework.messaging.models import Attachment, Conversation, Message
from casework.safety.restrictions import is_hidden


def may_read_messages(person: User) -> bool:
    """Staff read other people's messages only once they have a second factor (as on pages,
    where middleware asks for it first)."""
    return fully_signed_in(person)


def kind_to_start(starter: User, other: User) -> str | None:
    """The conversation ``starter`` may open with ``other`` (page or API), if any: an enquiry
    (client to practitioner), a consultation (between practitioners) or a moderator's message.
    None answers 404, as for nobody: writing to oneself, as an officer, or to a practitioner
    who takes no enquiries."""
    if starter.pk == other.pk or not other.is_active:
        return None
    if starter.role == Role.CLIENT and other.role == Role.PRACTITIONER:
        # The service's one rule (``check_takes_enquiries``), as in the directory and booking:
        # a suspension stops new enquiries at once, and the page answers 404 like the profile.
        return Conversation.Kind.ENQUIRY if services.takes_enquiries(other) else None
    if starter.role == Role.PRACTITIONER and other.role == Role.PRACTITIONER:
        return Conversation.Kind.CONSULTATION
    if starter.role in services.MODERATING_ROLES:
        return Conversation.Kind.MODERATION
    return None


def conversations_for(person: User) -> QuerySet[Conversation]:
    return Conversation.objects.filter(participants__person=person)


def find_conversation_for_person(
    person: User, conversation_id: uuid.UUID | str
) -> Conversation | None:
    try:
        key = uuid.UUID(str(conversation_id))
    except ValueError:
        return None
    return conversations_for(person).select_related("data_key").filter(pk=key).first()


def get_conversation_for_person(person: User, conversation_id: uuid.UUID | str) -> Conversation:
    conversation = find_conversation_for_person(person, conversation_id)
    if conversation is None:
        raise Http404
    return conversation


def get_own_message(person: User, conversation: Conversation, message_id: uuid.UUID) -> Message:
    """A message ``person`` sent in ``conversation`` (only the sender may change it)."""
    message = (
        Message.objects.filter(conversation=conversation, sender=person, pk=message_id)
        .select_related("conversation__data_key")
        .first()
    )
    if message is None:
        raise Http404
    return message


def get_message_for_person(
    person: User, conversation: Conversation, message_id: uuid.UUID | str
) -> Message:
    """A message of ``conversation``, which ``person`` takes part in (found through
    ``get_conversation_for_person``); 404 alike for missing, malformed and elsewhere."""
    try:
        key = uuid.UUID(str(message_id))
    except ValueError:
        raise Http404 from None
    message = (
        Message.objects.filter(
            pk=key, conversation=conversation, conversation__participants__person=person
        )
        .select_related("sender", "conversation")
        .first()
    )
    if message is None:
        raise Http404
    return message


def get_attachment_for_person(
    person: User, conversation: Conversation, attachment_id: uuid.UUID
) -> Attachment:
    """An attachment of a message in a conversation ``person`` takes part in, not deleted and
    not hidden by a moderator (a hidden message's files are withheld with its text)."""
    attachment = (
        Attachment.objects.filter(
            pk=attachment_id,
            message__conversation=conversation,
            message__conversation__participants__person=person,
            message__deleted_at__isnull=True,
        )
        .select_related("message__conversation__data_key")
        .first()
    )
    if attachment is None or is_hidden(attachment.message_id):
        raise Http404
    return attachment
