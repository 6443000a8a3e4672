"""``emit``: the one way a service says that something happened.

The event is written to the outbox in the caller's transaction, so it exists exactly when the
change does, and the relay is asked to deliver it: a task queued with the change
(``shell.task_queue``), written by the change's own transaction with the database queue that
settings configure. Should the task never be queued (with another queue, the process dies
before the commit's callback, or that queue is unreachable), ``relay_events`` finds the event.
"""

from django.db import connection
from django.utils import timezone

from casework.events.catalogue import Event
from casework.events.models import OutboxEvent
from casework.events.tasks import relay_event
from casework.shell.page_cache import renew_public_pages
from casework.shell.task_queue import queue_with_the_change


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
    # robust: a task queue that cannot take the task after the commit must not turn the
    # committed change into an error; the catch-up relay delivers the event later.
    queue_with_the_change(relay_event, event_id=str(row.pk), robust=True)
    return row
