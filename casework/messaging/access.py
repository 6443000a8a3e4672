"""Who may read which conversation, message and attachment: participants only.

Each helper answers 404 alike for "missing" and "not yours", for views, the API, the websocket
consumer and tasks.
"""

import uuid
import weakref
from typing import Any

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet
from django.db.models.expressions import Col
from django.http import Http404

from casework.accounts.models import Role, User
from casework.accounts.second_factor import fully_signed_in
from casework.messaging import services
from casework.messaging.models import Attachment, Conversation, Message, Participant
from casework.safety.restrictions import is_hidden
from casework.vault.models import DataKey


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


def _column(field: object) -> str:
    column = getattr(field, "column", None)
    if not isinstance(column, str):  # a field without a column of its own: none is read here
        raise TypeError(f"{field} has no column")
    return column


class _ConversationRead:
    """A conversation with its data key, if ``person`` takes part in it: what every messaging
    request reads first, written once as SQL (building it through the ORM cost about ten times
    the database's answer, issue 21). The rows become models as the ORM makes them: each value
    through the connection's and the field's converters, then ``from_db`` (its signals too)."""

    FIELDS = (Conversation._meta.concrete_fields, DataKey._meta.concrete_fields)

    def __init__(self, database: BaseDatabaseWrapper) -> None:
        quote = database.ops.quote_name
        conversation_fields, key_fields = self.FIELDS
        columns = [f"c.{quote(_column(f))}" for f in conversation_fields]
        columns += [f"k.{quote(_column(f))}" for f in key_fields]
        conversation_id = quote(_column(Conversation._meta.pk))
        participant = Participant._meta
        # Only the models' own names go into it; the values are parameters.
        self.sql = (
            f"SELECT {', '.join(columns)} "  # noqa: S608
            f"FROM {quote(Conversation._meta.db_table)} c "
            f"JOIN {quote(DataKey._meta.db_table)} k "
            f"ON k.{quote(_column(DataKey._meta.pk))} "
            f"= c.{quote(_column(Conversation._meta.get_field('data_key')))} "
            f"WHERE c.{conversation_id} = %s "
            f"AND EXISTS (SELECT 1 FROM {quote(participant.db_table)} p "
            f"WHERE p.{quote(_column(participant.get_field('conversation')))} "
            f"= c.{conversation_id} "
            f"AND p.{quote(_column(participant.get_field('person')))} = %s)"
        )
        self.converters: list[tuple[int, list[Any], Col]] = []
        for position, field in enumerate([*conversation_fields, *key_fields]):
            column = field.get_col(field.model._meta.db_table)
            converters = database.ops.get_db_converters(column) + column.get_db_converters(database)
            if converters:
                self.converters.append((position, converters, column))
        self.split = len(conversation_fields)
        self.names = (
            [f.attname for f in conversation_fields],
            [f.attname for f in key_fields],
        )

    def __call__(
        self, database: BaseDatabaseWrapper, conversation_id: uuid.UUID, person_id: int
    ) -> Conversation | None:
        key = conversation_id if database.features.has_native_uuid_field else conversation_id.hex
        with database.cursor() as cursor:
            cursor.execute(self.sql, [key, person_id])
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for position, converters, column in self.converters:
            for converter in converters:
                values[position] = converter(values[position], column, database)
        conversation_names, key_names = self.names
        conversation = Conversation.from_db(
            database.alias, conversation_names, values[: self.split]
        )
        data_key = DataKey.from_db(database.alias, key_names, values[self.split :])
        Conversation._meta.get_field("data_key").set_cached_value(conversation, data_key)
        return conversation


# One per connection: the converters are the connection's own.
_conversation_reads: "weakref.WeakKeyDictionary[BaseDatabaseWrapper, _ConversationRead]" = (
    weakref.WeakKeyDictionary()
)


def find_conversation_for_person(
    person: User, conversation_id: uuid.UUID | str
) -> Conversation | None:
    try:
        key = uuid.UUID(str(conversation_id))
    except ValueError:
        return None
    database = connections[router.db_for_read(Conversation)]
    read = _conversation_reads.get(database)
    if read is None:
        read = _conversation_reads[database] = _ConversationRead(database)
    return read(database, key, person.pk)


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
