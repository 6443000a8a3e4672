"""The regulator's webhook: every order reaches the regulator's system signed, through a queued
task that holds no lock during the call, retried with backoff, recorded for the portal."""

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from casework.accounts.models import User
from casework.events.catalogue import RegistrationOrderChanged
from casework.events.models import OutboxEvent
from casework.events.relay import relay_pending
from casework.oversight import tasks, webhooks
from casework.oversight.models import WebhookDelivery
from casework.oversight.webhooks import configure_webhook
from casework.registry.models import RegisterEntry, RegistrationClaim
from casework.registry.register_import import (
    apply_register_import,
    check_register_import,
    receive_register_file,
    withdrawals_to_confirm,
)
from casework.registry.restrictions import set_conditions, suspend_listing
from casework.testing import oversight, scheduling
from casework.testing.factories import AdminFactory

SECRET = "a shared secret of the regulator's system"
Status = WebhookDelivery.Status


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    answer: ClassVar[int] = 200
    # Called with the request while it is being answered (to look at the database then).
    during: ClassVar[Any] = None

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        if type(self).during is not None:
            type(self).during()
        self.send_response(type(self).answer)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    _Receiver.received, _Receiver.answer, _Receiver.during = [], 200, None
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/casework", _Receiver
    server.shutdown()
    server.server_close()


def _world(url: str) -> tuple[User, RegisterEntry, User]:
    """A listed practitioner in England, England's officer, and England's webhook at ``url``."""
    practitioner, _profile = oversight.listed_practitioner(legal_name="Amara Okafor")
    entry = RegistrationClaim.objects.get(practitioner=practitioner, state="verified").entry
    assert entry is not None
    officer = oversight.officer_of("social-work-england")
    configure_webhook(
        regulator=oversight.regulator(), url=url, secret=SECRET, actor=AdminFactory.create()
    )
    return practitioner, entry, officer


def _signature_checks(headers: dict[str, str], body: bytes) -> bool:
    timestamp, signature = (
        part.split("=", 1)[1] for part in headers["Casework-Signature"].split(",")
    )
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(signature, expected.hexdigest())


@pytest.mark.django_db
def test_the_webhook_receives_a_signed_notification_of_the_suspension(
    receiver: tuple[str, type[_Receiver]],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    url, handler = receiver
    with time_machine.travel(scheduling.NOW, tick=False):
        _practitioner, entry, officer = _world(url)
        with django_capture_on_commit_callbacks(execute=True):
            suspend_listing(entry=entry, officer=officer, reason="Interim order pending a hearing.")
            relay_pending()

    [(headers, body)] = handler.received
    assert _signature_checks(headers, body)
    notification = json.loads(body)
    assert notification["type"] == "registration.suspended"
    assert notification["listing"] == "suspended"
    assert notification["registration_number"] == entry.registration_number
    assert headers["Casework-Attempt"] == "1"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.DELIVERED
    assert delivery.attempts == 1
    assert delivery.last_response_code == 200
    assert delivery.next_attempt_at is None
    assert headers["Casework-Notification"] == delivery.notification_id
    # The outbox's part is done once the delivery is recorded: it did not wait for the call.
    assert OutboxEvent.objects.get(name="oversight.registration_order_changed").delivered_at


@pytest.mark.django_db
def test_a_register_reading_that_changes_a_registrants_status_is_notified_signed(
    receiver: tuple[str, type[_Receiver]],
    settings: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    """Not only officers' orders: a register status change of a registrant on the platform
    reaches the regulator's system too."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }
    url, handler = receiver
    _practitioner, entry, officer = _world(url)
    reading = receive_register_file(
        regulator=entry.regulator,
        uploaded_file=SimpleUploadedFile(
            "export.csv",
            f"registration_number,name,status\n{entry.registration_number},{entry.name},"
            "suspended\n".encode(),
        ),
        file_format="generic-csv",
        uploaded_by=officer,
        check_in_background=False,
    )
    reading = check_register_import(register_import_id=reading.pk)
    with django_capture_on_commit_callbacks(execute=True):
        apply_register_import(
            register_import_id=reading.pk,
            applied_by=officer,
            confirmed_withdrawals=withdrawals_to_confirm(reading),
        )
        relay_pending()

    [(headers, body)] = handler.received
    assert _signature_checks(headers, body)
    notification = json.loads(body)
    assert notification["type"] == "registration.register_status"
    assert notification["register_status"] == "suspended"
    assert notification["registration_number"] == entry.registration_number
    assert WebhookDelivery.objects.get().status == Status.DELIVERED


@pytest.mark.django_db
def test_a_notification_carries_ids_and_public_words_only(
    receiver: tuple[str, type[_Receiver]],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    url, handler = receiver
    practitioner, entry, officer = _world(url)
    oversight.complaint_about(practitioner, details="They asked me for a gift card.")
    with django_capture_on_commit_callbacks(execute=True):
        set_conditions(
            entry=entry,
            officer=officer,
            conditions="Must not work with children.",
            reason="Panel order of the hearing about Robin.",
        )
        relay_pending()

    [(_headers, body)] = handler.received
    notification = json.loads(body)
    assert set(notification) == webhooks.PAYLOAD_KEYS
    assert notification["conditions_on_platform"] == "Must not work with children."
    text = body.decode()
    for private in ("Panel order", "Robin", "gift card", "Amara", "Okafor", practitioner.email):
        assert private not in text
    assert WebhookDelivery.objects.get().payload == notification


@pytest.mark.django_db
def test_a_receiver_that_is_down_is_tried_again_with_backoff_until_it_accepts(
    receiver: tuple[str, type[_Receiver]],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    url, handler = receiver
    handler.answer = 503  # the regulator's system is down at first
    with time_machine.travel(scheduling.NOW, tick=False) as clock:
        _practitioner, entry, officer = _world(url)
        with django_capture_on_commit_callbacks(execute=True):
            suspend_listing(entry=entry, officer=officer, reason="Interim order.")
            relay_pending()
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == Status.FAILED
        assert delivery.last_response_code == 503
        assert delivery.last_failure == "HTTP 503"
        assert delivery.next_attempt_at == scheduling.NOW + timedelta(seconds=30)

        # Not due yet: nothing is queued.
        assert tasks.send_waiting_webhooks() == 0
        clock.shift(timedelta(seconds=31))
        call_command("send_webhooks")  # the clock's round: the second try fails too
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (Status.FAILED, 2)
        assert delivery.next_attempt_at == scheduling.NOW + timedelta(seconds=31 + 60)

        handler.answer = 204
        clock.shift(timedelta(seconds=61))
        assert tasks.send_waiting_webhooks() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
        Status.DELIVERED,
        3,
        204,
    )
    # One notification, sent three times under the same id, each signed afresh.
    assert {headers["Casework-Notification"] for headers, _body in handler.received} == {
        delivery.notification_id
    }
    assert [headers["Casework-Attempt"] for headers, _body in handler.received] == ["1", "2", "3"]
    assert all(_signature_checks(headers, body) for headers, body in handler.received)
    assert tasks.send_waiting_webhooks() == 0


@pytest.mark.django_db
def test_a_delivery_is_given_up_after_the_last_try_and_nothing_more_is_sent(
    receiver: tuple[str, type[_Receiver]],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    url, handler = receiver
    handler.answer = 500
    _practitioner, entry, officer = _world(url)
    with django_capture_on_commit_callbacks(execute=True):
        suspend_listing(entry=entry, officer=officer, reason="Interim order.")
        relay_pending()
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=webhooks.MOST_ATTEMPTS - 1)
    assert delivery.next_attempt_at is not None
    with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1), tick=False):
        assert webhooks.attempt_delivery(delivery.pk) == Status.GAVE_UP
    delivery.refresh_from_db()
    assert delivery.next_attempt_at is None
    assert tasks.send_waiting_webhooks(now=scheduling.NOW + timedelta(days=30)) == 0
    assert webhooks.attempt_delivery(delivery.pk) == ""


@pytest.mark.django_db
def test_a_lost_task_is_queued_again_by_the_clock_and_an_unreachable_receiver_is_retried(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    # Nothing listens on port 9: no answer at all.
    _practitioner, entry, officer = _world("http://127.0.0.1:9/casework")
    suspend_listing(entry=entry, officer=officer, reason="Interim order.")
    with django_capture_on_commit_callbacks(execute=False):  # the task is lost with the commit
        relay_pending()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Status.WAITING, 0)

    assert tasks.send_waiting_webhooks() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.FAILED, 1)
    assert delivery.last_response_code is None
    assert delivery.last_failure  # the error's class, never its text


@pytest.mark.django_db
def test_a_change_is_recorded_once_however_often_the_reaction_runs(
    receiver: tuple[str, type[_Receiver]],
) -> None:
    url, _handler = receiver
    _practitioner, entry, officer = _world(url)
    suspend_listing(entry=entry, officer=officer, reason="Interim order.")
    event = OutboxEvent.objects.get(name="oversight.registration_order_changed")
    replayed = RegistrationOrderChanged.from_payload(event.payload)
    first = webhooks.record_notification(replayed)
    again = webhooks.record_notification(replayed)
    assert first is not None
    assert again is not None
    # New the first time only: the reaction run again queues no second try.
    assert (first[1], again[1]) == (True, False)
    assert first[0].pk == again[0].pk
    assert WebhookDelivery.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_call_is_made_with_no_row_lock_or_transaction_held(
    receiver: tuple[str, type[_Receiver]],
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    url, handler = receiver
    _practitioner, entry, officer = _world(url)
    seen: list[str] = []

    def lock_what_the_sender_would_hold() -> None:
        # Another connection, as another worker: it takes both rows at once, or fails.
        try:
            with transaction.atomic():
                list(OutboxEvent.objects.select_for_update(nowait=True).all())
                list(WebhookDelivery.objects.select_for_update(nowait=True).all())
            seen.append("free")
        except DatabaseError:
            seen.append("locked")
        finally:
            connections.close_all()

    handler.during = lock_what_the_sender_would_hold
    # Committed: the relay's task delivers the event, whose reaction records the delivery;
    # the delivery's task runs after that commit.
    suspend_listing(entry=entry, officer=officer, reason="Interim order.")
    relay_pending()

    assert seen == ["free"]
    assert WebhookDelivery.objects.get().status == Status.DELIVERED


@pytest.mark.django_db
def test_the_portal_shows_each_delivery_to_its_regulator_only(
    receiver: tuple[str, type[_Receiver]],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    url, handler = receiver
    handler.answer = 502
    _practitioner, entry, officer = _world(url)
    with django_capture_on_commit_callbacks(execute=True):
        suspend_listing(entry=entry, officer=officer, reason="Interim order.")
        relay_pending()
    page_url = reverse("oversight:webhook_deliveries", kwargs={"regulator": "social-work-england"})
    browser = Client()
    browser.force_login(officer)
    page = browser.get(page_url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "registration.suspended" in text
    assert entry.registration_number in text
    assert "HTTP 502" in text
    assert "Not accepted yet: will be tried again" in text
    assert "Interim order" not in text

    stranger = Client()
    stranger.force_login(oversight.officer_of("sssc"))
    assert stranger.get(page_url).status_code == 404


@pytest.mark.django_db
def test_the_deliveries_page_costs_the_same_queries_for_1_or_8_deliveries(
    receiver: tuple[str, type[_Receiver]],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    url, _handler = receiver
    _practitioner, entry, officer = _world(url)
    browser = Client()
    browser.force_login(officer)
    page_url = reverse("oversight:webhook_deliveries", kwargs={"regulator": "social-work-england"})

    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert browser.get(page_url).status_code == 200
        return len(captured)

    with django_capture_on_commit_callbacks(execute=True):
        suspend_listing(entry=entry, officer=officer, reason="Interim order.")
        relay_pending()
    queries_for_page()  # the first request of a session writes what the next ones read
    one = queries_for_page()
    for _ in range(7):
        others = [oversight.listed_practitioner()[0]]
        other_entry = RegistrationClaim.objects.get(practitioner=others[0], state="verified").entry
        assert other_entry is not None
        with django_capture_on_commit_callbacks(execute=True):
            suspend_listing(entry=other_entry, officer=officer, reason="Interim order.")
            relay_pending()
    assert WebhookDelivery.objects.count() == 8
    # Session, user, MFA and the page's own: the regulator, its webhook, a count and a page of
    # deliveries, whatever their number.
    assert queries_for_page() == one
