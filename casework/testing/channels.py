"""Listening to a channel layer's group from a test, as an open page's socket would."""

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels_redis.core import RedisChannelLayer
from django.conf import settings

# How long a test's socket waits for the server's first answer (accept or close). channels'
# default is one second, which a loaded machine overran once in the first connect of a fresh
# event loop (a session read, the access reads and the group join); an answer that never comes
# still fails, five seconds later.
CONNECT_TIMEOUT = 5


def listening_to(group: str) -> tuple[Any, str]:
    """A new channel added to ``group``, and the layer to receive it from.

    On Redis the listener gets a layer of its own, configured as settings say: the process's
    shared one is left to the tests that open websockets (its receive, used from event loops of
    a moment, held them up on the PostgreSQL + Redis run)."""
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("settings configure no channel layer")
    if isinstance(layer, RedisChannelLayer):
        config: dict[str, Any] = settings.CHANNEL_LAYERS["default"]
        layer = type(layer)(**config["CONFIG"])
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)
    return layer, channel
