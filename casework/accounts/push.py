"""Web push: appointment reminders on the devices a person chose, signed and encrypted.

pywebpush signs each push with the site's VAPID key (RFC 8292) and encrypts the payload to the
browser's keys (RFC 8291), so the push service carries it without reading it. The payload is a
title, a body and a link; callers put nothing in it beyond the time (a locked screen shows it).

Push is on when ``VAPID_PRIVATE_KEY`` is set (development makes one; production may leave it
unset, and then nothing here is offered or sent). Subscriptions are written by
``casework.accounts.services``; this module reads what a browser posts, and posts one push to
one device. Notices reach devices through ``casework.pushes``, which records each delivery.
"""

import base64
import binascii
import enum
import hashlib
import json
import logging
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
)
from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from py_vapid import Vapid

from casework.accounts.models import PushSubscription, User
from casework.vault.errors import VaultError

logger = logging.getLogger("casework.accounts.push")

# Push services of the browsers people use (Chrome and its kin, Firefox, Edge, Safari). An
# endpoint elsewhere is refused: the worker posts to whatever address is stored, and it must
# never be one that someone typed, such as a host inside our network.
PUSH_SERVICE_DOMAINS = (
    "fcm.googleapis.com",
    "android.googleapis.com",
    "push.services.mozilla.com",
    "notify.windows.com",
    "push.apple.com",
)
MAX_BODY_BYTES = 4096
MAX_ENDPOINT_LENGTH = 2048
MAX_KEY_LENGTH = 128
# Each person's devices: subscribing on one more drops the one subscribed longest ago.
MAX_SUBSCRIPTIONS_PER_PERSON = 10
# A push service that does not answer within this many seconds is counted as a failure.
TIMEOUT_SECONDS = 10
# A VAPID signature lives this long (RFC 8292 allows at most 24 hours).
VAPID_LIFETIME_SECONDS = 12 * 3600

_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")

REASONS: dict[str, Promise] = {
    "too_long": _("A value is longer than allowed."),
    "bad_json": _("The request is not a JSON object."),
    "missing_endpoint": _("The subscription has no endpoint."),
    "missing_keys": _("The subscription has no p256dh and auth keys."),
    "endpoint_not_https": _("The endpoint must be an https address."),
    "bad_endpoint": _("The endpoint is not a valid address."),
    "unknown_push_service": _("The endpoint is not a browser push service we send to."),
    "bad_keys": _("The subscription keys are not valid."),
}


class InvalidSubscription(ValueError):
    """What a browser posted is not a usable subscription; ``code`` names why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    @property
    def reason(self) -> str:
        return str(REASONS[self.code])


@dataclass(frozen=True)
class SubscriptionInfo:
    endpoint: str
    p256dh: str
    auth: str


# Keys ------------------------------------------------------------------------------------------


def load_vapid_key(raw: str) -> Any:
    """The VAPID key from its setting: a PEM file's text (``vapid --gen``, ``openssl ecparam``),
    or base64url of the raw 32-byte key or of its DER. Raises ValueError for anything else."""
    return _load_vapid_key(raw.strip())


@lru_cache(maxsize=4)
def _load_vapid_key(raw: str) -> Any:
    try:
        if raw.startswith("-----BEGIN"):
            private_key = load_pem_private_key(raw.encode("ascii"), password=None)
            vapid = Vapid(private_key)
        else:
            vapid = Vapid.from_string(raw)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise ValueError("not a readable private key") from error
    key = vapid.private_key
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError("not a P-256 (prime256v1) elliptic curve key")
    return vapid


def vapid_key() -> Any:
    """The site's VAPID key, or None when push is off. A key that cannot be read turns push
    off too (system check ``casework.accounts.E001`` names the problem), never a page."""
    raw = getattr(settings, "VAPID_PRIVATE_KEY", "")
    if not raw:
        return None
    try:
        return load_vapid_key(raw)
    except ValueError as error:
        logger.error("push: CASEWORK_VAPID_PRIVATE_KEY cannot be used (%s); push is off", error)
        return None


def push_enabled() -> bool:
    return vapid_key() is not None


def application_server_key() -> str | None:
    """The public key browsers subscribe with: base64url of the uncompressed P-256 point."""
    vapid = vapid_key()
    if vapid is None:
        return None
    point = vapid.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return _b64url(point)


def endpoint_hash(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode("utf-8")).hexdigest()


# Reading what a browser posts --------------------------------------------------------------


def read_subscription(body: bytes) -> SubscriptionInfo:
    """A browser's ``PushSubscription.toJSON()``, checked strictly; InvalidSubscription if not."""
    data = _json_object(body)
    endpoint = read_endpoint_value(data.get("endpoint"))
    keys = data.get("keys")
    if not isinstance(keys, dict):
        raise InvalidSubscription("missing_keys")
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not isinstance(p256dh, str) or not isinstance(auth, str) or not p256dh or not auth:
        raise InvalidSubscription("missing_keys")
    if len(p256dh) > MAX_KEY_LENGTH or len(auth) > MAX_KEY_LENGTH:
        raise InvalidSubscription("too_long")
    point, secret = _b64url_decode(p256dh), _b64url_decode(auth)
    # The browser's key is an uncompressed P-256 point (RFC 8291), the auth secret 16 bytes.
    if point is None or secret is None or len(point) != 65 or len(secret) != 16:
        raise InvalidSubscription("bad_keys")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise InvalidSubscription("bad_keys") from None
    return SubscriptionInfo(endpoint=endpoint, p256dh=p256dh, auth=auth)


def read_endpoint(body: bytes) -> str:
    """The endpoint of ``{"endpoint": ...}`` (an unsubscription), checked like a subscription's."""
    return read_endpoint_value(_json_object(body).get("endpoint"))


def read_endpoint_value(endpoint: object) -> str:
    if not isinstance(endpoint, str) or not endpoint:
        raise InvalidSubscription("missing_endpoint")
    if len(endpoint) > MAX_ENDPOINT_LENGTH:
        raise InvalidSubscription("too_long")
    if not endpoint.isprintable() or any(char.isspace() for char in endpoint):
        raise InvalidSubscription("bad_endpoint")
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:
        raise InvalidSubscription("bad_endpoint") from None
    if parts.scheme.lower() != "https":
        raise InvalidSubscription("endpoint_not_https")
    host = (parts.hostname or "").rstrip(".")
    if not host or parts.username or parts.password or parts.fragment or port not in (None, 443):
        raise InvalidSubscription("bad_endpoint")
    if not any(host == domain or host.endswith(f".{domain}") for domain in PUSH_SERVICE_DOMAINS):
        raise InvalidSubscription("unknown_push_service")
    return endpoint


def own_subscription(person: User, endpoint: str) -> PushSubscription | None:
    """The person's subscription of this endpoint; None alike when there is none and when it
    is someone else's."""
    return PushSubscription.objects.filter(
        person=person, endpoint_hash=endpoint_hash(endpoint)
    ).first()


def push_service_of(endpoint: str) -> str:
    """The push service's host name: enough to tell browsers apart, nothing about the device."""
    return urlsplit(endpoint).hostname or ""


def _json_object(body: bytes) -> dict[str, Any]:
    if len(body) > MAX_BODY_BYTES:
        raise InvalidSubscription("too_long")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidSubscription("bad_json") from None
    if not isinstance(data, dict):
        raise InvalidSubscription("bad_json")
    return data


def _b64url_decode(value: str) -> bytes | None:
    if not _BASE64URL.match(value):
        return None
    try:
        return base64.urlsafe_b64decode(value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        return None


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


# Sending -----------------------------------------------------------------------------------


class Outcome(enum.Enum):
    """What became of one push to one device."""

    ACCEPTED = "accepted"
    GONE = "gone"  # the push service says the subscription no longer exists (404, 410)
    UNREADABLE = "unreadable"  # its data key is destroyed (the person was erased)
    FAILED = "failed"  # anything else: worth another try


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    failure: str = ""  # what failed, never with content: "HTTP 503", "ConnectionError"


def push_to(subscription: PushSubscription, payload: str, *, ttl: int) -> Result:
    """Post one sealed-in-transit push to one device. Never raises for a failed push: the
    outcome says what happened, and ``casework.pushes`` (the notices pipeline, which records
    each delivery) decides what follows; a failure is also counted on the subscription."""
    vapid = vapid_key()
    if vapid is None:
        return Result(Outcome.FAILED, "push off")
    try:
        info = {
            "endpoint": subscription.endpoint,
            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
        }
    except VaultError:
        logger.warning("push: subscription %s cannot be opened", subscription.pk)
        return Result(Outcome.UNREADABLE)
    endpoint = str(info["endpoint"])
    parts = urlsplit(endpoint)
    claims: dict[str, str | int] = {
        "sub": settings.VAPID_SUBJECT,
        "aud": f"{parts.scheme}://{parts.netloc}",
        "exp": int(time.time()) + VAPID_LIFETIME_SECONDS,
    }
    # Imported here, where a push is sent (by the task worker): pywebpush brings requests and
    # aiohttp (about 25 MiB) that no page of the web process needs.
    import pywebpush

    try:
        pywebpush.webpush(
            subscription_info=info,
            data=payload,
            vapid_private_key=vapid,
            vapid_claims=claims,
            ttl=max(ttl, 0),
            timeout=TIMEOUT_SECONDS,
        )
    except pywebpush.WebPushException as error:
        status = error.status_code
        if status in (404, 410):
            logger.info("push: subscription %s is gone (HTTP %s)", subscription.pk, status)
            return Result(Outcome.GONE, f"HTTP {status}")
        return _count_failure(subscription, f"HTTP {status}" if status else "WebPushException")
    except Exception as error:  # a network error, a key the library refuses: never the caller's
        return _count_failure(subscription, type(error).__name__)
    PushSubscription.objects.filter(pk=subscription.pk).update(
        last_used_at=timezone.now(), failure_count=0
    )
    return Result(Outcome.ACCEPTED)


def _count_failure(subscription: PushSubscription, failure: str) -> Result:
    # The exception's text is not logged: it can hold the endpoint or the service's reply.
    logger.warning("push: sending to subscription %s failed (%s)", subscription.pk, failure)
    PushSubscription.objects.filter(pk=subscription.pk).update(
        last_failed_at=timezone.now(),
        last_failure=failure[:40],
        failure_count=F("failure_count") + 1,
    )
    return Result(Outcome.FAILED, failure[:40])
