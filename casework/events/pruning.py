"""Removing what the outbox no longer needs: delivered events (with their reaction records)
and email and push deliveries with nothing left to do, once older than
``OUTBOX_RETENTION_DAYS``. An event not yet delivered, or an email or push still waiting or to
be tried again, is never removed, however old: it is work not done.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from casework.events.models import EmailDelivery, OutboxEvent, PushDelivery
from casework.shell.batches import delete_in_batches


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
        events=delete_in_batches(OutboxEvent.objects.filter(delivered_at__lt=cutoff)),
        emails=delete_in_batches(
            EmailDelivery.objects.filter(outcome=EmailDelivery.Outcome.SENT, sent_at__lt=cutoff)
        ),
        pushes=delete_in_batches(
            PushDelivery.objects.filter(created_at__lt=cutoff).exclude(
                outcome__in=[PushDelivery.Outcome.WAITING, PushDelivery.Outcome.FAILED]
            )
        ),
    )
