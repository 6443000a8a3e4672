"""A video call's signalling: ``ws/video/<appointment id>/``.

Only the appointment's two parties connect (4404 for anyone else, 4401 signed out), and only
while the session may go on (4403: too early, cancelled, no consent...). Every message is
checked again before it is relayed: the sender must still be a party of *this* appointment,
admitted and inside the window (``access.may_signal``); a message naming another appointment is
refused. Nothing is stored and no media passes here: offers, answers and ICE candidates go to
the other party's socket only.

Protocol (JSON objects):
- either page sends ``{"type": "hello"}`` once connected; the other answers ``{"type": "here"}``;
  the practitioner's page makes the offer when it hears the client;
- ``{"type": "offer"|"answer", "sdp": ...}`` and ``{"type": "candidate", "candidate": ...}`` are
  relayed as they are; ``{"type": "bye"}`` says the sender left;
- on connecting, the server sends ``{"type": "stage", "stage": ...}``, the stage the page
  should be at ("place", "arriving", "waiting", "call", "ended"); a page drawn at another
  stage reloads (the session moved on before its socket joined);
- the server sends ``{"type": "state", "state": "waiting"|"started"|"ended"}`` when the session
  changes (the page reloads its stage over HTTP), ``{"type": "refused", "detail": ...}`` when a
  message is not relayed, and ``{"type": "pong"}`` to ``{"type": "ping"}``.
"""

from typing import Any

from channels.db import database_sync_to_async
from django.http import Http404
from django.utils.functional import LazyObject

from casework.accounts.models import User
from casework.accounts.second_factor import fully_signed_in
from casework.accounts.sockets import SessionBoundConsumer
from casework.scheduling.models import Appointment
from casework.video import access
from casework.video.live import call_group

UNAUTHENTICATED = 4401
FORBIDDEN = 4403
NOT_FOUND = 4404
RELAYED = frozenset({"hello", "here", "offer", "answer", "candidate", "bye"})
LARGEST_MESSAGE = 64 * 1024


def _party_appointment(person: User, appointment_id: int) -> Appointment | None:
    try:
        return access.get_appointment_for_call(person, appointment_id)
    except Http404:
        return None


def _stage_if_allowed(person: User, appointment: Appointment) -> str | None:
    """The stage the person's page is at now, or None when they may not connect."""
    case = access.case_of(appointment)
    session = access.session_of(appointment)
    refused = access.refusal(appointment, person, case=case, session=session)
    return None if refused is not None else access.stage(person, session, refused)


class CallConsumer(SessionBoundConsumer):
    person: User | None = None
    appointment_id: int = 0
    group: str | None = None
    is_practitioner: bool = False

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=UNAUTHENTICATED)
            return
        if isinstance(user, LazyObject):  # channels' lazy user; the ORM wants the real one
            user = user._wrapped
        if not await database_sync_to_async(fully_signed_in)(user):
            await self.close(code=UNAUTHENTICATED)  # staff without a second factor, as on pages
            return
        appointment_id = int(self.scope["url_route"]["kwargs"]["appointment_id"])
        appointment = await database_sync_to_async(_party_appointment)(user, appointment_id)
        if appointment is None:
            await self.close(code=NOT_FOUND)
            return
        stage = await database_sync_to_async(_stage_if_allowed)(user, appointment)
        if stage is None:
            await self.close(code=FORBIDDEN)
            return
        self.person, self.appointment_id = user, appointment.pk
        self.is_practitioner = appointment.practitioner_id == user.pk
        self.group = call_group(appointment.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.bind_to_session(user.pk)
        # A state change announced before this socket joined the group would be lost: the page
        # compares this with the stage it was drawn at and reloads when they differ.
        await self.send_json({"type": "stage", "stage": stage})

    async def disconnect(self, code: int) -> None:
        await self.unbind_from_session()
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if self.person is None or self.group is None:
            return
        if not isinstance(content, dict):
            await self.send_json({"type": "refused", "detail": "Send a JSON object."})
            return
        kind = content.get("type")
        if kind == "ping":
            if await self.session_still_stands():
                await self.send_json({"type": "pong"})
            return
        if kind not in RELAYED:
            await self.send_json({"type": "refused", "detail": "Unknown message type."})
            return
        named = content.get("appointment", self.appointment_id)
        if named != self.appointment_id:
            await self.send_json(
                {"type": "refused", "detail": "This socket signals for its own call only."}
            )
            return
        if not await database_sync_to_async(access.may_signal)(self.person, self.appointment_id):
            await self.send_json(
                {"type": "refused", "detail": "You may not signal in this call now."}
            )
            return
        await self.channel_layer.group_send(
            self.group,
            {
                "type": "call.signal",
                "sender": self.channel_name,
                "from_practitioner": self.is_practitioner,
                "message": {k: v for k, v in content.items() if k != "appointment"},
            },
        )

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None or len(text_data) > LARGEST_MESSAGE:
            await self.send_json({"type": "refused", "detail": "Send JSON text, under 64 kB."})
            return
        try:
            content = await self.decode_json(text_data)
        except ValueError:
            await self.send_json({"type": "refused", "detail": "Send JSON."})
            return
        await self.receive_json(content)

    async def call_signal(self, event: dict[str, Any]) -> None:
        if event.get("sender") == self.channel_name:
            return
        await self.send_json({**event["message"], "from_practitioner": event["from_practitioner"]})

    async def call_state(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "state", "state": event["state"]})
