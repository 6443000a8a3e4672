"""Live delivery: what travels through the channel layer (Redis in production).

Events carry sequence numbers and ids only, never content: each open page reads the messages
from the database itself, with the permissions of the person looking. So a message's text never
passes through the channel layer, and a missed or reordered event costs nothing: the next one
makes the page catch up from its cursor.
"""

import uuid
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def conversation_group(conversation_id: uuid.UUID | str) -> str:
    return f"conversation.{uuid.UUID(str(conversation_id)).hex}"


def _send(conversation_id: uuid.UUID | str, **event: Any) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(
        conversation_group(conversation_id), {"type": "conversation.event", **event}
    )


def announce_new_messages(conversation_id: uuid.UUID | str, last_seq: int) -> None:
    _send(conversation_id, event="message", seq=last_seq)


def announce_changed_message(conversation_id: uuid.UUID | str, seq: int) -> None:
    _send(conversation_id, event="changed", seq=seq)


def announce_read(conversation_id: uuid.UUID | str, person_id: int, seq: int) -> None:
    _send(conversation_id, event="read", person=person_id, seq=seq)


def announce_closed(conversation_id: uuid.UUID | str) -> None:
    _send(conversation_id, event="closed")
