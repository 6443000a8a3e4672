"""Telling a regulator's own system of every status or condition change on the platform.

Each regulator may have one webhook (an address and a secret an administrator configures).
The notification is JSON with ids and words only (the registration, the change, the status
and conditions the public sees): never a reason, a complaint or a name beyond the register's.
It is signed like Stripe's and GitHub's: ``Casework-Signature: t=<unix time>,v1=<hex>``, where
the hex is HMAC-SHA256 under the secret of ``"<t>.<body>"``; the receiver recomputes it,
compares in constant time and refuses old timestamps. Delivery runs as a reaction of the
outbox, so a receiver that is down or answers an error is tried again with backoff
(``casework/events/relay.py``); ``Casework-Notification`` is the same on every try.
"""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.events.catalogue import RegistrationOrderChanged
from casework.oversight.models import RegulatorWebhook, WebhookDelivery
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.registry.models import PlatformRestriction, RegisterEntry, Regulator
from casework.registry.standing import suspended_on_platform
from casework.vault import sealed_text

PURPOSE = "regulator-webhooks"
TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "Casework-Signature"


class WebhookRefused(Exception):
    """The receiver did not accept the notification (the outbox tries again)."""


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
    """What the regulator's system is told: the registration as the platform now shows it."""
    entry = (
        RegisterEntry.objects.select_related("regulator")
        .annotate(suspended_here=suspended_on_platform())
        .filter(pk=event.entry_id)
        .first()
    )
    if entry is None:
        return None
    conditions = (
        PlatformRestriction.objects.filter(
            entry=entry, kind=PlatformRestriction.Kind.CONDITIONS, lifted_at__isnull=True
        )
        .values_list("conditions", flat=True)
        .first()
    )
    order = event.restriction_id or f"import-{event.register_import_id}"
    return {
        "id": f"{event.change}:{event.entry_id}:{order}",
        "type": f"registration.{event.change}",
        "regulator": entry.regulator.slug,
        "registration_number": entry.registration_number,
        "register_status": entry.status,
        "listing": "suspended" if entry.suspended_here else "active",
        "conditions_on_platform": conditions or "",
        "occurred_at": timezone.now().isoformat(),
    }


def notify_regulator(event: RegistrationOrderChanged) -> None:
    """The reaction: post the signed notification; raise when it was not accepted."""
    webhook = RegulatorWebhook.objects.filter(regulator_id=event.regulator_id, active=True).first()
    if webhook is None:
        return
    payload = notification(event)
    if payload is None:
        return
    if WebhookDelivery.objects.filter(webhook=webhook, notification_id=payload["id"]).exists():
        return
    secret = sealed_text.open_text(webhook.sealed_secret, context=_context(event.regulator_id))
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    request = urllib.request.Request(  # noqa: S310  (the address is checked when configured)
        webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Casework-Webhook/1",
            "Casework-Notification": payload["id"],
            SIGNATURE_HEADER: sign(secret, int(time.time()), body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as error:
        raise WebhookRefused(f"HTTP {error.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise WebhookRefused(type(error).__name__) from None
    WebhookDelivery.objects.create(
        webhook=webhook,
        notification_id=payload["id"],
        change=event.change,
        status_code=status,
        delivered_at=timezone.now(),
    )
