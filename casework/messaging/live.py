"""Live delivery: what travels through the channel layer (Redis in production).

Events carry sequence numbers and ids only, never content: each open page reads the messages
from the database itself, with the permissions of the person looking. So a message's text never
passes through the channel layer, and a missed or reordered event costs nothing: the next one
makes the page catch up from its cursor.

Each change is announced twice: by the process that committed it, right after the commit
(``*_on_commit``, so open pages hear of it at once rather than when the task worker next looks
at its queue), and by the events relay (``reactions.py``), which retries until the layer took
it. The second announcement of a new message finds the page's cursor already past it; a changed
message or a read mark shown again looks the same.
"""

import asyncio
import concurrent.futures
import logging
import uuid
from functools import partial
from typing import Any

from channels.layers import BaseChannelLayer, get_channel_layer
from django.db import transaction

from casework.shell import layer_sends
from casework.shell.live_bridge import BridgedChannelLayer

logger = logging.getLogger(__name__)

# The announcement right after a commit runs in the request (or task) that committed: a channel
# layer or live process that does not take it within this is down or stuck, and the request goes
# on without it (the relay announces it again). Loopback and a local Redis answer in a few ms.
PROMPT_SECONDS = 0.25


def conversation_group(conversation_id: uuid.UUID | str) -> str:
    return f"conversation.{uuid.UUID(str(conversation_id)).hex}"


def _message(**event: Any) -> dict[str, Any]:
    return {"type": "conversation.event", **event}


def _send(conversation_id: uuid.UUID | str, **event: Any) -> None:
    layer_sends.group_send(conversation_group(conversation_id), _message(**event))


def announce_new_messages(conversation_id: uuid.UUID | str, last_seq: int) -> None:
    _send(conversation_id, event="message", seq=last_seq)


def announce_changed_message(conversation_id: uuid.UUID | str, seq: int) -> None:
    _send(conversation_id, event="changed", seq=seq)


def announce_read(conversation_id: uuid.UUID | str, person_id: int, seq: int) -> None:
    _send(conversation_id, event="read", person=person_id, seq=seq)


def announce_closed(conversation_id: uuid.UUID | str) -> None:
    _send(conversation_id, event="closed")


# Right after the commit, from the committing process. Not for "closed": an open page reloads
# on it, and would reload twice.


def new_messages_on_commit(conversation_id: uuid.UUID | str, last_seq: int) -> None:
    _on_commit(conversation_id, event="message", seq=last_seq)


def changed_message_on_commit(conversation_id: uuid.UUID | str, seq: int) -> None:
    _on_commit(conversation_id, event="changed", seq=seq)


def read_on_commit(conversation_id: uuid.UUID | str, person_id: int, seq: int) -> None:
    _on_commit(conversation_id, event="read", person=person_id, seq=seq)


def _on_commit(conversation_id: uuid.UUID | str, **event: Any) -> None:
    transaction.on_commit(partial(_send_promptly, str(conversation_id), event), robust=True)


def _send_promptly(conversation_id: str, event: dict[str, Any]) -> None:
    """Hand the event to the channel layer within ``PROMPT_SECONDS`` (on a thread of a running
    event loop: start it there and return); never raise."""
    layer = get_channel_layer()
    if layer is None:
        return
    group = conversation_group(conversation_id)
    try:
        if isinstance(layer, BridgedChannelLayer) and layer.bridge_url:
            # Straight over loopback from this thread: no event loop or thread to set up.
            layer.hand_over(group, _message(**event), timeout=PROMPT_SECONDS)
        elif loop := layer_sends.outer_loop():
            _send_on(loop, layer, group, _message(**event))
        else:
            layer_sends.on_process_loop(_group_send_within(layer, group, _message(**event)))
    except Exception as error:
        _not_sent(event, error)


def _not_sent(event: dict[str, Any], error: BaseException) -> None:
    # Whatever the layer raises (Redis down, a timeout, the live process gone), the change is
    # committed and the relay announces it again: it must not become the request's error.
    # The event's kind and the error's class only: no ids a log reader could link.
    logger.warning(
        "live: the %s announcement after commit was not sent (%s); the relay will send it",
        event.get("event"),
        type(error).__name__,
    )


# Announcements under way on a loop, held until they end (a loop keeps only weak references to
# its tasks).
_under_way: set["concurrent.futures.Future[None]"] = set()


def _send_on(
    loop: asyncio.AbstractEventLoop,
    layer: BaseChannelLayer,
    group: str,
    message: dict[str, Any],
) -> None:
    """Start the announcement on ``loop`` and return at once. This thread is one of that
    loop's ``sync_to_async`` threads, which the loop's other work waits for (a socket's
    database work runs on one such thread): waiting here, as ``async_to_sync`` does, would hold
    it up for as long as the layer takes, and the loop's own work with it."""
    sending = asyncio.run_coroutine_threadsafe(_group_send_within(layer, group, message), loop)
    _under_way.add(sending)

    def ended(done: "concurrent.futures.Future[None]") -> None:
        _under_way.discard(done)
        if not done.cancelled() and (error := done.exception()) is not None:
            _not_sent(message, error)

    sending.add_done_callback(ended)


async def _group_send_within(layer: BaseChannelLayer, group: str, message: dict[str, Any]) -> None:
    await asyncio.wait_for(layer.group_send(group, message), timeout=PROMPT_SECONDS)
