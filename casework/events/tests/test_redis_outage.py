"""Redis (cache and channel layer) stops while messages are sent and bookings made: no request
answers 500, and once Redis is back every reaction happens exactly once and every live event
arrives. A Redis of the test's own, on the PostgreSQL + Redis run (``REDIS_URL`` set)."""

import asyncio
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
import redis
import time_machine
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import Settings

from casework.accounts.models import User
from casework.accounts.services import create_api_token
from casework.events import relay
from casework.events.catalogue import KINDS
from casework.events.models import EmailDelivery, OutboxEvent, Reaction
from casework.events.subscribers import subscribers_of
from casework.messaging.live import conversation_group
from casework.messaging.notices import send_due_notices
from casework.scheduling.models import Appointment, SessionType
from casework.scheduling.slots import slot_id
from casework.testing import messaging
from casework.testing.factories import PERSONA_PASSWORD, PERSONA_TOTP_SECRET
from casework.testing.scheduling import NOW as BOOKING_DAY
from casework.testing.scheduling import THURSDAY_9, another_client, bookable_practitioner

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL") or shutil.which("redis-server") is None,
        reason="runs on the PostgreSQL + Redis run, with a Redis of its own",
    ),
]

OnCommit = Callable[..., AbstractContextManager[Any]]


class OwnRedis:
    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603  (a fixed command line)
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        probe = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        for _ in range(100):  # waiting for the server process to listen, not for time
            try:
                if probe.ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_redis(settings: Settings) -> Iterator[OwnRedis]:
    server = OwnRedis()
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "casework.shell.redis_cache.KeptRedisCache",
            "LOCATION": server.url,
        }
    }
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [server.url]},
        }
    }
    yield server
    server.stop()


async def _everything_heard(layer: Any, channel: str) -> list[dict[str, Any]]:
    heard = []
    while True:
        try:
            heard.append(await asyncio.wait_for(layer.receive(channel), timeout=1))
        except TimeoutError:
            return heard


@pytest.fixture
def booking_day() -> Iterator[None]:
    # Ticking: the Redis clients keep their own timeouts.
    with time_machine.travel(BOOKING_DAY, tick=True):
        yield


def test_with_redis_down_nothing_answers_500_and_afterwards_everything_happens_once(
    booking_day: None,
    own_redis: OwnRedis,
    client_person: User,
    practitioner: User,
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    # The client wrote an hour ago and left: replies to her make a 'new message' email due.
    with (
        time_machine.travel(BOOKING_DAY - timedelta(hours=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        conversation = messaging.enquiry(client_person, practitioner, body="Hello")
    with django_capture_on_commit_callbacks(execute=True):
        colleague, session_type = bookable_practitioner()
    second_client = another_client()
    token = create_api_token(
        person=second_client, name="App", scopes=["scheduling:write"], days=7, now=timezone.now()
    )[1]
    replying, booking, calling = (
        Client(),
        Client(),
        Client(headers={"Authorization": f"Bearer {token}"}),
    )
    replying.force_login(practitioner)
    booking.force_login(client_person)
    conversation_url = reverse(
        "messaging:conversation", kwargs={"conversation_id": conversation.pk}
    )
    mail.outbox.clear()

    outage_began = timezone.now()
    own_redis.stop()
    answers: dict[str, list[int]] = {}

    def answered(what: str, response: Any) -> Any:
        answers.setdefault(what, []).append(response.status_code)
        return response

    with django_capture_on_commit_callbacks(execute=True):
        # The practitioner opens the conversation with the client's message still unread...
        opened = answered("open", replying.get(conversation_url))
        assert opened.status_code == 200
        assert "Hello" in opened.content.decode()
        assert conversation.participants.get(person=practitioner).last_read_seq == 1
        # ...and replies three times from the page.
        for number in range(3):
            answered(
                "reply",
                replying.post(
                    conversation_url, {"body": f"Reply {number}"}, headers={"HX-Request": "true"}
                ),
            )
        # The client books on the booking page, submitting twice (one appointment).
        answered("booking page", booking.get(_confirm_url(session_type, THURSDAY_9)))
        form = {
            "session": str(session_type.pk),
            "start": slot_id(THURSDAY_9),
            "where": "GB-ENG",
            "idempotency_key": str(uuid.uuid4()),
        }
        booked = answered("book", booking.post(reverse("scheduling:confirm_booking"), form))
        again = answered("book", booking.post(reverse("scheduling:confirm_booking"), form))
        assert booked["Location"] == again["Location"]
        answered("appointment", booking.get(booked["Location"]))
        # Another client books through the API, retrying after a lost response.
        request = {
            "session_type": session_type.pk,
            "slot_id": "2026-06-04T09:00Z",
            "where": "GB-ENG",
        }
        for _ in range(2):
            answered(
                "api book",
                calling.post(
                    "/api/v1/appointments",
                    request,
                    content_type="application/json",
                    headers={"Idempotency-Key": "outage-booking"},
                ),
            )
    # Signing in cannot count its failures: refused, clearly, whether the password is right or not.
    for password in ("wrong", PERSONA_PASSWORD):
        signing_in = answered(
            "sign in",
            Client().post(
                reverse("account_login"), {"login": client_person.email, "password": password}
            ),
        )
        assert "Nothing was changed" in signing_in.content.decode()
    # Reading the register goes on.
    answered("api verify", Client().get("/api/v1/verify", {"name": "Okafor"}))

    assert answers == {
        "open": [200],
        "reply": [200, 200, 200],
        "booking page": [200],
        "book": [302, 302],
        "appointment": [200],
        "api book": [201, 201],
        "sign in": [503, 503],
        "api verify": [200],
    }
    assert Appointment.objects.filter(client=client_person).count() == 1
    assert Appointment.objects.filter(client=second_client).count() == 1
    waiting = OutboxEvent.objects.filter(delivered_at__isnull=True)
    assert waiting.filter(name="messaging.message_sent").count() >= 3
    emails_before = EmailDelivery.objects.count()

    own_redis.start()
    layer = get_channel_layer()
    assert layer is not None
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(conversation_group(conversation.pk), channel)
    relay.relay_pending(now=timezone.now() + timedelta(hours=2))
    relay.relay_pending(now=timezone.now() + timedelta(hours=4))

    assert not OutboxEvent.objects.filter(delivered_at__isnull=True).exists()
    heard = async_to_sync(_everything_heard)(layer, channel)
    # Every live event arrives (one may arrive twice: a page reads the database again).
    assert {event["seq"] for event in heard if event["event"] == "message"} == {2, 3, 4}
    assert {(event["person"], event["seq"]) for event in heard if event["event"] == "read"} >= {
        (practitioner.pk, 1)
    }
    # Every reaction of every event, once; no email sent twice by the retries.
    for row in OutboxEvent.objects.all():
        expected = {subscriber.name for subscriber in subscribers_of(KINDS[row.name])}
        done = list(Reaction.objects.filter(event=row).values_list("subscriber", flat=True))
        assert sorted(done) == sorted(expected)
    assert EmailDelivery.objects.count() == emails_before
    # The 'new message' email the replies made due goes once, whatever runs again.
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_notices(now=timezone.now() + timedelta(hours=2)) == 1
        assert send_due_notices(now=timezone.now() + timedelta(hours=4)) == 0
    relay.relay_pending(now=timezone.now() + timedelta(hours=6))
    # Every notice of the outage, once: each booking to each party, the new message to the client.
    notices = EmailDelivery.objects.filter(created_at__gte=outage_began)
    assert set(notices.values_list("outcome", flat=True)) == {EmailDelivery.Outcome.SENT}
    assert sorted(notices.values_list("kind", flat=True)) == [
        "messaging.new_message",
        "scheduling.booked",
        "scheduling.booked",
        "scheduling.booked",
        "scheduling.booked",
    ]
    told = sorted(recipient for message in mail.outbox for recipient in message.to)
    assert told == sorted([client_person.email, colleague.email] * 2 + [second_client.email])


def _confirm_url(session_type: SessionType, starts_at: datetime) -> str:
    query = urlencode({"session": session_type.pk, "start": slot_id(starts_at), "where": "GB-ENG"})
    return f"{reverse('scheduling:confirm_booking')}?{query}"


def _code_now() -> str:
    return str(format_hotp_value(hotp_value(PERSONA_TOTP_SECRET, int(time.time()) // 30)))


def _password_step(browser: Client, person: User) -> Any:
    return browser.post(
        reverse("account_login"), {"login": person.email, "password": PERSONA_PASSWORD}
    )


def test_with_redis_down_no_second_factor_code_is_taken_twice_and_nothing_answers_500(
    own_redis: OwnRedis, practitioner: User
) -> None:
    # Early in a 30-second code period, ticking (the Redis clients keep their own timeouts).
    with time_machine.travel("2026-11-24 10:00:02Z", tick=True) as traveller:
        signed_in, replaying = Client(), Client()
        assert _password_step(signed_in, practitioner)["Location"] == reverse("mfa_authenticate")
        code = _code_now()
        assert signed_in.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
        # Someone who learnt the password and saw the code stands at the second step.
        assert _password_step(replaying, practitioner)["Location"] == reverse("mfa_authenticate")

        own_redis.stop()
        # The used code cannot be looked up, nor the failure limit counted: refused, clearly.
        replayed = replaying.post(reverse("mfa_authenticate"), {"code": code})
        assert replayed.status_code == 503
        assert "Nothing was changed" in replayed.content.decode()
        assert "_auth_user_id" not in replaying.session
        assert _password_step(Client(), practitioner).status_code == 503
        # Reading goes on: the signed-in practitioner's pages, a public register search.
        assert signed_in.get(reverse("scheduling:availability")).status_code == 200
        search = Client().get(reverse("registry:verify"), {"name": "Okafor"})
        assert search.status_code == 200

        own_redis.start()
        # Still refused with Redis back (the code was used in this period)...
        again = replaying.post(reverse("mfa_authenticate"), {"code": code})
        assert again.status_code == 200
        assert "_auth_user_id" not in replaying.session
        # ...and the next period's code signs in: nobody is locked out by the outage.
        traveller.shift(30)
        fresh = Client()
        assert _password_step(fresh, practitioner)["Location"] == reverse("mfa_authenticate")
        assert fresh.post(reverse("mfa_authenticate"), {"code": _code_now()}).status_code == 302
