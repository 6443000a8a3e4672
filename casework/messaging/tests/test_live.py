"""Live delivery over websockets: two people, disconnection and catch-up, permissions."""

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from casework.accounts.live import announce_sessions_ended
from casework.accounts.models import User
from casework.messaging import services
from casework.messaging.live import conversation_group
from casework.messaging.models import Conversation, Message, Participant
from casework.routing import websocket_urlpatterns
from casework.testing import factories, messaging
from casework.testing.channels import CONNECT_TIMEOUT

pytestmark = pytest.mark.django_db(transaction=True)

application = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
TIMEOUT = 5


def cookie_for(person: User) -> str:
    browser = Client()
    browser.force_login(person)
    return f"{settings.SESSION_COOKIE_NAME}={browser.session.session_key}"


def socket(conversation_id: object, cookie: str = "") -> WebsocketCommunicator:
    headers = [(b"cookie", cookie.encode())] if cookie else []
    return WebsocketCommunicator(
        application, f"/ws/conversations/{conversation_id}/", headers=headers
    )


async def open_and_resume(communicator: WebsocketCommunicator, after: int) -> list[dict[str, Any]]:
    """Connect, resume after ``after``; everything received up to ``caught_up``."""
    connected, _ = await communicator.connect(timeout=CONNECT_TIMEOUT)
    assert connected
    await communicator.send_json_to({"type": "resume", "after": after})
    return await until(communicator, "caught_up")


async def until(communicator: WebsocketCommunicator, kind: str) -> list[dict[str, Any]]:
    received = []
    while True:
        event = await communicator.receive_json_from(timeout=TIMEOUT)
        received.append(event)
        if event["type"] == kind:
            return received


send = database_sync_to_async(messaging.send)


def test_a_message_sent_by_one_arrives_at_the_other_and_missed_ones_after_a_reconnection(
    conversation: Conversation, client_person: User, practitioner: User
) -> None:
    robin, amara = cookie_for(client_person), cookie_for(practitioner)

    async def journey() -> None:
        robin_socket = socket(conversation.pk, robin)
        amara_socket = socket(conversation.pk, amara)
        await open_and_resume(robin_socket, 1)
        caught_up = await open_and_resume(amara_socket, 0)
        # Amara's page showed nothing yet: the first message comes as catch-up.
        assert [e["message"]["seq"] for e in caught_up if e["type"] == "message"] == [1]

        await send(conversation, client_person, "Are you free on <b>Monday</b>?")
        for received in (
            await robin_socket.receive_json_from(timeout=TIMEOUT),
            await amara_socket.receive_json_from(timeout=TIMEOUT),
        ):
            assert received["type"] == "message"
            assert received["message"]["seq"] == 2
            assert received["message"]["body"] == "Are you free on <b>Monday</b>?"
            assert "&lt;b&gt;Monday&lt;/b&gt;" in received["message"]["html"]

        # Amara's connection drops; Robin writes three more; Amara comes back from seq 2.
        await amara_socket.disconnect()
        for text in ("Three", "Four", "Five"):
            await send(conversation, client_person, text)
        await until(robin_socket, "message")
        amara_again = socket(conversation.pk, amara)
        caught_up = await open_and_resume(amara_again, 2)
        missed = [e["message"] for e in caught_up if e["type"] == "message"]
        assert [(m["seq"], m["body"]) for m in missed] == [(3, "Three"), (4, "Four"), (5, "Five")]
        assert caught_up[-1] == {"type": "caught_up", "seq": 5}

        # Live again, once each, in order.
        await send(conversation, practitioner, "Monday works.")
        live = await amara_again.receive_json_from(timeout=TIMEOUT)
        assert (live["type"], live["message"]["seq"], live["message"]["mine"]) == (
            "message",
            6,
            True,
        )
        assert await amara_again.receive_nothing(timeout=0.3)
        await robin_socket.disconnect()
        await amara_again.disconnect()

    async_to_sync(journey)()


def test_reading_sends_a_receipt_to_the_other_side(
    conversation: Conversation, client_person: User, practitioner: User
) -> None:
    robin, amara = cookie_for(client_person), cookie_for(practitioner)

    async def journey() -> None:
        robin_socket = socket(conversation.pk, robin)
        amara_socket = socket(conversation.pk, amara)
        await open_and_resume(robin_socket, 1)
        await open_and_resume(amara_socket, 1)
        await amara_socket.send_json_to({"type": "read", "seq": 1})
        assert await robin_socket.receive_json_from(timeout=TIMEOUT) == {"type": "read", "seq": 1}
        assert await amara_socket.receive_nothing(timeout=0.3)
        await robin_socket.disconnect()
        await amara_socket.disconnect()

    async_to_sync(journey)()
    assert Participant.objects.get(person=practitioner).last_read_seq == 1


def test_an_edit_replaces_the_message_on_open_pages(
    conversation: Conversation, client_person: User, practitioner: User
) -> None:
    message = Message.objects.select_related("conversation__data_key").get(seq=1)
    amara = cookie_for(practitioner)

    async def journey() -> None:
        amara_socket = socket(conversation.pk, amara)
        await open_and_resume(amara_socket, 1)
        await database_sync_to_async(services.edit_message)(
            message=message, editor=client_person, body="Hello, could you help?"
        )
        changed = await amara_socket.receive_json_from(timeout=TIMEOUT)
        assert changed["type"] == "changed"
        assert (changed["message"]["seq"], changed["message"]["edited"]) == (1, True)
        assert changed["message"]["body"] == "Hello, could you help?"
        await amara_socket.disconnect()

    async_to_sync(journey)()


def test_a_message_announced_twice_is_shown_once(
    conversation: Conversation, client_person: User, practitioner: User
) -> None:
    """The sending process announces a new message right after its commit and the relay
    announces it again: the socket reads from its own cursor, so the second changes nothing."""
    amara = cookie_for(practitioner)

    async def journey() -> None:
        amara_socket = socket(conversation.pk, amara)
        await open_and_resume(amara_socket, 1)
        # Both announcements run here (tasks, and so the relay, run at once in tests).
        await send(conversation, client_person, "Once")
        first = await amara_socket.receive_json_from(timeout=TIMEOUT)
        assert (first["type"], first["message"]["seq"]) == ("message", 2)
        # Late and repeated announcements of it, as a slow relay or a retry would send.
        layer = get_channel_layer()
        assert layer is not None
        for _ in range(2):
            await layer.group_send(
                conversation_group(conversation.pk),
                {"type": "conversation.event", "event": "message", "seq": 2},
            )
        assert await amara_socket.receive_nothing(timeout=0.3)
        await amara_socket.disconnect()

    async_to_sync(journey)()


def test_the_socket_records_presence(conversation: Conversation, practitioner: User) -> None:
    amara = cookie_for(practitioner)

    async def journey() -> None:
        amara_socket = socket(conversation.pk, amara)
        connected, _ = await amara_socket.connect(timeout=CONNECT_TIMEOUT)
        assert connected
        await amara_socket.send_json_to({"type": "ping"})
        assert await amara_socket.receive_json_from(timeout=TIMEOUT) == {"type": "pong"}
        await amara_socket.disconnect()

    async_to_sync(journey)()
    assert Participant.objects.get(person=practitioner).last_seen_at is not None


async def refused(communicator: WebsocketCommunicator) -> int:
    connected, code = await communicator.connect(timeout=CONNECT_TIMEOUT)
    assert not connected
    return int(code)


def test_only_participants_open_the_socket(
    conversation: Conversation, other_practitioner: User
) -> None:
    assert async_to_sync(refused)(socket(conversation.pk)) == 4401
    outsider = cookie_for(other_practitioner)
    assert async_to_sync(refused)(socket(conversation.pk, outsider)) == 4404


def test_nonsense_from_the_page_gets_an_error_not_a_crash(
    conversation: Conversation, practitioner: User
) -> None:
    amara = cookie_for(practitioner)

    async def journey() -> None:
        amara_socket = socket(conversation.pk, amara)
        await amara_socket.connect(timeout=CONNECT_TIMEOUT)
        for nonsense in (
            [1, 2],
            {"type": "resume", "after": -1},
            {"type": "resume", "after": "1; DROP TABLE"},
            {"type": "read", "seq": True},
            {"type": "shout"},
        ):
            await amara_socket.send_json_to(nonsense)
            assert (await amara_socket.receive_json_from(timeout=TIMEOUT))["type"] == "error"
        await amara_socket.send_to(text_data="not json")
        assert (await amara_socket.receive_json_from(timeout=TIMEOUT))["type"] == "error"
        await amara_socket.send_to(bytes_data=b"\xff\xfe")
        assert (await amara_socket.receive_json_from(timeout=TIMEOUT))["type"] == "error"
        await amara_socket.disconnect()

    async_to_sync(journey)()


def test_staff_without_a_second_factor_cannot_open_the_socket(client_person: User) -> None:
    unenrolled = factories.PractitionerFactory.create(totp=False)
    found = services.open_case_conversation(
        client=client_person, practitioner=unenrolled, actor=unenrolled
    )
    assert async_to_sync(refused)(socket(found.pk, cookie_for(unenrolled))) == 4401


def test_a_cursor_beyond_the_end_is_held_to_the_end(
    conversation: Conversation, client_person: User, practitioner: User
) -> None:
    amara = cookie_for(practitioner)

    async def journey() -> None:
        amara_socket = socket(conversation.pk, amara)
        caught_up = await open_and_resume(amara_socket, 10**9)
        assert caught_up == [{"type": "caught_up", "seq": 1}]
        await send(conversation, client_person, "Still there?")
        live = await amara_socket.receive_json_from(timeout=TIMEOUT)
        assert live["message"]["seq"] == 2
        await amara_socket.disconnect()

    async_to_sync(journey)()


def test_a_socket_ends_with_its_session(conversation: Conversation, client_person: User) -> None:
    """Signed out everywhere: the open socket closes at once; a session gone without the
    announcement (expired, deleted) closes the socket at its next heartbeat."""
    browser = Client()
    browser.force_login(client_person)
    key = browser.session.session_key
    assert key is not None
    cookie = f"{settings.SESSION_COOKIE_NAME}={key}"

    async def journey() -> tuple[Any, Any]:
        first = socket(conversation.pk, cookie)
        await open_and_resume(first, 1)
        await database_sync_to_async(announce_sessions_ended)([key])
        ended = await first.receive_output(timeout=TIMEOUT)
        second = socket(conversation.pk, cookie)
        await open_and_resume(second, 1)
        await database_sync_to_async(Session.objects.filter(session_key=key).delete)()
        await second.send_json_to({"type": "ping"})
        gone = await second.receive_output(timeout=TIMEOUT)
        return ended, gone

    ended, gone = async_to_sync(journey)()
    assert ended == {"type": "websocket.close", "code": 4401}
    assert gone == {"type": "websocket.close", "code": 4401}
