"""Outgoing web push, the same way as email (``casework/emails.py``): through the task queue,
one record per notice and device (``PushDelivery``: kind, times, outcome, never the content).

``queue_push`` is called where the notice is composed, in the reader's language and time zone
(the worker, from ids). It seals the title, body and link by the vault into one delivery per
device the person subscribed, and the task queue gets only that row's id. The worker opens it,
posts it and empties it, so no content stays in clear in the queue's table or anywhere else.
A notice queued again (a retry of whatever queued it) finds its deliveries and pushes nothing
twice. A failed push is tried again by ``send_waiting_pushes`` (the relay process) until it
expires; a device its push service calls gone is forgotten.

A push carries what a locked screen may show: a title, a line such as the time, and a link to
this site; nothing else goes in (``queue_push`` refuses a link elsewhere).
"""

import json
import math
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from casework.accounts import push, services
from casework.accounts.models import PushSubscription, User
from casework.events.models import PushDelivery
from casework.vault import sealed_text
from casework.vault.errors import VaultError

PURPOSE = "outgoing-push"
# A push is posted at most this many times; after that the email (always sent too) suffices.
MOST_ATTEMPTS = 5
Outcome = PushDelivery.Outcome


def _context(delivery_id: uuid.UUID | str) -> str:
    return f"pushes.delivery:{uuid.UUID(str(delivery_id))}"


def queue_push(
    person: User,
    *,
    kind: str,
    notice: str,
    title: str,
    body: str,
    url: str,
    expires_at: datetime,
) -> int:
    """Queue ``title``, ``body`` and a link to ``url`` for each of the person's devices, unless
    this ``notice`` was queued for that device already; the number newly queued."""
    if not url.startswith(f"{settings.SITE_URL}/"):
        raise ValueError("a push links only to this site")
    if not push.push_enabled():
        return 0
    message = json.dumps({"title": title, "body": body, "url": url}, ensure_ascii=False)
    queued = []
    with transaction.atomic():
        for subscription in PushSubscription.objects.filter(person=person).order_by("created_at"):
            delivery_id = uuid.uuid4()
            delivery, created = PushDelivery.objects.get_or_create(
                notice=notice,
                subscription=subscription,
                defaults={
                    "id": delivery_id,
                    "kind": kind,
                    "sealed": sealed_text.seal_text(
                        message.encode(), purpose=PURPOSE, context=_context(delivery_id)
                    ),
                    "created_at": timezone.now(),
                    "expires_at": expires_at,
                },
            )
            if created:
                queued.append(delivery.pk)
        for delivery_id in queued:
            send_sealed_push.enqueue(delivery_id=str(delivery_id))
    return len(queued)


@task()
def send_sealed_push(*, delivery_id: str) -> None:
    with transaction.atomic():
        delivery = (
            # Only the delivery is locked: PostgreSQL locks no row of an outer join's nullable
            # side (the subscription, gone once the device is).
            PushDelivery.objects.select_for_update(of=("self",))
            .filter(pk=delivery_id, outcome__in=[Outcome.WAITING, Outcome.FAILED])
            .select_related("subscription")
            .first()
        )
        if delivery is None:
            return  # finished already (a task delivered twice)
        now = timezone.now()
        subscription = delivery.subscription
        if subscription is None:
            _finish(delivery, Outcome.DROPPED)  # the device was unsubscribed meanwhile
            return
        if delivery.expires_at <= now:
            _finish(delivery, Outcome.EXPIRED)
            return
        try:
            opened: dict[str, Any] = json.loads(
                sealed_text.open_text(delivery.sealed, context=_context(delivery.pk))
            )
        except VaultError:
            _finish(delivery, Outcome.EXPIRED, failure="unreadable")
            return
        ttl = math.ceil((delivery.expires_at - now).total_seconds())
        delivery.attempts += 1
        result = push.push_to(subscription, json.dumps(opened, ensure_ascii=False), ttl=ttl)
        if result.outcome is push.Outcome.ACCEPTED:
            delivery.sent_at = now
            _finish(delivery, Outcome.SENT)
        elif result.outcome is push.Outcome.FAILED:
            # Kept sealed for the next try, unless that was the last one.
            if delivery.attempts >= MOST_ATTEMPTS:
                _finish(delivery, Outcome.EXPIRED, failure=result.failure)
                return
            delivery.outcome = Outcome.FAILED
            delivery.last_failure = result.failure
            delivery.save(update_fields=["outcome", "attempts", "last_failure"])
        else:
            # Gone or unreadable: the device can never be reached again.
            _finish(delivery, Outcome.DROPPED, failure=result.failure or result.outcome.value)
            services.remove_push_subscription(subscription=subscription, why=result.outcome.value)


def _finish(delivery: PushDelivery, outcome: str, *, failure: str = "") -> None:
    delivery.outcome = outcome
    delivery.sealed = ""
    delivery.last_failure = failure[:40] or delivery.last_failure
    delivery.save(update_fields=["outcome", "sealed", "attempts", "last_failure", "sent_at"])


def send_waiting_pushes(*, older_than: timedelta = timedelta(minutes=1)) -> int:
    """Queue again every push not sent yet (its task lost, or its post failed) and not
    expired; the number queued. Safe beside the worker: a push is posted under its row lock."""
    now = timezone.now()
    waiting = PushDelivery.objects.filter(
        outcome__in=[Outcome.WAITING, Outcome.FAILED], created_at__lte=now - older_than
    )
    ids = list(waiting.values_list("pk", flat=True)[:500])
    for delivery_id in ids:
        send_sealed_push.enqueue(delivery_id=str(delivery_id))
    return len(ids)
