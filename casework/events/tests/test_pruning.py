"""The outbox forgets what it no longer needs after the retention period, and never work not
done: an undelivered event, an email or a push still to be sent."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from casework.emails import deliver_email
from casework.events.catalogue import ConversationClosed
from casework.events.models import EmailDelivery, OutboxEvent, PushDelivery, Reaction
from casework.events.outbox import emit

OnCommit = Callable[..., AbstractContextManager[Any]]
THEN = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
NOBODYS = "0" * 32  # a conversation that does not exist: its event has no one to tell


def _prune() -> str:
    out = StringIO()
    call_command("prune_outbox", stdout=out)
    return out.getvalue()


def _refuse(*args: object, **kwargs: object) -> int:
    raise ConnectionRefusedError("mail server down")


def _push(outcome: str) -> PushDelivery:
    return PushDelivery.objects.create(
        kind="scheduling.reminder",
        notice=f"test:{outcome}",
        created_at=timezone.now(),
        expires_at=timezone.now() + timedelta(hours=1),
        outcome=outcome,
        sealed="v2:sealed" if outcome in ("waiting", "failed") else "",
    )


@pytest.mark.django_db
@override_settings(OUTBOX_RETENTION_DAYS=30)
def test_delivered_events_and_finished_deliveries_go_after_the_retention_and_waiting_ones_stay(
    django_capture_on_commit_callbacks: OnCommit, monkeypatch: pytest.MonkeyPatch
) -> None:
    with time_machine.travel(THEN, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            delivered = emit(ConversationClosed(conversation_id=NOBODYS))
            Reaction.objects.create(event=delivered, subscriber="test.done", done_at=THEN)
        with django_capture_on_commit_callbacks(execute=False):
            undelivered = emit(ConversationClosed(conversation_id=NOBODYS))
        deliver_email.enqueue(to=["river@example.org"], subject="Sent", body="b")
        with monkeypatch.context() as mail_down:
            mail_down.setattr("django.core.mail.EmailMultiAlternatives.send", _refuse)
            deliver_email.enqueue(to=["river@example.org"], subject="Not sent", body="b")
        pushes = {outcome: _push(outcome) for outcome in PushDelivery.Outcome.values}
    with time_machine.travel(THEN + timedelta(days=29), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            recent = emit(ConversationClosed(conversation_id=NOBODYS))
        # Within the retention period nothing goes.
        assert _prune() == "0 events, 0 emails and 0 pushes removed from the outbox\n"

    with time_machine.travel(THEN + timedelta(days=31), tick=False):
        assert _prune() == "1 events, 1 emails and 3 pushes removed from the outbox\n"
        assert _prune() == "0 events, 0 emails and 0 pushes removed from the outbox\n"

    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {undelivered.pk, recent.pk}
    assert not Reaction.objects.filter(event_id=delivered.pk).exists()
    assert list(EmailDelivery.objects.values_list("outcome", flat=True)) == ["failed"]
    assert set(PushDelivery.objects.values_list("pk", flat=True)) == {
        pushes["waiting"].pk,
        pushes["failed"].pk,
    }
    # Undelivered, however old: still there after a year.
    with time_machine.travel(THEN + timedelta(days=365), tick=False):
        _prune()
    assert OutboxEvent.objects.filter(pk=undelivered.pk, delivered_at__isnull=True).exists()
    assert EmailDelivery.objects.filter(outcome="failed").exists()
