"""Reminders go out once, at their time, through the task queue; the next free slot stays true
as time passes."""

import io
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import pywebpush
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from casework.accounts.models import PushSubscription, User
from casework.accounts.services import subscribe_to_push
from casework.scheduling.models import PractitionerSchedule, Reminder, SessionType
from casework.scheduling.services import booking
from casework.scheduling.tasks import send_due_reminders, send_reminder
from casework.shell.schedule import run_due
from casework.testing.factories import ClientFactory, PractitionerFactory
from casework.testing.push import VAPID_SUBJECT, Browser, push_on
from casework.testing.scheduling import NOW, THURSDAY_9, book, bookable_practitioner, england
from casework.testing.tasks import DATABASE_TASKS, run_queued_tasks

FRIDAY_9 = THURSDAY_9 + timedelta(days=1)
Capture = Callable[..., Any]


@pytest.mark.django_db
def test_each_confirmed_appointment_gets_its_reminders(
    session_type: SessionType, client_person: User
) -> None:
    appointment = book(client_person, session_type, FRIDAY_9)
    due = dict(appointment.reminders.values_list("offset_minutes", "due_at"))
    assert due == {24 * 60: FRIDAY_9 - timedelta(hours=24), 60: FRIDAY_9 - timedelta(hours=1)}


@pytest.mark.django_db
@override_settings(BOOKING_REMINDER_OFFSETS=(timedelta(hours=2),))
def test_the_offsets_come_from_the_settings(session_type: SessionType, client_person: User) -> None:
    appointment = book(client_person, session_type, FRIDAY_9)
    assert list(appointment.reminders.values_list("offset_minutes", flat=True)) == [120]


@pytest.mark.django_db
def test_a_due_reminder_is_sent_once_with_the_time_and_a_link_only(
    session_type: SessionType, client_person: User, frozen: Any
) -> None:
    appointment = book(client_person, session_type, FRIDAY_9)
    mail.outbox.clear()
    frozen.move_to(FRIDAY_9 - timedelta(hours=24))
    assert send_due_reminders.call() == 1
    frozen.move_to(FRIDAY_9 - timedelta(hours=1))
    assert send_due_reminders.call() == 1
    reminder = appointment.reminders.get(offset_minutes=60)
    # Another worker, or the same task delivered again: nothing more is sent.
    send_reminder.call(reminder_id=reminder.pk, due=reminder.due_at.isoformat())
    assert send_due_reminders.call() == 0
    reminders = [m for m in mail.outbox if "reminder" in str(m.subject)]
    assert len(reminders) == 4  # two reminders, each to the client and the practitioner
    body = str(reminders[-1].body)
    assert "Reminder: you have an appointment on Friday, 5 June 2026" in body
    assert f"/appointments/{appointment.pk}/" in body
    assert "Robin" not in body
    assert "Amara" not in body
    assert not reminders[-1].attachments


@pytest.mark.django_db
def test_a_moved_or_cancelled_appointment_is_not_reminded_at_the_old_time(
    session_type: SessionType, client_person: User, frozen: Any
) -> None:
    appointment = book(client_person, session_type, FRIDAY_9)
    reminder = appointment.reminders.get(offset_minutes=60)
    old_due = reminder.due_at
    booking.reschedule_appointment(
        appointment=appointment, person=client_person, starts_at=FRIDAY_9 + timedelta(hours=3)
    )
    mail.outbox.clear()
    frozen.move_to(old_due)
    send_reminder.call(reminder_id=reminder.pk, due=old_due.isoformat())
    assert mail.outbox == []
    frozen.move_to(FRIDAY_9 + timedelta(hours=2))
    booking.cancel_appointment(appointment=appointment, person=client_person)
    mail.outbox.clear()
    assert send_due_reminders.call() == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_reminder_the_mail_server_refused_is_sent_once_by_the_relay_not_the_sweep(
    session_type: SessionType, client_person: User, frozen: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    book(client_person, session_type, FRIDAY_9)
    frozen.move_to(FRIDAY_9 - timedelta(hours=1))

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    mail.outbox.clear()
    # The one-hour reminder; the 24-hour one is long past its grace and is not sent late.
    assert send_due_reminders.call() == 1
    monkeypatch.undo()
    assert mail.outbox == []
    # Sealed for the relay: the sweep sends it no more.
    assert send_due_reminders.call() == 0
    frozen.move_to(FRIDAY_9 - timedelta(minutes=58))
    call_command("relay_events")
    call_command("relay_events")
    # (The relay also delivers the booking's events, left waiting by the test's transaction.)
    reminders = [m.subject for m in mail.outbox if "reminder" in str(m.subject)]
    assert reminders == ["[Casework] Appointment reminder"] * 2


@pytest.mark.django_db(transaction=True)
def test_the_database_queue_sends_each_reminder_at_its_time_and_keeps_the_next_free_slot(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    with override_settings(TASKS=DATABASE_TASKS), time_machine.travel(NOW, tick=False) as clock:
        practitioner, session_type = bookable_practitioner(
            practitioner=PractitionerFactory.create(time_zone="Europe/London")
        )
        schedule = PractitionerSchedule.objects.get(practitioner=practitioner)
        # The slot stops being bookable one minute after Thursday 09:00 London minus the 12
        # hours' notice: a refresh is queued for then.
        assert schedule.next_free_at == THURSDAY_9
        refresh_at = THURSDAY_9 - timedelta(hours=12) + timedelta(minutes=1)
        assert schedule.refresh_due_at == refresh_at
        queued = DBTaskResult.objects.filter(task_path__endswith="refresh_next_free_slot")
        assert refresh_at in {row.run_after for row in queued}

        robin = ClientFactory.create(alias="Robin")
        book(robin, session_type, FRIDAY_9, where=england())
        reminders = DBTaskResult.objects.filter(task_path__endswith="send_reminder")
        assert {row.run_after for row in reminders} == {
            FRIDAY_9 - timedelta(hours=24),
            FRIDAY_9 - timedelta(hours=1),
        }
        run_queued_tasks()
        assert [str(m.subject) for m in mail.outbox] == ["[Casework] Appointment booked"] * 2
        mail.outbox.clear()

        clock.move_to(refresh_at)
        run_queued_tasks()
        schedule.refresh_from_db()
        assert schedule.next_free_at == THURSDAY_9 + timedelta(minutes=30)
        assert schedule.refresh_due_at == refresh_at + timedelta(minutes=30)

        clock.move_to(FRIDAY_9 - timedelta(hours=24))
        run_queued_tasks()
        clock.move_to(FRIDAY_9 - timedelta(hours=1))
        run_queued_tasks()
        sent = [m for m in mail.outbox if "reminder" in str(m.subject)]
        assert sorted(m.to[0] for m in sent) == sorted([robin.email, practitioner.email] * 2)


@pytest.mark.django_db(transaction=True)
def test_with_the_embedded_settings_and_no_worker_the_clock_sends_a_due_reminder_once() -> None:
    # The embedded default's queue (casework/settings.py's TASKS) holds each reminder's task
    # for its time; here no worker runs it, and the clock's round must send it, once across
    # two clocks.
    with override_settings(TASKS=DATABASE_TASKS), time_machine.travel(NOW, tick=False) as clock:
        practitioner, session_type = bookable_practitioner(
            practitioner=PractitionerFactory.create(time_zone="Europe/London")
        )
        robin = ClientFactory.create(alias="Robin")
        book(robin, session_type, FRIDAY_9, where=england())
        mail.outbox.clear()

        clock.move_to(FRIDAY_9 - timedelta(hours=1))
        reports = run_due(holder="clock-a") + run_due(holder="clock-b")
        assert ("send_due_reminders", "Sent 1 reminders.") in [
            (job.command, report) for job, report in reports
        ]
        # A minute on, the other clock's turn: nothing is left to send.
        clock.move_to(FRIDAY_9 - timedelta(hours=1) + timedelta(minutes=1))
        run_due(holder="clock-b")
        # The worker starts late and runs the reminder's own task: already sent, not again.
        run_queued_tasks()

        sent = [m for m in mail.outbox if "reminder" in str(m.subject)]
        assert sorted(m.to[0] for m in sent) == sorted([robin.email, practitioner.email])


@pytest.mark.django_db
def test_the_commands_send_due_reminders_and_refresh_every_practitioner(
    session_type: SessionType, client_person: User, frozen: Any, practitioner: User
) -> None:
    book(client_person, session_type, FRIDAY_9)
    PractitionerSchedule.objects.update(next_free_at=None)
    out = io.StringIO()
    call_command("refresh_free_slots", stdout=out)
    assert "of 1 practitioners" in out.getvalue()
    assert PractitionerSchedule.objects.get(practitioner=practitioner).next_free_at == THURSDAY_9
    frozen.move_to(FRIDAY_9 - timedelta(hours=1))
    call_command("send_due_reminders", stdout=out)
    assert "Sent 1 reminders." in out.getvalue()


# Reminders on devices (web push) -----------------------------------------------------------


class PushCalls:
    """Stands in for pywebpush.webpush, where a push leaves the process: records each call and
    answers with ``outcome(endpoint)`` (None for accepted, or an exception to raise)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.outcome: Callable[[str], Exception | None] = lambda endpoint: None

    def __call__(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        failure = self.outcome(kwargs["subscription_info"]["endpoint"])
        if failure is not None:
            raise failure
        return SimpleNamespace(status_code=201)


def refused_with(status: int) -> Exception:
    error: Exception = pywebpush.WebPushException(
        "Push failed", response=SimpleNamespace(status_code=status)
    )
    return error


@pytest.fixture
def pushes(monkeypatch: pytest.MonkeyPatch) -> Iterator[PushCalls]:
    calls = PushCalls()
    monkeypatch.setattr(pywebpush, "webpush", calls)
    with push_on():
        yield calls


def subscribed(person: User, endpoint: str | None = None) -> Browser:
    browser = Browser(endpoint)
    subscribe_to_push(
        person=person, endpoint=browser.endpoint, p256dh=browser.p256dh, auth=browser.auth
    )
    return browser


@pytest.mark.django_db
def test_a_reminder_is_pushed_once_to_each_device_with_the_time_and_a_link_only(
    session_type: SessionType,
    client_person: User,
    practitioner: User,
    frozen: Any,
    pushes: PushCalls,
) -> None:
    phone, laptop = subscribed(client_person), subscribed(client_person)
    office = subscribed(practitioner, "https://updates.push.services.mozilla.com/wpush/v2/gAAA")
    appointment = book(client_person, session_type, FRIDAY_9)
    mail.outbox.clear()
    frozen.move_to(FRIDAY_9 - timedelta(hours=1))
    assert send_due_reminders.call() == 1
    reminder = appointment.reminders.get(offset_minutes=60)
    send_reminder.call(reminder_id=reminder.pk, due=reminder.due_at.isoformat())
    assert send_due_reminders.call() == 0
    assert len([m for m in mail.outbox if "reminder" in str(m.subject)]) == 2

    sent = {call["subscription_info"]["endpoint"]: call for call in pushes.calls}
    assert len(pushes.calls) == 3
    assert set(sent) == {phone.endpoint, laptop.endpoint, office.endpoint}
    link = f"http://127.0.0.1:8000/appointments/{appointment.pk}/"
    # Each in the reader's own zone: Robin keeps UTC, the practitioner works in London.
    assert json.loads(sent[phone.endpoint]["data"]) == {
        "title": "Appointment reminder",
        "body": "Your appointment starts at 08:00 on Friday 5 June (UTC).",
        "url": link,
    }
    assert json.loads(sent[office.endpoint]["data"]) == {
        "title": "Appointment reminder",
        "body": "Your appointment starts at 09:00 on Friday 5 June (United Kingdom).",
        "url": link,
    }
    for endpoint, call in sent.items():
        assert call["subscription_info"]["keys"] in (
            {"p256dh": phone.p256dh, "auth": phone.auth},
            {"p256dh": laptop.p256dh, "auth": laptop.auth},
            {"p256dh": office.p256dh, "auth": office.auth},
        )
        claims = call["vapid_claims"]
        assert claims["sub"] == VAPID_SUBJECT
        assert claims["aud"] == f"https://{endpoint.split('/')[2]}"
        assert claims["exp"] > FRIDAY_9.timestamp() - 3600
        assert call["ttl"] == 3600  # useless once the appointment has begun
        assert call["timeout"] > 0
        for detail in ("Robin", "Amara", session_type.name, "minutes"):
            assert detail not in call["data"]


@pytest.mark.django_db
def test_a_push_in_the_persons_language(
    session_type: SessionType, client_person: User, frozen: Any, pushes: PushCalls
) -> None:
    client_person.language, client_person.time_zone = "es", "America/Bogota"
    client_person.save(update_fields=["language", "time_zone"])
    subscribed(client_person)
    book(client_person, session_type, FRIDAY_9)
    frozen.move_to(FRIDAY_9 - timedelta(hours=1))
    send_due_reminders.call()
    [call] = pushes.calls
    payload = json.loads(call["data"])
    assert payload["title"] == "Recordatorio de cita"
    # Spanish as CLDR writes it: the weekday in lower case, the hour without a leading zero.
    assert "el viernes, 5 de junio a las 3:00 (Colombia)." in payload["body"]


@pytest.mark.django_db
def test_a_failed_push_neither_stops_the_email_nor_sends_anything_twice(
    session_type: SessionType, client_person: User, frozen: Any, pushes: PushCalls
) -> None:
    refused, unreachable = subscribed(client_person), subscribed(client_person)
    book(client_person, session_type, FRIDAY_9)
    mail.outbox.clear()
    failures = {refused.endpoint: refused_with(503), unreachable.endpoint: TimeoutError()}
    pushes.outcome = failures.get
    frozen.move_to(FRIDAY_9 - timedelta(hours=1))
    assert send_due_reminders.call() == 1
    assert len(pushes.calls) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["robin@example.org", "amara@example.org"]
    )
    assert Reminder.objects.get(offset_minutes=60).sent_at is not None
    # Neither the email nor the push goes again.
    assert send_due_reminders.call() == 0
    assert len(pushes.calls) == 2
    assert len(mail.outbox) == 2
    assert PushSubscription.objects.filter(failure_count=1).count() == 2


@pytest.mark.django_db
def test_a_device_the_push_service_calls_gone_is_forgotten_and_the_email_still_goes(
    session_type: SessionType, client_person: User, frozen: Any, pushes: PushCalls
) -> None:
    gone, kept = subscribed(client_person), subscribed(client_person)
    book(client_person, session_type, FRIDAY_9)
    mail.outbox.clear()
    pushes.outcome = {gone.endpoint: refused_with(410)}.get
    frozen.move_to(FRIDAY_9 - timedelta(hours=1))
    assert send_due_reminders.call() == 1
    assert [s.endpoint for s in PushSubscription.objects.all()] == [kept.endpoint]
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_refused_email_is_sent_once_by_the_relay_and_the_push_goes_once(
    session_type: SessionType,
    client_person: User,
    frozen: Any,
    pushes: PushCalls,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    subscribed(client_person)
    book(client_person, session_type, FRIDAY_9)
    frozen.move_to(FRIDAY_9 - timedelta(hours=1))

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError("mail server down")

    with monkeypatch.context() as mail_down:
        mail_down.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
        assert send_due_reminders.call() == 1
    # The email is kept sealed for the relay, so the reminder is done: the push goes now.
    assert len(pushes.calls) == 1
    assert send_due_reminders.call() == 0
    mail.outbox.clear()
    frozen.move_to(FRIDAY_9 - timedelta(minutes=58))
    call_command("relay_events")
    call_command("relay_events")
    assert [m.subject for m in mail.outbox if "reminder" in str(m.subject)] == [
        "[Casework] Appointment reminder"
    ] * 2
    assert len(pushes.calls) == 1


@pytest.mark.django_db
def test_a_refused_second_email_is_sent_once_by_the_relay_and_the_first_not_again(
    session_type: SessionType,
    client_person: User,
    practitioner: User,
    frozen: Any,
    pushes: PushCalls,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    subscribed(client_person)
    book(client_person, session_type, FRIDAY_9)
    frozen.move_to(FRIDAY_9 - timedelta(hours=1))
    mail.outbox.clear()
    real_send = mail.EmailMultiAlternatives.send

    def refuse_the_practitioner(message: Any, *args: Any, **kwargs: Any) -> int:
        if practitioner.email in message.to:
            raise ConnectionRefusedError("mailbox unavailable")
        sent: int = real_send(message, *args, **kwargs)
        return sent

    with monkeypatch.context() as mail_half_down:
        mail_half_down.setattr(
            "django.core.mail.EmailMultiAlternatives.send", refuse_the_practitioner
        )
        assert send_due_reminders.call() == 1
    assert [message.to for message in mail.outbox] == [[client_person.email]]
    assert send_due_reminders.call() == 0
    frozen.move_to(FRIDAY_9 - timedelta(minutes=58))
    call_command("relay_events")
    call_command("relay_events")
    # The client is not reminded twice; the practitioner now is; the push goes once.
    reminders = [m.to for m in mail.outbox if "reminder" in str(m.subject)]
    assert reminders == [[client_person.email], [practitioner.email]]
    assert len(pushes.calls) == 1
