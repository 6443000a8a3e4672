"""Live conversations over websockets: ``ws/conversations/<uuid>/``.

Protocol (JSON both ways):
- the page connects, then sends ``{"type": "resume", "after": <last seq it shows>}``;
- the server sends every message after that cursor in order (``{"type": "message", ...}``),
  then ``{"type": "caught_up", "seq": n}``, then live messages as they are stored;
- ``{"type": "changed", ...}`` replaces an edited or deleted message, ``{"type": "read",
  "seq": n}`` says the other side has read up to n, ``{"type": "closed"}`` that the conversation
  closed;
- the page sends ``{"type": "read", "seq": n}`` when it has shown messages, and
  ``{"type": "ping"}`` every half minute while open (presence; the server also catches up from
  the cursor, in case an event was lost, then answers ``pong``).

Every delivery reads the database from the consumer's own cursor, so a message arrives once and
in order whatever the channel layer does: after a reconnection, or when two senders' events
cross, the consumer reads the gap instead of trusting the event.
"""

import json
import time
from typing import Any

from channels.db import database_sync_to_async
from django.utils.functional import LazyObject

from casework.accounts.models import User
from casework.accounts.sockets import SessionBoundConsumer
from casework.messaging import access, openings, queries, rendering, services
from casework.messaging.live import conversation_group
from casework.messaging.models import Conversation

UNAUTHENTICATED = 4401
NOT_FOUND = 4404
PRESENCE_EVERY_SECONDS = 20
BATCH = 100


def _messages_after(conversation_id: str, viewer: User, after: int) -> list[dict[str, Any]]:
    messages = queries.messages_after(conversation_id, after, limit=BATCH)
    read = queries.read_by_others(conversation_id, viewer)
    return rendering.render_for(rendering.views_for(messages, viewer, read), viewer)


def _message_at(conversation_id: str, viewer: User, seq: int) -> dict[str, Any] | None:
    message = queries.message_by_seq(conversation_id, seq)
    if message is None:
        return None
    read = queries.read_by_others(conversation_id, viewer)
    return rendering.render_for(rendering.views_for([message], viewer, read), viewer)[0]


def _last_seq(conversation_id: str) -> int:
    last = Conversation.objects.filter(pk=conversation_id).values_list("last_seq", flat=True)
    return int(last.first() or 0)


def _mark_read(conversation_id: str, viewer: User, seq: int) -> int:
    conversation = access.get_conversation_for_person(viewer, conversation_id)
    return services.mark_read(conversation=conversation, person=viewer, up_to=seq)


class ConversationConsumer(SessionBoundConsumer):
    conversation_id: str = ""
    group: str | None = None
    person: User | None = None
    # The highest sequence number this socket has delivered; None until the page resumes.
    delivered: int | None = None
    _presence_at: float = 0.0

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=UNAUTHENTICATED)
            return
        if isinstance(user, LazyObject):  # channels' lazy user; the ORM wants the real one
            user = user._wrapped
        if not await database_sync_to_async(access.may_read_messages)(user):
            await self.close(code=UNAUTHENTICATED)
            return
        conversation_id = str(self.scope["url_route"]["kwargs"]["conversation_id"])
        conversation = await database_sync_to_async(access.find_conversation_for_person)(
            user, conversation_id
        )
        if conversation is None:
            await self.close(code=NOT_FOUND)
            return
        self.person = user
        self.conversation_id = str(conversation.pk)
        self.group = conversation_group(conversation.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        if not await self.bind_to_session(user.pk):
            return
        await database_sync_to_async(openings.record_opening)(
            conversation=conversation, person=user, way="socket"
        )
        await self._touch_presence(force=True)

    async def disconnect(self, code: int) -> None:
        await self.unbind_from_session()
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self._touch_presence(force=True)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            content = json.loads(text_data or bytes_data or b"")
        except (ValueError, UnicodeDecodeError):
            await self.send_json({"type": "error", "detail": "Send JSON."})
            return
        await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            await self.send_json({"type": "error", "detail": "Send a JSON object."})
            return
        kind = content.get("type")
        if kind == "resume":
            after = _non_negative_int(content.get("after"))
            if after is None:
                await self.send_json({"type": "error", "detail": "after: a whole number >= 0."})
                return
            # A cursor beyond the end (a stale tab, a made-up number) would hide what comes
            # next: it is held to the conversation's end.
            last = await database_sync_to_async(_last_seq)(self.conversation_id)
            self.delivered = min(after, last)
            await self._catch_up()
            await self.send_json({"type": "caught_up", "seq": self.delivered})
        elif kind == "read":
            seq = _non_negative_int(content.get("seq"))
            if seq is None or self.person is None:
                await self.send_json({"type": "error", "detail": "seq: a whole number >= 0."})
                return
            await database_sync_to_async(_mark_read)(self.conversation_id, self.person, seq)
        elif kind == "ping":
            # Signed out, deactivated or (staff) idle too long: the socket ends with the session.
            if not await self.session_still_stands():
                return
            await self._touch_presence()
            # Channel layers may drop an event under load (channels-redis can): the heartbeat
            # also reads from the cursor, so a lost event costs at most one heartbeat's delay.
            await self._catch_up()
            await self.send_json({"type": "pong"})
        else:
            await self.send_json({"type": "error", "detail": "Unknown message type."})

    async def conversation_event(self, event: dict[str, Any]) -> None:
        if self.delivered is None or self.person is None:
            return  # not resumed yet: the resume will read everything from the database
        name = event.get("event")
        if name == "message" and int(event["seq"]) > self.delivered:
            await self._catch_up()
        elif name == "changed" and int(event["seq"]) <= self.delivered:
            item = await database_sync_to_async(_message_at)(
                self.conversation_id, self.person, int(event["seq"])
            )
            if item is not None:
                await self.send_json({"type": "changed", "message": item})
        elif name == "read" and event.get("person") != self.person.pk:
            await self.send_json({"type": "read", "seq": int(event["seq"])})
        elif name == "closed":
            await self.send_json({"type": "closed"})

    async def _catch_up(self) -> None:
        if self.delivered is None or self.person is None:
            return
        while True:
            batch = await database_sync_to_async(_messages_after)(
                self.conversation_id, self.person, self.delivered
            )
            for item in batch:
                await self.send_json({"type": "message", "message": item})
                self.delivered = int(item["seq"])
            if len(batch) < BATCH:
                return

    async def _touch_presence(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if self.person is None or (not force and now - self._presence_at < PRESENCE_EVERY_SECONDS):
            return
        self._presence_at = now
        await database_sync_to_async(services.touch_presence)(
            conversation_id=self.conversation_id, person=self.person
        )


def _non_negative_int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value
