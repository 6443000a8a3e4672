"""Fifty clients try to book the same slot at the same moment: exactly one succeeds, on
PostgreSQL with real concurrent connections (SQLite serialises writers, so there is no race
to show there; the database guarantee itself is tested on both in test_booking)."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, OperationalError, connection, transaction

from casework.accounts.models import User
from casework.scheduling.models import Appointment, AppointmentStatus
from casework.scheduling.services.booking import SlotUnavailable
from casework.testing.concurrency import all_at_once
from casework.testing.factories import ClientFactory, PractitionerFactory
from casework.testing.scheduling import NOW, THURSDAY_9, book, bookable_practitioner, england

CLIENTS = 50

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"
    ),
]


def test_fifty_clients_one_slot_one_booking() -> None:
    with time_machine.travel(NOW, tick=False):
        _practitioner, session_type = bookable_practitioner(
            practitioner=PractitionerFactory.create(time_zone="Europe/London")
        )
        clients: list[User] = [ClientFactory.create() for _ in range(CLIENTS)]
        where = england()
        outcomes = all_at_once(
            CLIENTS, lambda i: book(clients[i], session_type, THURSDAY_9, where=where)
        )
    booked = [o for o in outcomes if isinstance(o, Appointment)]
    refused = [o for o in outcomes if isinstance(o, SlotUnavailable)]
    assert len(booked) == 1, [o for o in outcomes if not isinstance(o, SlotUnavailable)]
    assert len(refused) == CLIENTS - 1
    for refusal in refused:
        assert refusal.messages == ["This time was just taken. Please choose another."]
        assert refusal.suggestion == THURSDAY_9 + timedelta(hours=1)
    assert Appointment.objects.filter(status=AppointmentStatus.CONFIRMED).count() == 1


def test_a_submit_sent_fifty_times_at_once_books_once() -> None:
    with time_machine.travel(NOW, tick=False):
        _practitioner, session_type = bookable_practitioner(
            practitioner=PractitionerFactory.create(time_zone="Europe/London")
        )
        client = ClientFactory.create()
        where, key = england(), uuid.uuid4()
        outcomes = all_at_once(
            CLIENTS, lambda i: book(client, session_type, THURSDAY_9, where=where, key=key)
        )
    assert all(isinstance(o, Appointment) for o in outcomes), outcomes[:3]
    assert len({o.pk for o in outcomes}) == 1
    assert Appointment.objects.count() == 1


def test_the_database_alone_admits_one_of_fifty_overlapping_inserts() -> None:
    """No service, no lock: the exclusion constraint decides."""
    with time_machine.travel(NOW, tick=False):
        practitioner, session_type = bookable_practitioner(
            practitioner=PractitionerFactory.create(time_zone="Europe/London")
        )
        clients = [ClientFactory.create() for _ in range(CLIENTS)]
        where = england()

    def insert(index: int) -> Appointment:
        # Each a little later than the one before: all overlap the first.
        starts_at = THURSDAY_9 + timedelta(minutes=index % 30)
        with transaction.atomic():
            return Appointment.objects.create(
                practitioner=practitioner,
                client=clients[index],
                session_type=session_type,
                modality="video",
                duration_minutes=50,
                price=session_type.price,
                currency="GBP",
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=50),
                blocked_from=starts_at,
                blocked_until=starts_at + timedelta(minutes=60),
                status=AppointmentStatus.CONFIRMED,
                client_location=where,
                idempotency_key=uuid.uuid4(),
            )

    outcomes = all_at_once(CLIENTS, insert)
    assert sum(isinstance(o, Appointment) for o in outcomes) == 1
    errors = [o for o in outcomes if not isinstance(o, Appointment)]
    # Two inserts that each wait on the other's uncommitted row may also end in a deadlock,
    # which PostgreSQL breaks by refusing one of them: a refusal all the same. (The booking
    # service queues on the practitioner's schedule row first, so it never meets this.)
    refused = [e for e in errors if isinstance(e, IntegrityError)]
    deadlocked = [e for e in errors if isinstance(e, OperationalError) and "deadlock" in str(e)]
    assert len(refused) + len(deadlocked) == len(errors), errors[:3]
    assert all("scheduling_no_double_booking" in str(e) for e in refused)
