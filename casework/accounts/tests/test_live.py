"""The live path: a session signed out elsewhere is told at once over its websocket."""

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from casework.accounts.live import announce_sessions_ended
from casework.accounts.models import User
from casework.routing import websocket_urlpatterns
from casework.testing.channels import CONNECT_TIMEOUT

pytestmark = pytest.mark.django_db(transaction=True)

application = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))


def _socket(cookie: str = "") -> WebsocketCommunicator:
    headers = [(b"cookie", cookie.encode())] if cookie else []
    return WebsocketCommunicator(application, "/ws/account/", headers=headers)


async def _connect_and_wait(communicator: WebsocketCommunicator, key: str) -> Any:
    connected, _ = await communicator.connect(timeout=CONNECT_TIMEOUT)
    assert connected
    from channels.db import database_sync_to_async

    await database_sync_to_async(announce_sessions_ended)([key])
    message = await communicator.receive_json_from(timeout=5)
    await communicator.disconnect()
    return message


def test_an_open_page_hears_that_its_session_ended(client_person: User) -> None:
    browser = Client()
    browser.force_login(client_person)
    key = browser.session.session_key
    assert key is not None
    cookie = f"{settings.SESSION_COOKIE_NAME}={key}"
    message = async_to_sync(_connect_and_wait)(_socket(cookie), key)
    assert message == {"event": "session_ended"}


async def _refused(communicator: WebsocketCommunicator) -> int:
    connected, code = await communicator.connect(timeout=CONNECT_TIMEOUT)
    assert not connected
    return int(code)


def test_a_visitor_cannot_open_the_account_socket() -> None:
    assert async_to_sync(_refused)(_socket()) == 4401
