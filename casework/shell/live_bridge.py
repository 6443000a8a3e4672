"""Live events across the processes of one machine without Redis.

The in-memory channel layer reaches only the process it lives in, so without Redis every
websocket is held by one ASGI process (the *live* process). Pages are several times faster
under WSGI, and the task worker and the clock announce too (an event the outbox relays after
an outage): every process of the machine other than the live one is given
``CASEWORK_LIVE_BRIDGE_URL`` and hands each group message to the live process over loopback,
signed with a key derived from ``SECRET_KEY``; the live process checks the signature and sends
it to its own groups. Group messages carry ids and sequence numbers only, never content
(``casework/messaging/live.py``), and a lost one costs nothing: the next makes a page catch up.
A page announces its own change right after the commit (``hand_over``, with a short timeout);
the relay in the task worker announces it again.

With Redis (``REDIS_URL``) the Redis layer crosses processes itself and none of this is used.
"""

import asyncio
import hmac
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.utils.crypto import salted_hmac

logger = logging.getLogger(__name__)

PATH = "/_live/bridge"
SIGNATURE_HEADER = "X-Casework-Signature"
# Group messages are a few ids: anything larger is not one of ours.
MOST_BYTES = 16 * 1024
# A live process that does not answer within this is down or stuck: the message is dropped
# (pages catch up at the next one) rather than holding a page's request.
TIMEOUT_SECONDS = 1.0

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def signature(body: bytes) -> str:
    return salted_hmac("casework.shell.live_bridge", body, algorithm="sha256").hexdigest()


def _post(url: str, body: bytes, timeout: float = TIMEOUT_SECONDS) -> None:
    request = urllib.request.Request(  # noqa: S310  (the operator's loopback address)
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature(body)},
    )
    with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
        answer.read()


def _group_message(group: str, message: dict[str, Any]) -> bytes:
    return json.dumps({"group": group, "message": message}).encode()


class BridgedChannelLayer(InMemoryChannelLayer):
    """The in-memory layer, whose group messages go to the live process when this process is
    not it (``bridge_url`` set)."""

    def __init__(self, bridge_url: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bridge_url = bridge_url

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        if not self.bridge_url:
            await self.send_here(group, message)
            return
        body = _group_message(group, message)
        try:
            await asyncio.to_thread(_post, self.bridge_url, body)
        except (OSError, urllib.error.URLError) as error:
            # As a Redis outage: the event is not delivered live; the page catches up later.
            logger.warning("live_bridge_unreachable", extra={"error": type(error).__name__})

    def hand_over(self, group: str, message: dict[str, Any], *, timeout: float) -> None:
        """``group_send`` for a caller outside any event loop (a page's request right after its
        commit): no event loop or thread is set up for it, and a live process that does not
        connect or answer within ``timeout`` (each, as ``urlopen`` counts it) raises ``OSError``
        rather than holding the request. Needs ``bridge_url``."""
        _post(self.bridge_url, _group_message(group, message), timeout)

    async def send_here(self, group: str, message: dict[str, Any]) -> None:
        """To this process's own members of ``group`` (what the live process does with what it
        is handed, whatever its own settings say: never handed on again)."""
        await super().group_send(group, message)

    def ping(self) -> None:
        """Raise unless the live process answers and accepts this process's signature."""
        _post(self.bridge_url, json.dumps({"ping": True}).encode())


async def _answer(send: Send, status: int) -> None:
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def _read_body(receive: Receive) -> bytes | None:
    body = b""
    while True:
        event = await receive()
        if event["type"] != "http.request":
            return None
        body += bytes(event.get("body", b""))
        if len(body) > MOST_BYTES:
            return None
        if not event.get("more_body"):
            return body


async def serve_bridge(scope: Scope, receive: Receive, send: Send) -> None:
    """The live process's end: a signed group message from another process of the machine,
    sent on to this process's groups."""
    if scope["method"] != "POST":
        await _answer(send, 405)
        return
    body = await _read_body(receive)
    given = dict(scope.get("headers", [])).get(SIGNATURE_HEADER.lower().encode(), b"")
    if body is None or not hmac.compare_digest(given.decode("latin-1"), signature(body)):
        await _answer(send, 403)
        return
    try:
        handed: dict[str, Any] = json.loads(body)
        if handed.get("ping") is True:
            await _answer(send, 204)
            return
        group, message = handed["group"], handed["message"]
        if not isinstance(group, str) or not isinstance(message, dict):
            raise ValueError("not a group message")
    except (ValueError, KeyError):
        await _answer(send, 400)
        return
    layer = get_channel_layer()
    assert isinstance(layer, BridgedChannelLayer)  # noqa: S101  (``bridged`` serves it only then)
    await layer.send_here(group, message)
    await _answer(send, 204)


def bridged(application: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """``application`` with the bridge's address served in front of it, when this machine's
    processes hand their group messages to this one (no Redis)."""
    layers = getattr(settings, "CHANNEL_LAYERS", {})
    if layers.get("default", {}).get("BACKEND") != f"{__name__}.BridgedChannelLayer":
        return application

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == PATH:
            await serve_bridge(scope, receive, send)
            return
        await application(scope, receive, send)

    return app
