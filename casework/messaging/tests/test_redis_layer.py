"""The Redis channel layer as settings configure it (the PostgreSQL + Redis run)."""

import asyncio
import os
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from redis.asyncio import Redis

from casework.accounts.models import User
from casework.messaging.models import Conversation
from casework.messaging.tests.test_live import TIMEOUT, cookie_for, open_and_resume, send, socket
from casework.shell.redis_layer import StoppableRedisChannelLayer

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="runs on the PostgreSQL + Redis run"
)


def own_layer() -> StoppableRedisChannelLayer:
    # A layer of its own, as settings configure it: the process's shared layer is left to the
    # tests that open websockets (made here, outside their event loops, it held them up).
    config: dict[str, Any] = settings.CHANNEL_LAYERS["default"]
    assert config["BACKEND"] == "casework.shell.redis_layer.StoppableRedisChannelLayer"
    return StoppableRedisChannelLayer(**config["CONFIG"])


def test_the_live_process_s_blocking_read_ends_before_the_socket_gives_up() -> None:
    # channels_redis waits for a process's messages in a blocking read of ``brpop_timeout``
    # seconds. With redis-py's default read timeout (as long), a quiet spell of that length
    # failed the read and closed the websocket whose turn it was to read.
    layer = own_layer()
    connection = layer.create_pool(0).make_connection()  # not connected: nothing to close
    assert connection.socket_timeout is None or connection.socket_timeout > layer.brpop_timeout


def test_a_receive_whose_cancellation_was_lost_still_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    # On Python 3.11 redis-py's sends can lose a cancellation (asyncio.wait_for); here the
    # blocking read loses it the same way and answers "nothing yet", as a quiet BZPOPMIN does.
    blocking_read = Redis.bzpopmin

    async def losing_the_cancellation(self: Redis, *args: Any, **kwargs: Any) -> Any:
        try:
            return await blocking_read(self, *args, **kwargs)
        except asyncio.CancelledError:
            return None

    monkeypatch.setattr(Redis, "bzpopmin", losing_the_cancellation)

    async def scenario() -> None:
        layer = own_layer()
        channel = await layer.new_channel()
        receiving = asyncio.ensure_future(layer.receive(channel))
        await asyncio.sleep(0.5)  # in its blocking read
        receiving.cancel()
        done, _ = await asyncio.wait([receiving], timeout=layer.brpop_timeout + 3)
        assert receiving in done, "the receive went on after it was cancelled"
        assert receiving.cancelled()
        await layer.close_pools()

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_a_quiet_socket_stays_open_past_the_blocking_read(
    conversation: Conversation, client_person: User, practitioner: User
) -> None:
    robin, amara = cookie_for(client_person), cookie_for(practitioner)

    async def journey() -> None:
        amara_socket = socket(conversation.pk, amara)
        await open_and_resume(amara_socket, 1)
        robin_socket = socket(conversation.pk, robin)
        await open_and_resume(robin_socket, 1)
        # Longer than channels_redis's blocking read: the process's read comes back empty once
        # at least, and both sockets must still be open.
        await asyncio.sleep(StoppableRedisChannelLayer.brpop_timeout + 2)
        await send(conversation, client_person, "Still there?")
        for side in (robin_socket, amara_socket):
            received = await side.receive_json_from(timeout=TIMEOUT)
            assert received["type"] == "message"
            assert received["message"]["seq"] == 2
        await robin_socket.disconnect()
        await amara_socket.disconnect()

    async_to_sync(journey)()
