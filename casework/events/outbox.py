"""``emit``: the one way a service says that something happened.

The event is written to the outbox in the caller's transaction, so it exists exactly when the
change does. Once that transaction commits, the relay is asked to deliver it (a task); should
that never happen (the process dies, the task queue is unreachable), ``relay_events`` finds it.
"""

import logging
import uuid
from functools import partial

from django.db import connection, transaction
from django.utils import timezone

from casework.events.catalogue import Event
from casework.events.models import OutboxEvent
from casework.events.tasks import relay_event
from casework.shell.page_cache import renew_public_pages

logger = logging.getLogger(__name__)


def emit(event: Event) -> OutboxEvent:
    if not connection.in_atomic_block:
        # Outside a transaction the event would be on its own: a crash between the change and
        # the event would lose the reaction. Services always call this inside theirs.
        raise RuntimeError(f"emit({event.name}) outside a transaction")
    if event.public:
        # Visitors' kept pages show it: renewed now, with the change, not when a reaction runs.
        renew_public_pages()
    now = timezone.now()
    row = OutboxEvent.objects.create(
        name=event.name, payload=event.payload(), occurred_at=now, retry_at=now
    )
    # robust: a task queue that cannot take the task now must not turn the committed change
    # into an error; the catch-up relay delivers the event later.
    transaction.on_commit(partial(_ask_relay, row.pk), robust=True)
    return row


def _ask_relay(event_id: uuid.UUID) -> None:
    relay_event.enqueue(event_id=str(event_id))
