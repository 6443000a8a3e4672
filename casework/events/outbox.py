"""``emit``: the one way a service says that something happened.

The event is written to the outbox in the caller's transaction, so it exists exactly when the
change does, and the relay is asked to deliver it (a task). With the database task queue on the
change's own database (what settings configure), that task's row is written in the same
transaction: one commit for the change, its event and its task, where a task queued after the
commit cost a second commit (each waits for PostgreSQL's log to reach the disk: 0.3 ms on a
quiet machine here, 4 ms at the median and 28 at p99 with a bulk load beside it). With any other
queue the task is queued once the transaction commits; should that never happen (the process
dies, the queue is unreachable), ``relay_events`` finds the event.
"""

import logging
import uuid
from functools import partial

from django.db import connection, router, transaction
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

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
    if _relay_queued_with_the_change():
        # Seen by the worker once it commits, and gone with the change if that rolls back.
        _ask_relay(row.pk)
    else:
        # robust: a task queue that cannot take the task now must not turn the committed
        # change into an error; the catch-up relay delivers the event later.
        transaction.on_commit(partial(_ask_relay, row.pk), robust=True)
    return row


def _relay_queued_with_the_change() -> bool:
    """Whether the relay's task is a row that this transaction can write itself: the database
    queue, on the database of the change. (Another backend, such as the tests' immediate one,
    would run the relay before the change is committed.)"""
    return isinstance(relay_event.get_backend(), DatabaseBackend) and (
        router.db_for_write(DBTaskResult) == connection.alias
    )


def _ask_relay(event_id: uuid.UUID) -> None:
    relay_event.enqueue(event_id=str(event_id))
