"""Telling a regulator's own system of every status or condition change on the platform.

Each regulator may have one webhook (an address and a secret an administrator configures).
The notification is JSON with ids and words only (the registration, the change, the status
and conditions the public sees): never a reason, a complaint, a message or a name. It is
signed like Stripe's and GitHub's: ``Casework-Signature: t=<unix time>,v1=<hex>``, where the
hex is HMAC-SHA256 under the secret of ``"<t>.<body>"``; the receiver recomputes it, compares
in constant time and refuses old timestamps. ``Casework-Notification`` is the same on every
try (the receiver's key against duplicates); ``Casework-Attempt`` counts the tries.

Sending is two steps, so that no call to another system happens inside a transaction or under
a row lock:

1. The outbox's reaction to ``RegistrationOrderChanged`` (``reactions.notify_regulator``)
   writes a ``WebhookDelivery`` with the payload (``record_notification``), in the event's
   transaction, and asks the task queue to send it once that commits.
2. The task (``tasks.deliver_webhook`` -> ``attempt_delivery``) takes the delivery in a short
   transaction, counts the try and sets the next one (the lease: a worker that dies mid-call
   leaves it to be tried again then), commits, and only then posts. The answer is written in a
   second short transaction: delivered on any 2xx; otherwise failed, to be tried again after a
   growing wait (``retry_after``), and given up after ``MOST_ATTEMPTS`` tries.
   ``tasks.send_waiting_webhooks`` (the clock's periodic round) queues again every delivery
   whose next try is due (``due_deliveries``), so a lost task or a failed try is never
   forgotten.

This module only records and sends; queueing is the task module's, which imports this one.
"""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.events.catalogue import RegistrationOrderChanged
from casework.oversight.models import RegulatorWebhook, WebhookDelivery
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.registry.models import RegisterEntry, Regulator
from casework.registry.standing import platform_orders, with_platform_orders
from casework.vault import sealed_text

PURPOSE = "regulator-webhooks"
TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "Casework-Signature"
# After the n-th failed try, wait 30 s times 2^(n-1), at most six hours; after the last try
# (about two days of trying) the delivery is given up, and the portal says so.
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=6)
MOST_ATTEMPTS = 15
Status = WebhookDelivery.Status
DUE = (Status.WAITING, Status.FAILED)
# The keys a notification may carry: a test holds every payload to this list.
PAYLOAD_KEYS = frozenset(
    {
        "id",
        "type",
        "regulator",
        "registration_number",
        "register_status",
        "listing",
        "conditions_on_platform",
        "occurred_at",
    }
)


def retry_after(attempts: int) -> timedelta:
    wait: timedelta = FIRST_RETRY * 2 ** max(attempts - 1, 0)
    return min(wait, LONGEST_RETRY)


def _context(regulator_id: int) -> str:
    return f"oversight.regulatorwebhook:{regulator_id}"


def configure_webhook(
    *, regulator: Regulator, url: str, secret: str, actor: Any, active: bool = True
) -> RegulatorWebhook:
    """Set a regulator's webhook (an administrator's act, audited; the secret sealed)."""
    local = not settings.PRODUCTION and url.startswith("http://127.0.0.1")
    if not url.startswith("https://") and not local:
        raise ValidationError(_("The address must start with https://."))
    if len(secret) < 24:
        raise ValidationError(_("The secret must be at least 24 characters."))
    with transaction.atomic():
        webhook, _created = RegulatorWebhook.objects.update_or_create(
            regulator=regulator,
            defaults={
                "url": url,
                "active": active,
                "sealed_secret": sealed_text.seal_text(
                    secret.encode(), purpose=PURPOSE, context=_context(regulator.pk)
                ),
            },
        )
        record_event(
            action=actions.OVERSIGHT_WEBHOOK_CONFIGURED,
            actor=actor,
            target=webhook,
            detail={"regulator": regulator.slug, "active": active},
        )
    return webhook


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def notification(event: RegistrationOrderChanged) -> dict[str, Any] | None:
    """What the regulator's system is told: the registration as the platform shows it when
    the change happens. Only ids and public words: the conditions are those the public
    verification page shows; the officer's reason, complaints and names never go."""
    entry = (
        with_platform_orders(RegisterEntry.objects.select_related("regulator"))
        .filter(pk=event.entry_id)
        .first()
    )
    if entry is None:
        return None
    orders = platform_orders(entry)
    order = event.restriction_id or f"import-{event.register_import_id}"
    return {
        "id": f"{event.change}:{event.entry_id}:{order}",
        "type": f"registration.{event.change}",
        "regulator": entry.regulator.slug,
        "registration_number": entry.registration_number,
        "register_status": entry.status,
        "listing": "suspended" if orders.suspended else "active",
        "conditions_on_platform": orders.conditions,
        "occurred_at": timezone.now().isoformat(),
    }


def record_notification(event: RegistrationOrderChanged) -> tuple[WebhookDelivery, bool] | None:
    """Record the notification to send, once per webhook and change: the delivery and whether
    it is new (like ``get_or_create``), or None when there is nothing to tell. No call from
    here; the caller queues the new delivery's first try."""
    webhook = RegulatorWebhook.objects.filter(regulator_id=event.regulator_id, active=True).first()
    if webhook is None:
        return None
    payload = notification(event)
    if payload is None:
        return None
    now = timezone.now()
    return WebhookDelivery.objects.get_or_create(
        webhook=webhook,
        notification_id=payload["id"],
        defaults={
            "change": event.change,
            "payload": payload,
            "status": Status.WAITING,
            "created_at": now,
            "next_attempt_at": now,
        },
    )


def _record(delivery_id: int, **fields: Any) -> None:
    WebhookDelivery.objects.filter(pk=delivery_id).update(**fields)


def attempt_delivery(delivery_id: int, *, now: datetime | None = None) -> str:
    """One try at sending a delivery whose time has come; the status it is left in, or ""
    when there was nothing to do (sent already, not due yet, or another worker holds it)."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("webhook")
            .filter(pk=delivery_id, status__in=DUE, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return ""
        webhook = delivery.webhook
        if not webhook.active:
            _record(delivery.pk, status=Status.GAVE_UP, next_attempt_at=None, last_failure="off")
            return str(Status.GAVE_UP)
        # Counted and put off before the call: the lease of this try.
        delivery.attempts += 1
        delivery.next_attempt_at = now + retry_after(delivery.attempts)
        delivery.save(update_fields=["attempts", "next_attempt_at"])
    # Committed: the call holds no lock and no transaction.
    secret = sealed_text.open_text(webhook.sealed_secret, context=_context(webhook.regulator_id))
    code, failure = post_signed(
        webhook.url,
        delivery.payload,
        secret=secret,
        notification_id=delivery.notification_id,
        attempt=delivery.attempts,
    )
    if not failure:
        _record(
            delivery.pk,
            status=Status.DELIVERED,
            last_response_code=code,
            last_failure="",
            delivered_at=timezone.now(),
            next_attempt_at=None,
        )
        return str(Status.DELIVERED)
    last = delivery.attempts >= MOST_ATTEMPTS
    _record(
        delivery.pk,
        status=Status.GAVE_UP if last else Status.FAILED,
        last_response_code=code,
        last_failure=failure[:40],
        next_attempt_at=None if last else delivery.next_attempt_at,
    )
    return str(Status.GAVE_UP if last else Status.FAILED)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """The receiver answers at the address configured: a redirect is its answer, not followed
    (the notification goes nowhere the administrator did not set)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post_signed(
    url: str, payload: dict[str, Any], *, secret: bytes, notification_id: str, attempt: int
) -> tuple[int | None, str]:
    """POST the signed payload: the answer's HTTP status (None when none came) and, unless it
    was a 2xx, why it was not accepted, by class only (never the answer's body)."""
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    request = urllib.request.Request(  # noqa: S310  (the address is checked when configured)
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Casework-Webhook/1",
            "Casework-Notification": notification_id,
            "Casework-Attempt": str(attempt),
            SIGNATURE_HEADER: sign(secret, int(time.time()), body),
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            code = int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code), f"HTTP {error.code}"
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
        return None, type(error).__name__
    return code, "" if 200 <= code < 300 else f"HTTP {code}"


def due_deliveries(now: datetime, *, most: int = 500) -> list[int]:
    """The deliveries whose next try is due (their task lost, or their last try failed),
    soonest first."""
    return list(
        WebhookDelivery.objects.filter(status__in=DUE, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:most]
    )


def deliveries_of(regulator: Regulator) -> QuerySet[WebhookDelivery]:
    """The regulator's deliveries, newest first, for its officers in the portal."""
    return WebhookDelivery.objects.filter(webhook__regulator=regulator).order_by(
        "-created_at", "-pk"
    )
