"""Web push goes the way email does: sealed until sent, one delivery per notice and device,
failures recorded and tried again; no content in clear in the task queue's table, the outbox or
the delivery record. pywebpush's call is the one thing replaced: there the push leaves us."""

import json
from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import pywebpush
import time_machine
from django.db import connection
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from casework.accounts.models import PushSubscription, User
from casework.accounts.services import subscribe_to_push
from casework.events.models import OutboxEvent, PushDelivery
from casework.pushes import send_sealed_push, send_waiting_pushes
from casework.scheduling.models import Reminder
from casework.scheduling.tasks import deliver_reminder, send_due_reminders
from casework.testing.push import Browser, push_on
from casework.testing.scheduling import NOW as BOOKING_DAY
from casework.testing.scheduling import THURSDAY_9, book, bookable_practitioner
from casework.testing.tasks import DATABASE_TASKS, run_queued_tasks

REMINDER_TIME = THURSDAY_9 - timedelta(hours=1)
Outcome = PushDelivery.Outcome


class PushService:
    """Stands in for pywebpush.webpush: keeps each push and answers with ``failure`` (None:
    accepted)."""

    def __init__(self) -> None:
        self.posted: list[dict[str, Any]] = []
        self.failure: Exception | None = None

    def __call__(self, **kwargs: Any) -> Any:
        self.posted.append(kwargs)
        if self.failure is not None:
            raise self.failure
        return SimpleNamespace(status_code=201)


@pytest.fixture
def push_service(monkeypatch: pytest.MonkeyPatch) -> Iterator[PushService]:
    service = PushService()
    monkeypatch.setattr(pywebpush, "webpush", service)
    with push_on():
        yield service


def _subscribe(person: User) -> Browser:
    browser = Browser()
    subscribe_to_push(
        person=person, endpoint=browser.endpoint, p256dh=browser.p256dh, auth=browser.auth
    )
    return browser


def _every_text_in(*tables: str) -> str:
    found = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            found.append(repr(cursor.fetchall()))
    return "".join(found)


QUEUE_AND_OUTBOX = (DBTaskResult._meta.db_table, OutboxEvent._meta.db_table)


@pytest.mark.django_db(transaction=True)
def test_a_push_notice_keeps_no_content_in_clear_and_goes_once_to_each_device(
    client_person: User, push_service: PushService
) -> None:
    with time_machine.travel(BOOKING_DAY, tick=False):
        _practitioner, session_type = bookable_practitioner()
        appointment = book(client_person, session_type, THURSDAY_9)
    phone, laptop = _subscribe(client_person), _subscribe(client_person)

    with (
        time_machine.travel(REMINDER_TIME, tick=False),
        override_settings(TASKS=DATABASE_TASKS),
    ):
        assert send_due_reminders.call() == 1
        waiting = PushDelivery.objects.filter(kind="scheduling.reminder", outcome=Outcome.WAITING)
        assert waiting.count() == 2
        assert push_service.posted == []  # in the queue, sealed
        content = ("appointment starts at", "08:00", f"/appointments/{appointment.pk}/")
        in_the_tables = _every_text_in(*QUEUE_AND_OUTBOX, PushDelivery._meta.db_table)
        for text in content:
            assert text not in in_the_tables

        run_queued_tasks()
        # The same reminder delivered again (a retried task) queues nothing more.
        deliver_reminder(Reminder.objects.get(offset_minutes=60))
        run_queued_tasks()

    assert sorted(post["subscription_info"]["endpoint"] for post in push_service.posted) == sorted(
        [phone.endpoint, laptop.endpoint]
    )
    assert json.loads(push_service.posted[0]["data"])["body"] == (
        "Your appointment starts at 08:00 on Thursday 4 June (UTC)."
    )
    deliveries = PushDelivery.objects.filter(kind="scheduling.reminder")
    assert sorted(deliveries.values_list("subscription__endpoint_hash", flat=True)) == sorted(
        PushSubscription.objects.values_list("endpoint_hash", flat=True)
    )
    assert set(deliveries.values_list("outcome", "sealed", "attempts")) == {("sent", "", 1)}
    in_the_tables = _every_text_in(*QUEUE_AND_OUTBOX, PushDelivery._meta.db_table)
    for text in content:
        assert text not in in_the_tables


@pytest.mark.django_db
def test_a_failed_push_is_recorded_and_tried_again_until_it_goes_once(
    client_person: User, push_service: PushService
) -> None:
    with time_machine.travel(BOOKING_DAY, tick=False):
        _practitioner, session_type = bookable_practitioner()
        book(client_person, session_type, THURSDAY_9)
    _subscribe(client_person)
    push_service.failure = pywebpush.WebPushException(
        "Push failed", response=SimpleNamespace(status_code=503)
    )
    with time_machine.travel(REMINDER_TIME, tick=False):
        send_due_reminders.call()
    delivery = PushDelivery.objects.get()
    assert (delivery.outcome, delivery.attempts, delivery.last_failure) == ("failed", 1, "HTTP 503")
    assert delivery.sealed.startswith("v2:")  # kept sealed for the next try

    push_service.failure = None
    with time_machine.travel(REMINDER_TIME + timedelta(minutes=2), tick=False):
        assert send_waiting_pushes() == 1
        assert send_waiting_pushes() == 0
        send_sealed_push.call(delivery_id=str(delivery.pk))
    delivery.refresh_from_db()
    assert (delivery.outcome, delivery.attempts, delivery.sealed) == ("sent", 2, "")
    assert len(push_service.posted) == 2


@pytest.mark.django_db
def test_a_push_not_sent_before_the_appointment_begins_is_given_up(
    client_person: User, push_service: PushService
) -> None:
    with time_machine.travel(BOOKING_DAY, tick=False):
        _practitioner, session_type = bookable_practitioner()
        book(client_person, session_type, THURSDAY_9)
    _subscribe(client_person)
    push_service.failure = TimeoutError()
    with time_machine.travel(REMINDER_TIME, tick=False):
        send_due_reminders.call()
    push_service.failure = None
    with time_machine.travel(THURSDAY_9 + timedelta(minutes=1), tick=False):
        assert send_waiting_pushes() == 1
    delivery = PushDelivery.objects.get()
    assert (delivery.outcome, delivery.sealed) == ("expired", "")
    assert len(push_service.posted) == 1


@pytest.mark.django_db
def test_a_device_its_push_service_calls_gone_is_forgotten_and_its_delivery_dropped(
    client_person: User, push_service: PushService
) -> None:
    with time_machine.travel(BOOKING_DAY, tick=False):
        _practitioner, session_type = bookable_practitioner()
        book(client_person, session_type, THURSDAY_9)
    _subscribe(client_person)
    push_service.failure = pywebpush.WebPushException(
        "Push failed", response=SimpleNamespace(status_code=410)
    )
    with time_machine.travel(REMINDER_TIME, tick=False):
        send_due_reminders.call()
    delivery = PushDelivery.objects.get()
    assert (delivery.outcome, delivery.sealed, delivery.subscription) == ("dropped", "", None)
    assert not PushSubscription.objects.exists()
    with time_machine.travel(REMINDER_TIME + timedelta(minutes=5), tick=False):
        assert send_waiting_pushes() == 0
