"""Delivering events to their subscribers, at least once, each reaction exactly once.

One event is delivered in one transaction that locks its outbox row (skipping a row another
relay holds, on PostgreSQL). Each reaction runs in a savepoint together with the insert of its
``Reaction`` record (unique on event and subscriber): a reaction that fails is rolled back alone
and tried again later; a relay that dies mid-way rolls everything back, so a fresh relay does
every reaction once. Reactions only write to the database (including queuing tasks in the
database task queue), so their effects commit or vanish with the record that says they are done.
Live announcements are the exception: they are sent to the channel layer as they run, and may
be sent twice, which costs an open page nothing (it reads the database again).
"""

import logging
import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from casework.events.catalogue import KINDS
from casework.events.models import OutboxEvent, Reaction
from casework.events.subscribers import subscribers_of

logger = logging.getLogger(__name__)

# After the n-th failed try, wait 15 s times 2^(n-1), at most an hour: a Redis restart is retried
# within seconds, a long outage is not hammered.
FIRST_RETRY = timedelta(seconds=15)
LONGEST_RETRY = timedelta(hours=1)


def retry_after(attempts: int) -> timedelta:
    wait: timedelta = FIRST_RETRY * 2 ** max(attempts - 1, 0)
    return min(wait, LONGEST_RETRY)


def deliver(event_id: uuid.UUID | str, *, now: datetime | None = None) -> bool:
    """Run the event's outstanding reactions. False when it was already delivered, is being
    delivered by another relay, or does not exist; True when this call did some work."""
    with transaction.atomic():
        row = (
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(pk=event_id, delivered_at__isnull=True)
            .first()
        )
        if row is None:
            return False
        kind = KINDS.get(row.name)
        if kind is None:
            # An event of a kind this release no longer knows: kept, and reported.
            logger.error("events: %s %s has no event class; left undelivered", row.name, row.pk)
            _put_off(row, now)
            return False
        event = kind.from_payload(row.payload)
        # Reactions commit only with the event marked delivered or put off (``attempts`` up):
        # on the first try there are none to skip, and nothing to ask.
        done = (
            set(Reaction.objects.filter(event=row).values_list("subscriber", flat=True))
            if row.attempts
            else set()
        )
        failed = 0
        for subscriber in subscribers_of(kind):
            if subscriber.name in done:
                continue
            try:
                with transaction.atomic():
                    subscriber.react(event)
                    Reaction.objects.create(
                        event=row, subscriber=subscriber.name, done_at=now or timezone.now()
                    )
            except Exception as error:
                # Never the exception's text: it may quote data. The class is enough to start.
                logger.warning(
                    "events: %s on %s %s failed (%s); it will be tried again",
                    subscriber.name,
                    row.name,
                    row.pk,
                    type(error).__name__,
                )
                failed += 1
        if failed:
            _put_off(row, now)
        else:
            row.delivered_at = now or timezone.now()
            row.save(update_fields=["delivered_at"])
        return True


def _put_off(row: OutboxEvent, now: datetime | None) -> None:
    row.attempts += 1
    row.retry_at = (now or timezone.now()) + retry_after(row.attempts)
    row.save(update_fields=["attempts", "retry_at"])


def pending(now: datetime | None = None) -> list[uuid.UUID]:
    moment = now or timezone.now()
    return list(
        OutboxEvent.objects.filter(delivered_at__isnull=True, retry_at__lte=moment)
        .order_by("occurred_at")
        .values_list("pk", flat=True)[:500]
    )


def relay_pending(now: datetime | None = None) -> int:
    """Deliver every event whose time has come (a dead relay's, a failed reaction's);
    the number of events now delivered in full."""
    delivered = 0
    for event_id in pending(now):
        deliver(event_id, now=now)
        if OutboxEvent.objects.filter(pk=event_id, delivered_at__isnull=False).exists():
            delivered += 1
    return delivered
