"""Audited writes at once on PostgreSQL: none waits for another, and racing sealers never fork
the log."""

import threading

import pytest
from django.db import connection, transaction

from casework.privacy.audit import record_event
from casework.privacy.models import AuditSeal, AuditSealedEvent
from casework.privacy.sealing import seal_pending
from casework.privacy.verification import find_first_break
from casework.testing.concurrency import all_at_once

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite takes one writer at a time anyway"
    ),
]

WRITERS = 8


def test_concurrent_audited_writes_do_not_queue_on_one_row() -> None:
    # Every writer holds its transaction open, event written, until all have written theirs:
    # if appending took a shared lock, the first would wait here for writers stuck behind it.
    everyone_wrote = threading.Barrier(WRITERS, timeout=10)

    def write(index: int) -> int:
        with transaction.atomic():
            event = record_event(action="test.concurrent", detail={"writer": index})
            everyone_wrote.wait()
        return event.seq

    outcomes = all_at_once(WRITERS, write)
    assert all(isinstance(seq, int) for seq in outcomes), outcomes
    assert len(set(outcomes)) == WRITERS


def test_racing_sealers_seal_each_event_once_in_one_chain() -> None:
    for index in range(40):
        record_event(action="test.waiting", detail={"n": index})

    all_at_once(4, lambda index: seal_pending(batch_size=7))
    seal_pending()

    assert AuditSealedEvent.objects.count() == 40
    numbers = list(AuditSeal.objects.order_by("number").values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    assert find_first_break() is None
