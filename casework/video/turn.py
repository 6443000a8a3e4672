"""ICE servers for a call: STUN from settings, and TURN with short-lived credentials.

TURN credentials follow coturn's REST-API shared-secret scheme (``use-auth-secret`` with
``static-auth-secret``): the username is ``<expiry as a Unix time>:<user id>`` and the password
is base64(HMAC-SHA1(secret, username)). coturn recomputes the password from the username, so
nothing is stored, and refuses the username once its time has passed. Each person gets their
own for each session, lasting until the session's window closes, and never longer than
``VIDEO_TURN_TTL_SECONDS``. Without TURN servers (``NullTurn``) only STUN is handed out.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.conf import settings


@dataclass(frozen=True)
class TurnCredential:
    username: str
    credential: str
    expires: int


def coturn_credential(secret: str, user_id: str, expires: int) -> TurnCredential:
    username = f"{expires}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return TurnCredential(username, base64.b64encode(digest).decode("ascii"), expires)


class TurnService(Protocol):
    def ice_servers(self, *, user_id: str, now: datetime, until: datetime) -> list[dict[str, Any]]:
        """The RTCIceServer entries for one person's call, valid until ``until``."""


def _stun() -> list[dict[str, Any]]:
    urls = list(settings.VIDEO_STUN_URLS)
    return [{"urls": urls}] if urls else []


class NullTurn:
    """No TURN server: STUN only (calls between networks that block UDP may fail)."""

    def ice_servers(self, *, user_id: str, now: datetime, until: datetime) -> list[dict[str, Any]]:
        return _stun()


class CoturnRestTurn:
    def __init__(self, secret: str, urls: list[str], ttl_seconds: int) -> None:
        self.secret, self.urls, self.ttl = secret, urls, ttl_seconds

    def ice_servers(self, *, user_id: str, now: datetime, until: datetime) -> list[dict[str, Any]]:
        expires = int(min(until.timestamp(), now.timestamp() + self.ttl))
        made = coturn_credential(self.secret, user_id, expires)
        turn = {"urls": self.urls, "username": made.username, "credential": made.credential}
        return [*_stun(), turn]


def turn_service() -> TurnService:
    if settings.VIDEO_TURN_URLS and settings.VIDEO_TURN_SECRET:
        return CoturnRestTurn(
            settings.VIDEO_TURN_SECRET,
            list(settings.VIDEO_TURN_URLS),
            settings.VIDEO_TURN_TTL_SECONDS,
        )
    return NullTurn()
