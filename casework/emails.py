"""Outgoing email, always delivered by the task queue so a slow mail server never holds a page.

Two ways in, one record of each email (``EmailDelivery``: kind, times, outcome), which holds
the message sealed by the vault until it is sent, then only its outcome, never the body:

- ``send_email``: a message rendered where it happened (an account email, whose link holds a
  token the worker cannot make again) is sealed into the delivery row, and the task queue gets
  only that row's id. The worker opens it, sends it and empties it, so no body or link stays in
  clear in the queue's table or anywhere else.
- ``queue_notice``: a notice composed from ids where its event is delivered (a reaction in the
  relay's transaction), in the recipient's language and time zone, is sealed into its row in
  that same transaction: a relay killed while composing leaves the event undelivered, so the
  notice is composed again, never lost and never recorded twice.
- ``send_now``: a notice a sweep composes at its time (a reminder) is sealed into its row the
  same way and sent at once by the same worker.

Either way an email is sent by whoever claims its row: a conditional UPDATE from waiting or
failed to sending (or from a sending claim older than ``CLAIM_LEASE``, a dead worker's), so two
workers never both send it. The claim commits before the mail server is asked, so a worker
killed while sending leaves a claim that expires rather than a row lock that hides the email.
``send_waiting`` (the relay's round, every 10 s) queues again every email failed, lost or
abandoned; each is sent once.

Emails carry no confidential content: notifications say that something happened, not what.
"""

import base64
import json
import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResult

from casework.events.models import EmailDelivery
from casework.vault import sealed_text
from casework.vault.errors import VaultError

logger = logging.getLogger(__name__)

PURPOSE = "outgoing-email"
# Far longer than a send can take (EMAIL_TIMEOUT is 20 s): a claim this old is a dead worker's.
CLAIM_LEASE = timedelta(minutes=10)
Outcome = EmailDelivery.Outcome


def delivery_context(delivery_id: uuid.UUID | str) -> str:
    return f"emails.delivery:{uuid.UUID(str(delivery_id))}"


def _seal(delivery_id: uuid.UUID, message: dict[str, Any]) -> str:
    return sealed_text.seal_text(
        json.dumps(message).encode(), purpose=PURPOSE, context=delivery_context(delivery_id)
    )


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
    return _record(delivery_id, message, kind=kind)


def queue_notice(message: EmailMultiAlternatives, *, kind: str) -> TaskResult[None]:
    """Seal a composed notice into its delivery row, in the caller's transaction (the relay's,
    for a reaction), and queue its sending with it."""
    return _record(uuid.uuid4(), _message_to_seal(message), kind=kind)


def _record(delivery_id: uuid.UUID, message: dict[str, Any], *, kind: str) -> TaskResult[None]:
    sealed = _seal(delivery_id, message)
    with transaction.atomic():
        EmailDelivery.objects.create(
            id=delivery_id,
            kind=kind,
            sealed=sealed,
            recipients=len(message["to"]),
            created_at=timezone.now(),
        )
        return send_sealed_email.enqueue(delivery_id=str(delivery_id))


def _claimable(now: datetime) -> Q:
    return Q(outcome__in=[Outcome.WAITING, Outcome.FAILED]) | Q(
        outcome=Outcome.SENDING, claimed_at__lte=now - CLAIM_LEASE
    )


@task()
def send_sealed_email(*, delivery_id: str) -> None:
    now = timezone.now()
    claimed = (
        EmailDelivery.objects.filter(_claimable(now), pk=delivery_id)
        .exclude(sealed="")
        .update(outcome=Outcome.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if claimed != 1:
        return  # sent already, or being sent by another worker (a task delivered twice)
    delivery = EmailDelivery.objects.get(pk=delivery_id)
    try:
        opened: dict[str, Any] = json.loads(
            sealed_text.open_text(delivery.sealed, context=delivery_context(delivery.pk))
        )
    except VaultError:
        # It can never be read (its key is gone): given up, not tried again every minute.
        EmailDelivery.objects.filter(pk=delivery.pk).update(
            outcome=Outcome.FAILED, last_failure="unreadable", sealed="", claimed_at=None
        )
        return
    _send_claimed(delivery.pk, _message_from(opened))


def _send_claimed(delivery_id: uuid.UUID, message: EmailMultiAlternatives) -> bool:
    """Send an email this worker has claimed and record the outcome; True when it went out."""
    try:
        message.send()
    except Exception as error:
        # Kept sealed for the next try; the failure by its class only (the text may quote an
        # address).
        logger.warning("email %s not sent (%s)", delivery_id, type(error).__name__)
        EmailDelivery.objects.filter(pk=delivery_id).update(
            outcome=Outcome.FAILED, last_failure=type(error).__name__[:60], claimed_at=None
        )
        return False
    EmailDelivery.objects.filter(pk=delivery_id).update(
        outcome=Outcome.SENT, sent_at=timezone.now(), sealed="", claimed_at=None
    )
    return True


def _message_to_seal(message: EmailMultiAlternatives) -> dict[str, Any]:
    html = next(
        (str(content) for content, mimetype in message.alternatives if mimetype == "text/html"),
        "",
    )
    attachments: list[list[str]] = []
    for attachment in message.attachments:
        if not isinstance(attachment, tuple):
            raise TypeError("a notice's attachments are (name, content, mime type)")
        name, content, mimetype = attachment
        if isinstance(content, bytes):
            attachments.append([name, base64.b64encode(content).decode(), mimetype, "base64"])
        else:
            attachments.append([name, str(content), mimetype])
    return {
        "to": list(message.to),
        "subject": str(message.subject),
        "body": str(message.body),
        "html": html,
        "attachments": attachments,
        "from_email": message.from_email,
        "headers": dict(message.extra_headers),
    }


def _message_from(opened: dict[str, Any]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=opened["subject"],
        body=opened["body"],
        to=opened["to"],
        from_email=opened.get("from_email"),
        headers=opened.get("headers") or None,
    )
    if opened["html"]:
        message.attach_alternative(opened["html"], "text/html")
    for name, content, mimetype, *encoding in opened["attachments"]:
        data = base64.b64decode(content) if encoding == ["base64"] else content
        message.attach(name, data, mimetype)
    return message


def send_now(message: EmailMultiAlternatives, *, kind: str, kept: bool = True) -> bool:
    """Send a notice composed in the worker, sealed into its delivery row first, so that a
    failed send (or a worker killed while sending) is sent again by ``send_waiting``, once.
    True when it went out now; raises only when it could not be recorded (the vault refused),
    so that the caller's own retry (a reminder's sweep, say) tries again. ``kept=False`` keeps
    nothing to send again (an erasure report: its address must not outlive the erasure)."""
    delivery_id = uuid.uuid4()
    sealed = _seal(delivery_id, _message_to_seal(message)) if kept else ""
    now = timezone.now()
    # Created claimed by this worker: nobody else sends it before the lease runs out.
    EmailDelivery.objects.create(
        id=delivery_id,
        kind=kind,
        sealed=sealed,
        recipients=len(message.to),
        created_at=now,
        outcome=Outcome.SENDING,
        claimed_at=now,
        attempts=1,
    )
    return _send_claimed(delivery_id, message)


def send_waiting(*, older_than: timedelta = timedelta(minutes=1)) -> int:
    """Queue again every email not sent yet (its task lost, its send failed, or its worker died
    while sending); the number queued. Safe beside the worker: an email is sent by the one
    worker that claims it."""
    now = timezone.now()
    waiting = EmailDelivery.objects.exclude(sealed="").filter(
        Q(outcome__in=[Outcome.WAITING, Outcome.FAILED], created_at__lte=now - older_than)
        | Q(outcome=Outcome.SENDING, claimed_at__lte=now - CLAIM_LEASE)
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
