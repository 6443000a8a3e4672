"""The Redis channel layer as settings configure it (the PostgreSQL + Redis run)."""

import os
from typing import Any

import pytest
from channels_redis.core import RedisChannelLayer
from django.conf import settings

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="runs on the PostgreSQL + Redis run"
)


def test_the_live_process_s_blocking_read_ends_before_the_socket_gives_up() -> None:
    # channels_redis waits for a process's messages in a blocking read of ``brpop_timeout``
    # seconds. With redis-py's default read timeout (as long), a quiet spell of that length
    # failed the read and closed the websocket whose turn it was to read.
    # A layer of its own, as settings configure it: the process's shared layer is left to the
    # tests that open websockets (made here, outside their event loops, it held them up).
    config: dict[str, Any] = settings.CHANNEL_LAYERS["default"]
    assert config["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    layer = RedisChannelLayer(**config["CONFIG"])
    connection = layer.create_pool(0).make_connection()  # not connected: nothing to close
    assert connection.socket_timeout is None or connection.socket_timeout > layer.brpop_timeout
