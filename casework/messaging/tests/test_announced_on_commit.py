"""Open pages hear of a change from the process that committed it, before the events relay runs
(the relay waits for the task worker), and a channel layer that cannot be reached does not turn
a committed send into an error: the relay announces it again."""

import asyncio
import logging
import socket
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from casework.accounts.models import User
from casework.events.models import OutboxEvent
from casework.messaging import live, services
from casework.messaging.live import conversation_group
from casework.messaging.models import Conversation, Message
from casework.testing.channels import listening_to
from casework.testing.tasks import DATABASE_TASKS

pytestmark = pytest.mark.django_db

OnCommit = Callable[..., AbstractContextManager[Any]]
SignedIn = Callable[[User | None], Client]


@pytest.fixture
def relay_waits(settings: Settings) -> None:
    """Tasks wait in the database queue, as for a task worker that has not looked yet: the relay
    does not run, so only the committing process can have announced anything."""
    settings.TASKS = DATABASE_TASKS


def _listen(conversation: Conversation) -> tuple[Any, str]:
    return listening_to(conversation_group(conversation.pk))


async def _everything_heard(layer: Any, channel: str) -> list[dict[str, Any]]:
    heard = []
    while True:
        try:
            heard.append(await asyncio.wait_for(layer.receive(channel), timeout=0.5))
        except TimeoutError:
            return heard


def _send_from_page(browser: Client, conversation: Conversation, body: str) -> int:
    url = reverse("messaging:conversation", kwargs={"conversation_id": conversation.pk})
    return browser.post(url, {"body": body}, headers={"HX-Request": "true"}).status_code


def _send_from_api(browser: Client, conversation: Conversation, body: str) -> int:
    return browser.post(
        f"/api/v1/conversations/{conversation.pk}/messages",
        {"body": body},
        content_type="application/json",
    ).status_code


@pytest.mark.parametrize(
    ("send", "status"), [(_send_from_page, 200), (_send_from_api, 201)], ids=["page", "api"]
)
def test_a_sent_message_is_announced_before_the_relay_runs(
    relay_waits: None,
    conversation: Conversation,
    practitioner: User,
    signed_in: SignedIn,
    django_capture_on_commit_callbacks: OnCommit,
    send: Callable[[Client, Conversation, str], int],
    status: int,
) -> None:
    layer, channel = _listen(conversation)
    with django_capture_on_commit_callbacks(execute=True):
        assert send(signed_in(practitioner), conversation, "Yes, I can help.") == status

    heard = async_to_sync(_everything_heard)(layer, channel)
    # Ids and numbers only, never the text.
    assert heard == [{"type": "conversation.event", "event": "message", "seq": 2}]
    # The relay has not run: its announcement (the at-least-once one) is still to come.
    sent = OutboxEvent.objects.get(name="messaging.message_sent", payload__seq=2)
    assert sent.delivered_at is None


def test_an_edit_and_a_read_mark_are_announced_before_the_relay_runs(
    relay_waits: None,
    conversation: Conversation,
    client_person: User,
    practitioner: User,
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    first = Message.objects.get(conversation=conversation, seq=1)
    layer, channel = _listen(conversation)
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_message(message=first, editor=client_person, body="Hello, can you help?")
        services.mark_read(conversation=conversation, person=practitioner)

    heard = async_to_sync(_everything_heard)(layer, channel)
    assert heard == [
        {"type": "conversation.event", "event": "changed", "seq": 1},
        {"type": "conversation.event", "event": "read", "person": practitioner.pk, "seq": 1},
    ]


@pytest.mark.django_db(transaction=True)
def test_a_read_mark_from_a_socket_does_not_wait_for_its_announcement(
    relay_waits: None,
    conversation: Conversation,
    practitioner: User,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A socket's database work runs on a thread its event loop waits for: the announcement is
    # started on that loop, not waited for there. This layer takes it only once the read mark
    # has returned; had the read mark waited, it would have given up (logged) and none arrived.
    monkeypatch.setattr(live, "PROMPT_SECONDS", 5)
    layer = get_channel_layer()
    assert layer is not None
    taken: list[tuple[str, dict[str, Any]]] = []

    async def scenario() -> None:
        returned = asyncio.Event()

        async def group_send(group: str, message: dict[str, Any]) -> None:
            await returned.wait()
            taken.append((group, message))

        monkeypatch.setattr(layer, "group_send", group_send)
        await database_sync_to_async(services.mark_read)(
            conversation=conversation, person=practitioner
        )
        returned.set()
        for _ in range(50):
            if taken:
                return
            await asyncio.sleep(0.1)

    with caplog.at_level(logging.WARNING):
        async_to_sync(scenario)()

    read = {"type": "conversation.event", "event": "read", "person": practitioner.pk, "seq": 1}
    assert taken == [(conversation_group(conversation.pk), read)]
    assert "announcement after commit was not sent" not in caplog.text


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _redis_nobody_runs() -> dict[str, Any]:
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    return {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [url]}}


def _live_process_gone() -> dict[str, Any]:
    url = f"http://127.0.0.1:{_closed_port()}/_live/bridge"
    return {
        "BACKEND": "casework.shell.live_bridge.BridgedChannelLayer",
        "CONFIG": {"bridge_url": url},
    }


@pytest.mark.parametrize(
    "unreachable", [_redis_nobody_runs, _live_process_gone], ids=["redis", "bridge"]
)
def test_a_send_succeeds_when_the_channel_layer_cannot_be_reached(
    relay_waits: None,
    settings: Settings,
    conversation: Conversation,
    practitioner: User,
    signed_in: SignedIn,
    django_capture_on_commit_callbacks: OnCommit,
    caplog: pytest.LogCaptureFixture,
    unreachable: Callable[[], dict[str, Any]],
) -> None:
    settings.CHANNEL_LAYERS = {"default": unreachable()}
    browser = signed_in(practitioner)
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        assert _send_from_page(browser, conversation, "Private words") == 200
        assert _send_from_api(browser, conversation, "More private words") == 201

    assert list(conversation.messages.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3]
    said = [r.getMessage() for r in caplog.records if r.name == "casework.messaging.live"]
    assert len(said) == 2
    assert all("the message announcement after commit was not sent" in line for line in said)
    # Neither the text nor the conversation is named.
    assert "Private" not in caplog.text
    assert str(conversation.pk) not in caplog.text
    assert conversation_group(conversation.pk) not in caplog.text
    # They wait for the relay (the first message too: the relay never ran here), which announces
    # them once the layer is back.
    waiting = OutboxEvent.objects.filter(name="messaging.message_sent", delivered_at__isnull=True)
    assert sorted(event.payload["seq"] for event in waiting) == [1, 2, 3]
