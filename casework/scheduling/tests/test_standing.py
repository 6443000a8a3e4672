"""A register reading that suspends a practitioner stops new bookings at once, and their clients
with upcoming appointments are told in plain words, once."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction

from casework.accounts.models import User
from casework.privacy.models import AuditEvent
from casework.registry.claims import registration_status_changed
from casework.registry.models import RegisterEntry
from casework.scheduling.models import PractitionerSchedule, SessionType
from casework.scheduling.services import booking
from casework.testing.scheduling import THURSDAY_9, another_client, book

pytestmark = pytest.mark.django_db
Capture = Callable[..., Any]


def set_status(practitioner: User, status: str) -> None:
    """As a register import applies a reading: the entry changes, then the consequences."""
    with transaction.atomic():
        entry = RegisterEntry.objects.get(claims__practitioner=practitioner)
        old = entry.status
        entry.status = status
        entry.save(update_fields=["status"])
        registration_status_changed(
            entry=entry, old_status=old, new_status=status, register_import=None
        )


def told(outbox: list[Any]) -> list[str]:
    return sorted(m.to[0] for m in outbox if "upcoming appointment" in str(m.subject))


def test_a_suspension_stops_bookings_and_tells_each_client_once(
    session_type: SessionType,
    practitioner: User,
    client_person: User,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    robin = book(client_person, session_type, THURSDAY_9)
    sky = another_client(alias="Sky", email="sky@example.org")
    book(sky, session_type, THURSDAY_9 + timedelta(days=1))
    ended = book(
        another_client(email="gone@example.org"), session_type, THURSDAY_9 + timedelta(days=2)
    )
    booking.cancel_appointment(appointment=ended, person=ended.client)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        set_status(practitioner, "suspended")
    assert told(mail.outbox) == sorted([client_person.email, "sky@example.org"])
    message = next(m for m in mail.outbox if m.to == [client_person.email])
    body = str(message.body)
    assert "registration status has changed" in body
    assert "has not been cancelled" in body
    assert f"/appointments/{robin.pk}/" in body
    assert "Amara" not in body
    assert "suspended" not in body
    assert AuditEvent.objects.filter(action="scheduling.client_told_standing_changed").count() == 2
    assert PractitionerSchedule.objects.get(practitioner=practitioner).next_free_at is None

    with pytest.raises(ValidationError, match="not in good standing"):
        book(another_client(), session_type, THURSDAY_9 + timedelta(days=3))

    # A second reading that changes nothing for the clients tells them nothing again.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        set_status(practitioner, "removed")
    assert told(mail.outbox) == []


def test_standing_regained_reopens_bookings(
    session_type: SessionType, practitioner: User, client_person: User
) -> None:
    set_status(practitioner, "suspended")
    set_status(practitioner, "registered")
    schedule = PractitionerSchedule.objects.get(practitioner=practitioner)
    assert schedule.next_free_at == THURSDAY_9
    assert schedule.standing_lost_at is None
    assert book(client_person, session_type, THURSDAY_9).pk


def test_the_appointment_page_tells_the_client_to_check(
    session_type: SessionType, practitioner: User, client_person: User, client: Any
) -> None:
    appointment = book(client_person, session_type, THURSDAY_9)
    set_status(practitioner, "suspended")
    client.force_login(client_person)
    page = client.get(f"/appointments/{appointment.pk}/").content.decode()
    assert "registration status has changed" in page
    assert "has not been cancelled" in page
    assert "Check their registration with Social Work England" in page
    assert "/verify/social-work-england/SW" in page
