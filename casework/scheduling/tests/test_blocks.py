"""A block ends the two people's open appointments (a reaction to PersonBlocked), with the
ordinary cancellation notice, and stops new bookings and confirmations in either direction."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from casework.accounts.models import User
from casework.privacy.models import AuditEvent
from casework.safety.blocks import block_person, unblock_person
from casework.scheduling import offers
from casework.scheduling.models import AppointmentStatus, SessionType
from casework.scheduling.queries import schedule_of
from casework.scheduling.services import booking
from casework.testing.scheduling import THURSDAY_9, another_client, book

pytestmark = pytest.mark.django_db
Capture = Callable[..., Any]


@pytest.mark.parametrize("blocker_role", ["client", "practitioner"])
def test_a_block_cancels_the_pairs_open_appointments_and_says_only_cancelled(
    blocker_role: str,
    session_type: SessionType,
    client_person: User,
    practitioner: User,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    theirs = book(client_person, session_type, THURSDAY_9)
    later = book(client_person, session_type, THURSDAY_9 + timedelta(days=7))
    someone_elses = book(another_client(), session_type, THURSDAY_9 + timedelta(hours=2))
    mail.outbox.clear()
    blocker, blocked = (
        (client_person, practitioner) if blocker_role == "client" else (practitioner, client_person)
    )
    with django_capture_on_commit_callbacks(execute=True):
        block_person(blocker=blocker, blocked=blocked)
    for appointment in (theirs, later):
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.CANCELLED
        assert appointment.end_reason == ""
        assert not appointment.late_cancellation
    someone_elses.refresh_from_db()
    assert someone_elses.status == AppointmentStatus.CONFIRMED
    # Both are told each appointment was cancelled, and nothing else.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [client_person.email, practitioner.email] * 2
    )
    for message in mail.outbox:
        assert "cancelled" in message.subject.lower()
        assert "block" not in f"{message.subject} {message.body}".lower()
    assert (
        AuditEvent.objects.filter(
            action="scheduling.appointment_cancelled", detail__because_of_a_block=True
        ).count()
        == 2
    )


def test_lifting_the_block_does_not_bring_appointments_back(
    session_type: SessionType,
    client_person: User,
    practitioner: User,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    appointment = book(client_person, session_type, THURSDAY_9)
    with django_capture_on_commit_callbacks(execute=True):
        block_person(blocker=client_person, blocked=practitioner)
    unblock_person(blocker=client_person, blocked_id=practitioner.pk)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert book(client_person, session_type, THURSDAY_9).status == AppointmentStatus.CONFIRMED


@pytest.mark.parametrize("blocker_role", ["client", "practitioner"])
def test_blocked_people_cannot_book_each_other(
    blocker_role: str, session_type: SessionType, client_person: User, practitioner: User
) -> None:
    if blocker_role == "client":
        block_person(blocker=client_person, blocked=practitioner)
    else:
        block_person(blocker=practitioner, blocked=client_person)
    with pytest.raises(ValidationError) as refused:
        book(client_person, session_type, THURSDAY_9)
    assert refused.value.code == "blocked"


def test_a_request_made_before_a_block_cannot_be_confirmed_after_it(
    session_type: SessionType, client_person: User, practitioner: User
) -> None:
    schedule = schedule_of(practitioner)
    schedule.confirm_first_sessions = True
    schedule.save(update_fields=["confirm_first_sessions"])
    requested = book(client_person, session_type, THURSDAY_9)
    assert requested.status == AppointmentStatus.REQUESTED
    # The reaction has not run yet (no relay here): the service refuses on its own.
    block_person(blocker=client_person, blocked=practitioner)
    with pytest.raises(ValidationError) as refused:
        booking.confirm_appointment(appointment=requested, practitioner=practitioner)
    assert refused.value.code == "blocked"


def test_the_profiles_booking_panel_offers_no_times_to_a_blocked_pair(
    session_type: SessionType, client_person: User, practitioner: User
) -> None:
    before = offers.booking_panel(practitioner=practitioner, viewer=client_person)
    assert before.takes_bookings
    assert before.days
    block_person(blocker=practitioner, blocked=client_person)
    after = offers.booking_panel(practitioner=practitioner, viewer=client_person)
    assert not after.takes_bookings
    assert after.days == []
    # Anyone else still sees the times.
    assert offers.booking_panel(practitioner=practitioner, viewer=another_client()).days
