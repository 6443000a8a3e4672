"""Outgoing email, always delivered by the task queue so a slow mail server never holds a page.

Two ways in, one record of what was sent (``EmailDelivery``: kind, time, outcome, never the
body):

- ``send_email``: a message rendered where it happened (an account email, whose link holds a
  token the worker cannot make again) is sealed by the vault into the delivery row, and the
  task queue gets only that row's id. The worker opens it, sends it and empties it, so no body
  or link stays in clear in the queue's table or anywhere else.
- ``send_now``: a notice the worker composes itself from ids, at send time, in the recipient's
  language and time zone (appointments, care, reminders), is sent at once and recorded.

Emails carry no confidential content: notifications say that something happened, not what.
"""

import json
import logging
import uuid
from datetime import timedelta
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResult

from casework.events.models import EmailDelivery
from casework.vault import sealed_text
from casework.vault.errors import VaultError

logger = logging.getLogger(__name__)

PURPOSE = "outgoing-email"


def delivery_context(delivery_id: uuid.UUID | str) -> str:
    return f"emails.delivery:{uuid.UUID(str(delivery_id))}"


def send_email(
    *,
    to: list[str],
    subject: str,
    body: str,
    html: str = "",
    attachments: list[tuple[str, str, str]] | None = None,
    kind: str = "email",
) -> TaskResult[None]:
    """Seal the message and queue its sending; ``attachments`` are (name, text, mime type)."""
    delivery_id = uuid.uuid4()
    message = {
        "to": to,
        "subject": subject,
        "body": body,
        "html": html,
        "attachments": attachments or [],
    }
    sealed = sealed_text.seal_text(
        json.dumps(message).encode(), purpose=PURPOSE, context=delivery_context(delivery_id)
    )
    with transaction.atomic():
        EmailDelivery.objects.create(
            id=delivery_id,
            kind=kind,
            sealed=sealed,
            recipients=len(to),
            created_at=timezone.now(),
        )
        return send_sealed_email.enqueue(delivery_id=str(delivery_id))


@task()
def send_sealed_email(*, delivery_id: str) -> None:
    with transaction.atomic():
        delivery = (
            EmailDelivery.objects.select_for_update()
            .filter(pk=delivery_id)
            .exclude(outcome=EmailDelivery.Outcome.SENT)
            .first()
        )
        if delivery is None:
            return  # sent already (a task delivered twice)
        try:
            opened: dict[str, Any] = json.loads(
                sealed_text.open_text(delivery.sealed, context=delivery_context(delivery.pk))
            )
        except VaultError:
            # It can never be read (its key is gone): given up, not tried again every minute.
            delivery.outcome = EmailDelivery.Outcome.FAILED
            delivery.last_failure = "unreadable"
            delivery.sealed = ""
            delivery.save(update_fields=["outcome", "last_failure", "sealed"])
            return
        message = EmailMultiAlternatives(
            subject=opened["subject"], body=opened["body"], to=opened["to"]
        )
        if opened["html"]:
            message.attach_alternative(opened["html"], "text/html")
        for name, content, mimetype in opened["attachments"]:
            message.attach(name, content, mimetype)
        delivery.attempts += 1
        try:
            message.send()
        except Exception as error:
            # Kept sealed for the next try; the failure by its class only (the text may quote
            # an address).
            logger.warning("email %s not sent (%s)", delivery.pk, type(error).__name__)
            delivery.outcome = EmailDelivery.Outcome.FAILED
            delivery.last_failure = type(error).__name__[:60]
            delivery.save(update_fields=["outcome", "attempts", "last_failure"])
            return
        delivery.outcome = EmailDelivery.Outcome.SENT
        delivery.sent_at = timezone.now()
        delivery.sealed = ""
        delivery.save(update_fields=["outcome", "attempts", "sent_at", "sealed"])


def send_now(message: EmailMultiAlternatives, *, kind: str) -> None:
    """Send a notice composed in the worker and record the outcome; raises when it failed, so
    that the caller's own retry (a reminder's sweep, say) tries again."""
    delivery = EmailDelivery.objects.create(
        kind=kind, recipients=len(message.to), created_at=timezone.now(), attempts=1
    )
    try:
        message.send()
    except Exception as error:
        EmailDelivery.objects.filter(pk=delivery.pk).update(
            outcome=EmailDelivery.Outcome.FAILED, last_failure=type(error).__name__[:60]
        )
        raise
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        outcome=EmailDelivery.Outcome.SENT, sent_at=timezone.now()
    )


def send_waiting(*, older_than: timedelta = timedelta(minutes=1)) -> int:
    """Queue again every email not sent yet (its task lost, or its send failed); the number
    queued. Safe beside the worker: an email is sent once, under its row lock."""
    # Only sealed ones: a notice composed at send time is retried by its own sweep.
    waiting = (
        EmailDelivery.objects.exclude(outcome=EmailDelivery.Outcome.SENT)
        .exclude(sealed="")
        .filter(created_at__lte=timezone.now() - older_than)
    )
    ids = list(waiting.values_list("pk", flat=True)[:500])
    for delivery_id in ids:
        send_sealed_email.enqueue(delivery_id=str(delivery_id))
    return len(ids)


class _DeliverEmail:
    """``deliver_email.enqueue(to=..., subject=..., body=..., html=...)``, as before the vault
    sealed outgoing email: the same call, now through ``send_email``."""

    def enqueue(
        self, *, to: list[str], subject: str, body: str, html: str = ""
    ) -> TaskResult[None]:
        return send_email(to=to, subject=subject, body=body, html=html)


deliver_email = _DeliverEmail()
