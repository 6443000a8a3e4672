"""Reminders on this device: subscribing and unsubscribing a browser for web push, strictly
checked input, subscriptions sealed at rest, and sending that survives whatever a push service
answers. The push service is the only thing mocked: it is where the request leaves us."""

import json
import logging
import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import pywebpush
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from py_vapid import Vapid02

from casework import pushes
from casework.accounts import push, services
from casework.accounts.checks import check_vapid_settings
from casework.accounts.models import PushSubscription, User
from casework.events.models import PushDelivery
from casework.privacy.models import AuditEvent
from casework.testing.factories import ClientFactory
from casework.testing.push import (
    VAPID_PUBLIC_POINT,
    VAPID_SUBJECT,
    Browser,
    b64url,
    b64url_decode,
    push_on,
)
from casework.vault.services import destroy_data_key

pytestmark = [pytest.mark.django_db]

SignIn = Callable[[User | None], Client]
SITE = settings.SITE_URL


@pytest.fixture(autouse=True)
def _push_on() -> Any:
    with push_on():
        yield


def subscribe(browser: Browser, person: User) -> PushSubscription:
    subscription, _created = services.subscribe_to_push(
        person=person, endpoint=browser.endpoint, p256dh=browser.p256dh, auth=browser.auth
    )
    return subscription


def send_push(
    person: User, *, title: str = "t", body: str = "b", url: str = "", ttl: int = 3600
) -> int:
    """One notice for the person's devices, posted at once (the immediate task backend); how
    many push services accepted it."""
    notice = f"test:{uuid.uuid4()}"
    pushes.queue_push(
        person,
        kind="test",
        notice=notice,
        title=title,
        body=body,
        url=url or f"{SITE}/",
        expires_at=timezone.now() + timedelta(seconds=ttl),
    )
    return PushDelivery.objects.filter(notice=notice, outcome=PushDelivery.Outcome.SENT).count()


def post_json(client: Client, name: str, payload: Any) -> Any:
    body = payload if isinstance(payload, bytes) else json.dumps(payload)
    return client.post(reverse(name), body, content_type="application/json")


# The model ---------------------------------------------------------------------------------


def test_the_database_refuses_the_same_endpoint_twice(client_person: User) -> None:
    browser = Browser()
    stored = subscribe(browser, client_person)
    copy = PushSubscription(
        person=ClientFactory.create(),
        data_key=stored.data_key,
        endpoint_hash=stored.endpoint_hash,
        endpoint=browser.endpoint,
        p256dh=browser.p256dh,
        auth=browser.auth,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save(force_insert=True)


def test_endpoint_and_keys_are_sealed_under_the_persons_data_key(client_person: User) -> None:
    browser = Browser()
    stored = subscribe(browser, client_person)
    assert stored.data_key.owner == f"person:{client_person.pk}"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT endpoint, p256dh, auth, endpoint_hash FROM accounts_pushsubscription"
        )
        [(endpoint, p256dh, auth, digest)] = cursor.fetchall()
    for sealed, plain in (
        (endpoint, browser.endpoint),
        (p256dh, browser.p256dh),
        (auth, browser.auth),
    ):
        assert plain.encode() not in bytes(sealed)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    fresh = PushSubscription.objects.get()
    assert (fresh.endpoint, fresh.p256dh, fresh.auth) == (
        browser.endpoint,
        browser.p256dh,
        browser.auth,
    )


# Subscribing -------------------------------------------------------------------------------


def test_a_person_subscribes_several_devices_once_each(
    signed_in: SignIn, client_person: User
) -> None:
    client = signed_in(client_person)
    phone, laptop = Browser(), Browser("https://updates.push.services.mozilla.com/wpush/v2/gAAA")
    first = post_json(client, "accounts:push_subscribe", phone.subscription())
    second = post_json(client, "accounts:push_subscribe", laptop.subscription())
    assert (first.status_code, first.json()) == (201, {"status": "subscribed"})
    assert second.status_code == 201
    again = post_json(client, "accounts:push_subscribe", phone.subscription())
    assert again.status_code == 200  # the page tells the server again on each visit
    assert PushSubscription.objects.filter(person=client_person).count() == 2
    events = AuditEvent.objects.filter(
        action="account.push_subscribed", subject_id=client_person.pk
    )
    assert sorted(event.detail["push_service"] for event in events) == [
        "fcm.googleapis.com",
        "updates.push.services.mozilla.com",
    ]


def test_the_page_token_lets_the_script_post_and_nothing_else_does(
    client_person: User,
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(client_person)
    page = client.get(reverse("accounts:preferences")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    body = json.dumps(Browser().subscription())
    url = reverse("accounts:push_subscribe")
    refused = client.post(url, body, content_type="application/json")
    assert refused.status_code == 403
    accepted = client.post(
        url, body, content_type="application/json", headers={"X-CSRFToken": token.group(1)}
    )
    assert accepted.status_code == 201


def test_a_browser_subscribed_by_someone_else_moves_to_whoever_subscribes_it_now(
    signed_in: SignIn, client_person: User, practitioner: User
) -> None:
    shared = Browser()
    subscribe(shared, practitioner)
    response = post_json(signed_in(client_person), "accounts:push_subscribe", shared.subscription())
    assert response.status_code == 201
    [only] = PushSubscription.objects.all()
    assert only.person == client_person
    assert AuditEvent.objects.filter(
        action="account.push_unsubscribed", subject_id=practitioner.pk, detail__by="moved"
    ).exists()


def test_renewed_keys_replace_the_old_ones(client_person: User) -> None:
    browser = Browser()
    subscribe(browser, client_person)
    renewed = Browser(browser.endpoint)
    subscribe(renewed, client_person)
    [only] = PushSubscription.objects.all()
    assert (only.p256dh, only.auth) == (renewed.p256dh, renewed.auth)


def test_beyond_the_limit_the_device_subscribed_longest_ago_is_dropped(
    client_person: User,
) -> None:
    browsers = [Browser() for _ in range(push.MAX_SUBSCRIPTIONS_PER_PERSON + 1)]
    for browser in browsers:
        subscribe(browser, client_person)
    kept = {subscription.endpoint for subscription in PushSubscription.objects.all()}
    assert kept == {browser.endpoint for browser in browsers[1:]}


def _keys(**changes: Any) -> dict[str, Any]:
    browser = Browser()
    return {"p256dh": browser.p256dh, "auth": browser.auth, **changes}


FCM = "https://fcm.googleapis.com/fcm/send/abc"
OFF_CURVE = b64url(b"\x04" + b"\x01" * 64)
BAD_SUBSCRIPTIONS: dict[str, tuple[Any, str]] = {
    "not JSON": (b"{endpoint:", "bad_json"),
    "not UTF-8": (b"\xff\xfe\x00", "bad_json"),
    "a list": ([FCM], "bad_json"),
    "deeply nested": (b"[" * 4000, "bad_json"),
    "too large": ({"endpoint": FCM, "keys": _keys(), "padding": "x" * 5000}, "too_long"),
    "no endpoint": ({"keys": _keys()}, "missing_endpoint"),
    "endpoint not text": ({"endpoint": 5, "keys": _keys()}, "missing_endpoint"),
    "empty endpoint": ({"endpoint": "", "keys": _keys()}, "missing_endpoint"),
    "no keys": ({"endpoint": FCM}, "missing_keys"),
    "keys not an object": ({"endpoint": FCM, "keys": "p256dh"}, "missing_keys"),
    "no auth": ({"endpoint": FCM, "keys": {"p256dh": _keys()["p256dh"]}}, "missing_keys"),
    "auth not text": ({"endpoint": FCM, "keys": _keys(auth=16)}, "missing_keys"),
    "plain http": (
        {"endpoint": "http://fcm.googleapis.com/x", "keys": _keys()},
        "endpoint_not_https",
    ),
    "javascript": ({"endpoint": "javascript:alert(1)", "keys": _keys()}, "endpoint_not_https"),
    "another host": (
        {"endpoint": "https://evil.example/push", "keys": _keys()},
        "unknown_push_service",
    ),
    "an inside address": (
        {"endpoint": "https://10.0.0.1/push", "keys": _keys()},
        "unknown_push_service",
    ),
    "a look-alike host": (
        {"endpoint": "https://fcm.googleapis.com.evil.example/x", "keys": _keys()},
        "unknown_push_service",
    ),
    "another port": (
        {"endpoint": "https://fcm.googleapis.com:8443/x", "keys": _keys()},
        "bad_endpoint",
    ),
    "credentials": (
        {"endpoint": "https://u:p@fcm.googleapis.com/x", "keys": _keys()},
        "bad_endpoint",
    ),
    "a space": ({"endpoint": "https://fcm.googleapis.com/a b", "keys": _keys()}, "bad_endpoint"),
    "a control character": ({"endpoint": FCM + "\x00", "keys": _keys()}, "bad_endpoint"),
    "endpoint too long": ({"endpoint": FCM + "x" * 2100, "keys": _keys()}, "too_long"),
    "key too long": ({"endpoint": FCM, "keys": _keys(p256dh="A" * 200)}, "too_long"),
    "key not base64url": ({"endpoint": FCM, "keys": _keys(p256dh="not/base64+")}, "bad_keys"),
    "key too short": ({"endpoint": FCM, "keys": _keys(p256dh=b64url(b"\x04" * 33))}, "bad_keys"),
    "key off the curve": ({"endpoint": FCM, "keys": _keys(p256dh=OFF_CURVE)}, "bad_keys"),
    "auth too short": ({"endpoint": FCM, "keys": _keys(auth=b64url(b"a" * 15))}, "bad_keys"),
}


@pytest.mark.parametrize("case", sorted(BAD_SUBSCRIPTIONS))
def test_a_bad_subscription_is_refused_with_its_reason_and_nothing_is_stored(
    case: str, signed_in: SignIn, client_person: User
) -> None:
    payload, code = BAD_SUBSCRIPTIONS[case]
    response = post_json(signed_in(client_person), "accounts:push_subscribe", payload)
    assert response.status_code == 400
    assert response.json() == {"error": code, "reason": str(push.REASONS[code])}
    assert not PushSubscription.objects.exists()
    assert not AuditEvent.objects.filter(action="account.push_subscribed").exists()


def test_the_push_endpoints_take_posts_from_people_signed_in_only(
    signed_in: SignIn, client: Client, client_person: User
) -> None:
    body = Browser().subscription()
    visitor = post_json(client, "accounts:push_subscribe", body)
    assert visitor.status_code == 302
    assert visitor["Location"].startswith(reverse("account_login"))
    person = signed_in(client_person)
    assert person.get(reverse("accounts:push_subscribe")).status_code == 405
    assert person.get(reverse("accounts:push_unsubscribe")).status_code == 405
    assert not PushSubscription.objects.exists()


# Unsubscribing -----------------------------------------------------------------------------


def test_a_person_unsubscribes_a_device(signed_in: SignIn, client_person: User) -> None:
    browser, other_device = Browser(), Browser()
    subscribe(browser, client_person)
    subscribe(other_device, client_person)
    client = signed_in(client_person)
    response = post_json(client, "accounts:push_unsubscribe", {"endpoint": browser.endpoint})
    assert (response.status_code, response.json()) == (200, {"status": "unsubscribed"})
    assert [s.endpoint for s in PushSubscription.objects.all()] == [other_device.endpoint]
    assert AuditEvent.objects.filter(
        action="account.push_unsubscribed", actor_id=client_person.pk, detail__by="owner"
    ).exists()
    again = post_json(client, "accounts:push_unsubscribe", {"endpoint": browser.endpoint})
    assert again.status_code == 404
    assert again.json()["error"] == "not_found"


def test_another_persons_subscription_cannot_be_deleted(
    signed_in: SignIn, client_person: User, other_practitioner: User
) -> None:
    robins = Browser()
    stored = subscribe(robins, client_person)
    response = post_json(
        signed_in(other_practitioner), "accounts:push_unsubscribe", {"endpoint": robins.endpoint}
    )
    assert response.status_code == 404  # alike for "not yours" and "no such device"
    assert response.json()["error"] == "not_found"
    assert PushSubscription.objects.filter(pk=stored.pk).exists()
    with pytest.raises(PermissionDenied):
        services.unsubscribe_from_push(person=other_practitioner, subscription=stored)
    assert PushSubscription.objects.filter(pk=stored.pk).exists()


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"nonsense", "bad_json"),
        ({"endpoint": None}, "missing_endpoint"),
        ({"endpoint": "http://fcm.googleapis.com/x"}, "endpoint_not_https"),
        ({"endpoint": FCM + "x" * 3000}, "too_long"),
    ],
    ids=["not JSON", "no endpoint", "plain http", "too long"],
)
def test_a_bad_unsubscription_is_refused_with_its_reason(
    payload: Any, code: str, signed_in: SignIn, client_person: User
) -> None:
    response = post_json(signed_in(client_person), "accounts:push_unsubscribe", payload)
    assert response.status_code == 400
    assert response.json()["error"] == code


# The page and the service worker -----------------------------------------------------------


def test_the_preferences_page_offers_reminders_on_this_device(
    signed_in: SignIn, client_person: User
) -> None:
    response = signed_in(client_person).get(reverse("accounts:preferences"))
    page = response.content.decode()
    assert "Reminders on this device" in page
    assert "Reminders on this device need JavaScript. Your email reminders continue" in page
    assert "casework/js/push-reminders.js" in page
    key = re.search(r'data-application-server-key="([^"]+)"', page)
    assert key is not None
    assert b64url_decode(key.group(1)) == VAPID_PUBLIC_POINT
    assert key.group(1) == push.application_server_key()
    assert f'data-worker-url="{reverse("accounts:push_worker")}"' in page
    assert "worker-src 'self'" in response["Content-Security-Policy"]


@override_settings(VAPID_PRIVATE_KEY="")
def test_without_a_vapid_key_push_is_off_and_not_offered(
    signed_in: SignIn, client_person: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = signed_in(client_person)
    page = client.get(reverse("accounts:preferences")).content.decode()
    assert "Reminders on this device" not in page
    assert "push-reminders.js" not in page
    response = post_json(client, "accounts:push_subscribe", Browser().subscription())
    assert (response.status_code, response.json()["error"]) == (404, "push_off")
    assert push.application_server_key() is None
    monkeypatch.setattr(pywebpush, "webpush", pytest.fail)
    assert send_push(client_person) == 0


def test_the_service_worker_is_served_for_the_whole_site(client: Client) -> None:
    response = client.get(reverse("accounts:push_worker"))  # signed out: browsers update it so
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    script = response.content.decode()
    assert "showNotification" in script
    assert "openWindow" in script
    assert client.post(reverse("accounts:push_worker")).status_code == 405


# Sending -----------------------------------------------------------------------------------


class PushService:
    """Stands in for the push services' HTTP endpoints (requests.post, where pywebpush leaves
    the process), answering ``status`` and keeping what was posted."""

    def __init__(self, status: int = 201) -> None:
        self.status = status
        self.posts: list[dict[str, Any]] = []

    def __call__(self, url: str, *, data: bytes, headers: dict[str, str], timeout: Any) -> Any:
        self.posts.append({"url": url, "data": data, "headers": headers, "timeout": timeout})
        return SimpleNamespace(status_code=self.status, reason="", text="", headers={})


@pytest.fixture
def push_service(monkeypatch: pytest.MonkeyPatch) -> PushService:
    service = PushService()
    monkeypatch.setattr("requests.post", service)
    return service


def test_a_push_is_signed_and_only_the_browser_can_read_it(
    client_person: User, push_service: PushService
) -> None:
    browser = Browser()
    subscribe(browser, client_person)
    delivered = send_push(
        client_person, title="Appointment reminder", body="At 09:00.", url=f"{SITE}/x/", ttl=600
    )
    assert delivered == 1
    [sent] = push_service.posts
    assert sent["url"] == browser.endpoint
    assert sent["timeout"] == push.TIMEOUT_SECONDS
    assert sent["headers"]["content-encoding"] == "aes128gcm"
    assert sent["headers"]["ttl"] == "600"
    assert b"09:00" not in sent["data"]
    assert browser.decrypt(sent["data"]) == {
        "title": "Appointment reminder",
        "body": "At 09:00.",
        "url": f"{SITE}/x/",
    }
    authorization = sent["headers"]["authorization"]
    assert Vapid02.verify(authorization)
    token = re.search(r"t=([^,]+)", authorization)
    assert token is not None
    claims = json.loads(b64url_decode(token.group(1).split(".")[1]))
    assert claims["sub"] == VAPID_SUBJECT
    assert claims["aud"] == "https://fcm.googleapis.com"
    assert f"k={b64url(VAPID_PUBLIC_POINT)}" in authorization
    assert PushSubscription.objects.get().last_used_at is not None


@pytest.mark.parametrize("status", [404, 410])
def test_a_device_the_push_service_calls_gone_is_forgotten(
    status: int, client_person: User, push_service: PushService
) -> None:
    subscribe(Browser(), client_person)
    subscribe(Browser("https://web.push.apple.com/QGt2"), client_person)
    push_service.status = status
    assert send_push(client_person) == 0
    assert len(push_service.posts) == 2
    assert not PushSubscription.objects.exists()
    gone = AuditEvent.objects.filter(action="account.push_unsubscribed", detail__by="gone")
    assert gone.count() == 2


def test_other_failures_are_counted_and_logged_without_content(
    client_person: User,
    push_service: PushService,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    refused, unreachable = Browser(), Browser("https://wns2-par02p.notify.windows.com/w/?token=x")
    subscribe(refused, client_person)
    subscribe(unreachable, client_person)
    push_service.status = 503

    def post(url: str, **kwargs: Any) -> Any:
        if url == unreachable.endpoint:
            raise ConnectionError("cannot connect to " + url)
        return push_service(url, **kwargs)

    monkeypatch.setattr("requests.post", post)
    with caplog.at_level(logging.WARNING, logger="casework.accounts.push"):
        assert send_push(client_person, title="Secret title") == 0
    failures = {
        s.endpoint: (s.failure_count, s.last_failure) for s in PushSubscription.objects.all()
    }
    assert failures == {
        refused.endpoint: (1, "HTTP 503"),
        unreachable.endpoint: (1, "ConnectionError"),
    }
    logged = caplog.text
    assert "HTTP 503" in logged
    assert "ConnectionError" in logged
    for secret in ("Secret title", "fcm.googleapis.com", "notify.windows.com", refused.auth):
        assert secret not in logged


def test_a_subscription_whose_data_key_is_destroyed_is_dropped_without_sending(
    client_person: User, push_service: PushService
) -> None:
    stored = subscribe(Browser(), client_person)
    destroy_data_key(data_key=stored.data_key, actor=None, reason="erasure requested")
    assert send_push(client_person) == 0
    assert push_service.posts == []
    assert not PushSubscription.objects.exists()


# Settings ----------------------------------------------------------------------------------


def test_the_vapid_key_may_be_pem_raw_or_der() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    raw = b64url(key.private_numbers().private_value.to_bytes(32, "big"))
    der = b64url(key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption()))
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.TraditionalOpenSSL, NoEncryption())
    for setting in (raw, der, pem.decode()):
        with override_settings(VAPID_PRIVATE_KEY=setting):
            assert check_vapid_settings() == []
            public = push.application_server_key()
            assert public is not None
            assert (
                ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(public))
                == key.public_key()
            )


@pytest.mark.parametrize(
    ("settings_", "check_id"),
    [
        ({"VAPID_PRIVATE_KEY": "not a key"}, "casework.accounts.E001"),
        ({"VAPID_PRIVATE_KEY": b64url(b"\xff" * 32)}, "casework.accounts.E001"),
        ({"VAPID_SUBJECT": "ops@casework.example"}, "casework.accounts.E002"),
        ({"VAPID_SUBJECT": "mailto:"}, "casework.accounts.E002"),
    ],
    ids=["nonsense", "out of range", "subject without scheme", "empty address"],
)
def test_unusable_vapid_settings_fail_the_system_checks(
    settings_: dict[str, str], check_id: str
) -> None:
    with override_settings(**settings_):
        assert [message.id for message in check_vapid_settings()] == [check_id]


@override_settings(VAPID_PRIVATE_KEY="not a key")
def test_a_key_that_cannot_be_read_turns_push_off_instead_of_breaking_pages(
    signed_in: SignIn, client_person: User, caplog: pytest.LogCaptureFixture
) -> None:
    response = signed_in(client_person).get(reverse("accounts:preferences"))
    assert response.status_code == 200
    assert "Reminders on this device" not in response.content.decode()
    assert "push is off" in caplog.text
    assert send_push(client_person) == 0
