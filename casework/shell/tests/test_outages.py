"""With Redis down, no request answers 500: what needs the cache to be safe (sign-in, a reset,
second-factor codes) is refused with a clear 503; public reads go on; stored messages stay
stored and their live announcement waits in the outbox."""

import logging
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from casework.accounts.models import User
from casework.events.models import OutboxEvent
from casework.messaging.models import Message
from casework.testing import messaging

pytestmark = pytest.mark.django_db

# Nothing listens on port 1: every connection is refused at once.
DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings: Settings) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "casework.shell.redis_cache.KeptRedisCache",
            "LOCATION": DEAD_REDIS,
        }
    }
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [DEAD_REDIS]},
        }
    }


def test_signing_in_is_refused_with_a_clear_503_not_let_through(
    redis_down: None, client_person: User, client: Client
) -> None:
    response = client.post(
        reverse("account_login"), {"login": client_person.email, "password": "wrong password"}
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Nothing was changed" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_asking_for_a_password_reset_is_refused_with_a_clear_503(
    redis_down: None, client_person: User, client: Client
) -> None:
    response = client.post(reverse("account_reset_password"), {"email": client_person.email})
    assert response.status_code == 503


def test_the_public_verification_api_still_answers(redis_down: None, client: Client) -> None:
    response = client.get("/api/v1/verify", {"regulator": "nobody", "number": "1"})
    assert response.status_code == 400  # the reason, not an outage


def test_a_message_sent_while_redis_is_down_is_stored_and_its_announcement_waits(
    redis_down: None,
    client_person: User,
    practitioner: User,
    signed_in: Callable[[User | None], Client],
    django_capture_on_commit_callbacks: Callable[..., object],
    caplog: pytest.LogCaptureFixture,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        conversation = messaging.enquiry(client_person, practitioner, body="Hello")
    browser = signed_in(practitioner)
    with (
        django_capture_on_commit_callbacks(execute=True),  # type: ignore[attr-defined]
        caplog.at_level(logging.WARNING),
    ):
        response = browser.post(
            f"/messages/{conversation.pk}/",
            {"body": "Private words"},
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 200
    assert Message.objects.filter(conversation=conversation).count() == 2
    waiting = OutboxEvent.objects.filter(delivered_at__isnull=True, name="messaging.message_sent")
    assert waiting.count() == 2  # the enquiry's and the reply's live announcements
    assert "Private words" not in caplog.text
