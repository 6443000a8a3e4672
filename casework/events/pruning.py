"""Removing what the outbox no longer needs: delivered events (with their reaction records)
and email and push deliveries with nothing left to do, once older than
``OUTBOX_RETENTION_DAYS``. An event not yet delivered, or an email or push still waiting or to
be tried again, is never removed, however old: it is work not done.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from casework.events.models import EmailDelivery, OutboxEvent, PushDelivery

# Rows removed per transaction: a long backlog never holds one long lock.
BATCH = 1000

Row = TypeVar("Row", bound=models.Model)


@dataclass(frozen=True)
class Pruned:
    events: int
    emails: int
    pushes: int

    def __bool__(self) -> bool:
        return bool(self.events or self.emails or self.pushes)


def prune_outbox(*, now: datetime | None = None) -> Pruned:
    cutoff = (now or timezone.now()) - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    return Pruned(
        events=_remove(OutboxEvent.objects.filter(delivered_at__lt=cutoff)),
        emails=_remove(
            EmailDelivery.objects.filter(outcome=EmailDelivery.Outcome.SENT, sent_at__lt=cutoff)
        ),
        pushes=_remove(
            PushDelivery.objects.filter(created_at__lt=cutoff).exclude(
                outcome__in=[PushDelivery.Outcome.WAITING, PushDelivery.Outcome.FAILED]
            )
        ),
    )


def _remove(old: QuerySet[Row]) -> int:
    removed = 0
    while True:
        with transaction.atomic():
            ids = list(old.values_list("pk", flat=True)[:BATCH])
            if not ids:
                return removed
            # Counted on the outbox's own rows, not the reaction records that go with them.
            old.model._default_manager.filter(pk__in=ids).delete()
            removed += len(ids)
