"""Stand-ins for what lies outside the process in web push: a browser's subscription keys (so a
test can decrypt what was sent, as the browser would) and the site's VAPID settings."""

import base64
import json
import os
from typing import Any

import http_ece
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from django.test import override_settings

VAPID_SUBJECT = "mailto:ops@casework.example"
_VAPID_KEY = ec.generate_private_key(ec.SECP256R1())
VAPID_PRIVATE_PEM = _VAPID_KEY.private_bytes(
    Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
).decode("ascii")
VAPID_PUBLIC_POINT = _VAPID_KEY.public_key().public_bytes(
    Encoding.X962, PublicFormat.UncompressedPoint
)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def push_on() -> Any:
    """The site with a known VAPID key and subject (``with push_on():`` or as a decorator)."""
    return override_settings(VAPID_PRIVATE_KEY=VAPID_PRIVATE_PEM, VAPID_SUBJECT=VAPID_SUBJECT)


class Browser:
    """One browser's push subscription: the keys it makes and the endpoint its service gives."""

    def __init__(self, endpoint: str | None = None) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret = os.urandom(16)
        self.endpoint = endpoint or f"https://fcm.googleapis.com/fcm/send/{b64url(os.urandom(24))}"

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            Encoding.X962, PublicFormat.UncompressedPoint
        )
        return b64url(point)

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    def subscription(self) -> dict[str, Any]:
        """What ``PushSubscription.toJSON()`` gives the page's script."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": self.auth},
        }

    def decrypt(self, body: bytes) -> Any:
        """Open an aes128gcm push message (RFC 8291) as the browser does."""
        plaintext = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm"
        )
        return json.loads(plaintext)
