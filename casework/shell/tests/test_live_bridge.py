"""Live events across one machine's processes without Redis: a process given the bridge's
address hands its group messages to the live process, which takes only what is signed with
this site's key and sends it to its own groups."""

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import websockets
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.testing import HttpCommunicator
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from casework.accounts.models import User
from casework.accounts.services import create_api_token
from casework.asgi import application
from casework.events.models import OutboxEvent
from casework.shell import health
from casework.shell.live_bridge import PATH, SIGNATURE_HEADER, BridgedChannelLayer, signature
from casework.shell.supervisor import live_command
from casework.testing import messaging
from casework.testing.faults import (
    ROOT,
    database_url_via,
    free_port,
    get,
    on_postgresql_and_redis,
    post_json,
    server_env,
    web_server,
)

# The tests in this process need its layer to be the bridged one (not Redis's).
this_process_bridged = pytest.mark.skipif(
    settings.CHANNEL_LAYERS["default"]["BACKEND"]
    != "casework.shell.live_bridge.BridgedChannelLayer",
    reason="with Redis, its channel layer crosses processes itself",
)

GROUP = "conversation.0123456789abcdef0123456789abcdef"
EVENT = {"type": "conversation.event", "event": "message", "seq": 7}


def _live_layer() -> BridgedChannelLayer:
    layer = get_channel_layer()
    assert isinstance(layer, BridgedChannelLayer)
    assert not layer.bridge_url, "the tests' process is the live one"
    return layer


def _post(body: bytes, signed: str | None = None, method: str = "POST") -> int:
    given = signature(body) if signed is None else signed
    headers = [(SIGNATURE_HEADER.lower().encode(), given.encode())]
    answer = async_to_sync(
        HttpCommunicator(application, method, PATH, body, headers).get_response
    )()
    return int(answer["status"])


def _member() -> str:
    layer = _live_layer()
    channel: str = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(GROUP, channel)
    return channel


def _received(channel: str) -> dict[str, Any] | None:
    async def within() -> dict[str, Any] | None:
        try:
            return await asyncio.wait_for(_live_layer().receive(channel), 0.5)
        except TimeoutError:
            return None

    return async_to_sync(within)()


@this_process_bridged
def test_a_signed_group_message_reaches_the_live_process_groups() -> None:
    channel = _member()
    status = _post(json.dumps({"group": GROUP, "message": EVENT}).encode())
    assert status == 204
    assert _received(channel) == EVENT


@this_process_bridged
@pytest.mark.parametrize(
    ("body", "signed", "method", "status"),
    [
        (json.dumps({"group": GROUP, "message": EVENT}).encode(), "0" * 64, "POST", 403),
        (json.dumps({"group": GROUP, "message": EVENT}).encode(), "", "POST", 403),
        (
            json.dumps({"group": GROUP, "message": EVENT, "pad": "x" * 20_000}).encode(),
            None,
            "POST",
            403,
        ),
        (b"not json", None, "POST", 400),
        (json.dumps({"group": GROUP, "message": "text"}).encode(), None, "POST", 400),
        (json.dumps({"group": GROUP, "message": EVENT}).encode(), None, "GET", 405),
    ],
    ids=["forged", "unsigned", "too-large", "not-json", "not-a-message", "get"],
)
def test_anything_else_is_refused_and_nothing_is_delivered(
    body: bytes, signed: str | None, method: str, status: int
) -> None:
    channel = _member()
    assert _post(body, signed, method) == status
    assert _received(channel) is None


class _LiveProcess(BaseHTTPRequestHandler):
    """Stands for the live process's server: what it is sent goes to the bridge's ASGI end."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        status = _post(body, self.headers.get(SIGNATURE_HEADER, ""))
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def live_process() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _LiveProcess)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{PATH}"
    server.shutdown()
    server.server_close()


@this_process_bridged
def test_another_process_hands_its_group_messages_to_the_live_one(live_process: str) -> None:
    channel = _member()
    page_worker = BridgedChannelLayer(bridge_url=live_process)

    async_to_sync(page_worker.group_send)(GROUP, EVENT)

    assert _received(channel) == EVENT
    page_worker.ping()  # and its readiness check finds the live process


@this_process_bridged
def test_with_the_live_process_down_a_send_is_dropped_quietly_and_readiness_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gone = "http://127.0.0.1:9/_live/bridge"  # the discard port: nothing listens
    page_worker = BridgedChannelLayer(bridge_url=gone)
    async_to_sync(page_worker.group_send)(GROUP, EVENT)  # no error: pages catch up later

    monkeypatch.setattr(health, "get_channel_layer", lambda: page_worker)
    with pytest.raises(urllib.error.URLError):
        health.check_channel_layer()


# --- Across real processes: pages under WSGI, websockets on the live ASGI process ------------


@contextmanager
def _server(command: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CASEWORK_", "PYTEST"))}
    process = subprocess.Popen(  # noqa: S603  (our own programs, our own arguments)
        command,
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "casework.settings", **env},
        start_new_session=True,
    )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def _live_process(env: dict[str, str]) -> Iterator[int]:
    """The embedded layout's live process (deploy/Procfile.embedded): granian ASGI."""
    port = free_port()
    with _server(live_command({"CASEWORK_LIVE_PORT": str(port)}), env) as process:
        deadline = time.monotonic() + 60
        while get(f"http://127.0.0.1:{port}/healthz", timeout=1)[0] != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the live process did not start")
            time.sleep(0.2)
        yield port


def _all_relayed() -> bool:
    """Every event so far delivered by the task worker (and so announced, where it announces)."""
    try:
        return not OutboxEvent.objects.filter(delivered_at__isnull=True).exists()
    finally:
        connection.close()  # this thread's own


async def _first_pushed(url: str, cookie: str, origin: str, send: Any) -> dict[str, Any] | None:
    """Resume at the conversation's end, have ``send`` send a message, and return what the
    socket pushes unasked (no heartbeat, which would catch up by itself) until two seconds after
    the task worker has relayed the message's event."""
    async with websockets.connect(
        url, additional_headers={"Cookie": cookie, "Origin": origin}
    ) as socket:
        await socket.send(json.dumps({"type": "resume", "after": 0}))
        while json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] != "caught_up":
            pass
        await asyncio.to_thread(send)
        relayed_at = None
        deadline = time.monotonic() + 90  # the task worker starts slowly on a busy machine
        while time.monotonic() < deadline:
            try:
                pushed = json.loads(await asyncio.wait_for(socket.recv(), 0.5))
            except TimeoutError:
                if relayed_at is None and await asyncio.to_thread(_all_relayed):
                    relayed_at = time.monotonic()
                if relayed_at is not None and time.monotonic() - relayed_at > 2:
                    return None
                continue
            if pushed["type"] == "message":
                return dict(pushed)
        raise AssertionError("the task worker never relayed the message's event")


@on_postgresql_and_redis("servers of their own read the test's rows: as the fault tests")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("bridged", [True, False], ids=["bridged", "not-bridged"])
def test_a_message_sent_through_the_page_and_task_workers_is_pushed_by_the_live_process(
    bridged: bool, tmp_path: Path, client_person: User, practitioner: User
) -> None:
    conversation = messaging.enquiry(client_person, practitioner)
    token = create_api_token(
        person=practitioner, name="Bridge", scopes=["messaging:write"], days=7, now=timezone.now()
    )[1]
    browser = Client()
    browser.force_login(client_person)
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    env = server_env(
        database_url_via(int(settings.DATABASES["default"].get("PORT") or 5432)), tmp_path
    )
    env["REDIS_URL"] = ""  # the embedded layout: no Redis (not even the test run's own)
    # The servers sign sessions and seal with the test's keys: the rows they read are the test's.
    env["SECRET_KEY"] = settings.SECRET_KEY
    env["CASEWORK_VAULT_KEY"] = settings.VAULT_KEY
    env["CASEWORK_AUDIT_KEY"] = settings.AUDIT_KEY
    with _live_process(env) as live_port:
        # The page worker stores the message; the task worker relays its event, which
        # announces it (casework/messaging/reactions.py): both are given the bridge.
        env["CASEWORK_LIVE_BRIDGE_URL"] = f"http://127.0.0.1:{live_port}{PATH}" if bridged else ""
        worker = [sys.executable, "manage.py", "db_worker", "--interval", "0.2"]
        with web_server(env) as (_, base), _server(worker, env):

            def send() -> None:
                status = post_json(
                    f"{base}/api/v1/conversations/{conversation.pk}/messages",
                    {"body": "Through the page worker"},
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "bridge-1"},
                )[0]
                assert status == 201

            pushed = asyncio.run(
                _first_pushed(
                    f"ws://127.0.0.1:{live_port}/ws/conversations/{conversation.pk}/",
                    cookie,
                    base,
                    send,
                )
            )

    if bridged:
        assert pushed is not None, "the live process pushed the new message at once"
        assert pushed["message"]["seq"] == 2
    else:
        # As the embedded layout was before the bridge: the task worker's in-memory layer
        # reached no socket, and pages learnt of new messages only at their next heartbeat.
        assert pushed is None, "without the bridge the live process never hears of it"
