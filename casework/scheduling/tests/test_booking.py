"""Booking and what follows it, through the services: the rules, the refusals, and the
guarantee that the database holds no double booking whatever the code does."""

import importlib
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps as django_apps
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from casework.accounts.models import User
from casework.privacy.models import AuditEvent
from casework.registry.models import Jurisdiction, RegisterEntry
from casework.safety.blocks import block_person
from casework.scheduling.models import (
    Appointment,
    AppointmentStatus,
    PractitionerSchedule,
    SessionType,
)
from casework.scheduling.services import availability, booking
from casework.scheduling.services.booking import SlotUnavailable
from casework.testing.factories import ClientFactory
from casework.testing.scheduling import THURSDAY_9, another_client, book
from casework.vault.models import DataKey
from casework.vault.services import destroy_data_key

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]


def nothing_stored() -> bool:
    return (
        not Appointment.objects.exists()
        and not AuditEvent.objects.filter(action="scheduling.appointment_booked").exists()
    )


def test_a_client_books_a_free_slot_under_their_alias(
    client_person: User,
    session_type: SessionType,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    client_person.time_zone = "America/New_York"
    client_person.save()
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(client_person, session_type, THURSDAY_9)
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert appointment.ends_at == THURSDAY_9 + timedelta(minutes=50)
    assert appointment.blocked_until == THURSDAY_9 + timedelta(minutes=60)
    assert (appointment.price, appointment.currency, appointment.modality) == (
        session_type.price,
        "GBP",
        "video",
    )
    assert appointment.client_location_id == "GB-ENG"
    assert AuditEvent.objects.filter(
        action="scheduling.appointment_booked", subject_id=client_person.pk
    ).exists()
    # The client and the practitioner are told, each in their own time zone: the time and a
    # link, nothing else.
    sent = {message.to[0]: str(message.body) for message in mail.outbox}
    assert (
        "Thursday, 4 June 2026, 04:00 (United States \N{EN DASH} New York)"
        in sent[client_person.email]
    )
    assert "Thursday, 4 June 2026, 09:00 (United Kingdom)" in sent[session_type.practitioner.email]
    for message in mail.outbox:
        body = str(message.body)
        assert f"/appointments/{appointment.pk}/" in body
        assert "Robin" not in body
        assert "Amara" not in body
        assert "60" not in body
        assert message.attachments[0][0] == "appointment.ics"


def test_a_retried_submit_books_once(client_person: User, session_type: SessionType) -> None:
    key = uuid.uuid4()
    first = book(client_person, session_type, THURSDAY_9, key=key)
    again = book(client_person, session_type, THURSDAY_9, key=key)
    assert again.pk == first.pk
    assert Appointment.objects.count() == 1


def test_the_same_key_from_another_client_is_another_booking(
    client_person: User, session_type: SessionType
) -> None:
    key = uuid.uuid4()
    book(client_person, session_type, THURSDAY_9, key=key)
    other = book(another_client(), session_type, THURSDAY_9 + timedelta(hours=1), key=key)
    assert Appointment.objects.count() == 2
    assert other.starts_at == THURSDAY_9 + timedelta(hours=1)


def test_a_first_session_awaits_the_practitioners_confirmation_when_they_ask(
    client_person: User, session_type: SessionType, practitioner: User
) -> None:
    schedule = PractitionerSchedule.objects.get(practitioner=practitioner)
    schedule.confirm_first_sessions = True
    schedule.save()
    first = book(client_person, session_type, THURSDAY_9)
    assert first.status == AppointmentStatus.REQUESTED
    assert first.awaits_confirmation
    assert not first.reminders.exists()
    booking.confirm_appointment(appointment=first, practitioner=practitioner)
    first.refresh_from_db()
    assert first.status == AppointmentStatus.CONFIRMED
    assert first.sequence == 1
    # The 24-hour reminder would be due now, so only the one-hour reminder is planned.
    assert list(first.reminders.values_list("offset_minutes", flat=True)) == [60]
    second = book(client_person, session_type, THURSDAY_9 + timedelta(days=1))
    assert second.status == AppointmentStatus.CONFIRMED


def test_a_time_just_taken_is_refused_with_the_next_free_time(
    client_person: User, session_type: SessionType
) -> None:
    book(another_client(), session_type, THURSDAY_9)
    with pytest.raises(SlotUnavailable, match="just taken") as refused:
        book(client_person, session_type, THURSDAY_9)
    # 08:00 to 08:50 UTC, then ten minutes free: the next start is 09:00 UTC.
    assert refused.value.suggestion == THURSDAY_9 + timedelta(hours=1)
    assert Appointment.objects.count() == 1


def test_the_database_refuses_overlapping_appointments_whatever_the_code(
    client_person: User, session_type: SessionType
) -> None:
    held = book(another_client(), session_type, THURSDAY_9)
    overlapping = {
        field: getattr(held, field)
        for field in [
            "practitioner_id",
            "session_type_id",
            "modality",
            "duration_minutes",
            "price",
            "currency",
            "client_location_id",
        ]
    }
    starts_at = THURSDAY_9 + timedelta(minutes=55)  # inside the ten minutes kept free
    row = overlapping | {
        "client": client_person,
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(minutes=50),
        "blocked_from": starts_at,
        "blocked_until": starts_at + timedelta(minutes=60),
        "idempotency_key": uuid.uuid4(),
    }
    with pytest.raises(IntegrityError, match="scheduling_no_double_booking"), transaction.atomic():
        Appointment.objects.create(status=AppointmentStatus.CONFIRMED, **row)
    # Moving a held appointment onto another is refused too.
    later = book(client_person, session_type, THURSDAY_9 + timedelta(hours=2))
    with pytest.raises(IntegrityError, match="scheduling_no_double_booking"), transaction.atomic():
        Appointment.objects.filter(pk=later.pk).update(
            blocked_from=THURSDAY_9, starts_at=THURSDAY_9
        )
    # A cancelled appointment holds no time.
    Appointment.objects.filter(pk=held.pk).update(status=AppointmentStatus.CANCELLED)
    Appointment.objects.create(status=AppointmentStatus.CONFIRMED, **row)


@pytest.mark.parametrize(
    ("offset", "why"),
    [
        (timedelta(days=-2), "in the past"),
        (timedelta(hours=-12), "inside the minimum notice"),
        (timedelta(hours=10), "after the day's hours"),
        (timedelta(minutes=10), "off the half-hour grid"),
        (timedelta(days=61), "beyond the horizon"),
    ],
)
def test_a_time_outside_the_rules_is_refused_and_nothing_stored(
    client_person: User, session_type: SessionType, offset: timedelta, why: str
) -> None:
    with pytest.raises(SlotUnavailable, match="not available") as refused:
        book(client_person, session_type, THURSDAY_9 + offset)
    assert refused.value.code == "not_offered", why
    assert nothing_stored()


def test_a_place_where_the_practitioner_may_not_practise_is_refused_with_the_reason(
    client_person: User, session_type: SessionType
) -> None:
    ireland = Jurisdiction.objects.get(code="IE")
    with pytest.raises(ValidationError, match=r"registration with .* is required"):
        book(client_person, session_type, THURSDAY_9, where=ireland)
    with pytest.raises(ValidationError, match="where you will be"):
        booking.book_appointment(
            client=client_person,
            session_type=session_type,
            starts_at=THURSDAY_9,
            where=None,
            idempotency_key=uuid.uuid4(),
        )
    assert nothing_stored()


def test_a_booking_in_scotland_with_an_england_only_practitioner_is_refused_with_the_reason(
    client_person: User, session_type: SessionType
) -> None:
    """The UK's temporary-practice allowance runs one way, into England: a registration with
    Social Work England alone does not let its holder work with a client in Scotland."""
    scotland = Jurisdiction.objects.get(code="GB-SCT")
    with pytest.raises(ValidationError) as refused:
        book(client_person, session_type, THURSDAY_9, where=scotland)
    assert refused.value.code == "jurisdiction"
    assert refused.value.messages == [
        "To work with clients in Scotland, registration with Scottish Social Services Council "
        "is required, and this person holds none that is valid there."
    ]
    assert nothing_stored()


def test_a_suspended_practitioner_takes_no_bookings(
    client_person: User, session_type: SessionType, practitioner: User
) -> None:
    RegisterEntry.objects.filter(claims__practitioner=practitioner).update(status="suspended")
    with pytest.raises(ValidationError, match="not in good standing"):
        book(client_person, session_type, THURSDAY_9)
    assert nothing_stored()


def test_a_blocked_practitioner_cannot_be_booked(
    client_person: User, session_type: SessionType, practitioner: User
) -> None:
    block_person(blocker=practitioner, blocked=client_person)
    with pytest.raises(ValidationError, match="cannot book"):
        book(client_person, session_type, THURSDAY_9)
    assert nothing_stored()


def test_a_block_stops_a_requested_booking_being_confirmed(
    client_person: User, session_type: SessionType, practitioner: User
) -> None:
    PractitionerSchedule.objects.filter(practitioner=practitioner).update(
        confirm_first_sessions=True
    )
    requested = book(client_person, session_type, THURSDAY_9)
    block_person(blocker=client_person, blocked=practitioner)
    with pytest.raises(ValidationError, match="blocked"):
        booking.confirm_appointment(appointment=requested, practitioner=practitioner)
    requested.refresh_from_db()
    assert requested.status == AppointmentStatus.REQUESTED
    assert not requested.reminders.exists()
    assert not AuditEvent.objects.filter(action="scheduling.appointment_confirmed").exists()


@pytest.mark.parametrize("mover", ["client", "practitioner"])
def test_a_block_stops_either_party_moving_an_appointment(
    client_person: User, session_type: SessionType, practitioner: User, mover: str
) -> None:
    appointment = book(client_person, session_type, THURSDAY_9 + timedelta(days=2))
    block_person(blocker=practitioner, blocked=client_person)
    person = client_person if mover == "client" else practitioner
    with pytest.raises(ValidationError, match="blocked"):
        booking.reschedule_appointment(
            appointment=appointment,
            person=person,
            starts_at=THURSDAY_9 + timedelta(days=2, hours=2),
        )
    appointment.refresh_from_db()
    assert (appointment.starts_at, appointment.sequence) == (THURSDAY_9 + timedelta(days=2), 0)
    assert not AuditEvent.objects.filter(action="scheduling.appointment_rescheduled").exists()


def test_an_inactive_practitioner_cannot_be_booked(
    client_person: User, session_type: SessionType, practitioner: User
) -> None:
    User.objects.filter(pk=practitioner.pk).update(is_active=False)
    session_type.refresh_from_db()
    with pytest.raises(ValidationError, match="not taking bookings"):
        book(client_person, session_type, THURSDAY_9)
    assert nothing_stored()


def test_only_clients_with_a_verified_address_book(
    session_type: SessionType, other_practitioner: User
) -> None:
    unverified = ClientFactory.create(verified_email=False)
    with pytest.raises(ValidationError, match="verify your email"):
        book(unverified, session_type, THURSDAY_9)
    with pytest.raises(ValidationError, match="Only clients"):
        book(other_practitioner, session_type, THURSDAY_9)
    EmailAddress.objects.create(user=unverified, email=unverified.email, verified=True)
    assert book(unverified, session_type, THURSDAY_9).client == unverified


def test_a_withdrawn_session_cannot_be_booked(
    client_person: User, session_type: SessionType, practitioner: User
) -> None:
    availability.withdraw_session_type(practitioner=practitioner, session_type=session_type)
    session_type.refresh_from_db()
    with pytest.raises(ValidationError, match="no longer offered"):
        book(client_person, session_type, THURSDAY_9)


def test_a_full_day_is_refused(
    client_person: User, session_type: SessionType, practitioner: User
) -> None:
    schedule = PractitionerSchedule.objects.get(practitioner=practitioner)
    schedule.max_per_day = 1
    schedule.save()
    book(another_client(), session_type, THURSDAY_9)
    with pytest.raises(SlotUnavailable, match="fully booked") as refused:
        book(client_person, session_type, THURSDAY_9 + timedelta(hours=3))
    assert refused.value.suggestion == THURSDAY_9 + timedelta(days=1)


def test_the_next_free_slot_follows_each_booking_and_cancellation(
    client_person: User, session_type: SessionType, practitioner: User
) -> None:
    def next_free() -> object:
        return PractitionerSchedule.objects.get(practitioner=practitioner).next_free_at

    assert next_free() == THURSDAY_9
    appointment = book(client_person, session_type, THURSDAY_9)
    assert next_free() == THURSDAY_9 + timedelta(hours=1)
    booking.cancel_appointment(appointment=appointment, person=client_person)
    assert next_free() == THURSDAY_9


def test_a_client_cancels_within_the_policy_or_late(
    client_person: User, session_type: SessionType, frozen: Any
) -> None:
    early = book(client_person, session_type, THURSDAY_9 + timedelta(days=2))
    booking.cancel_appointment(appointment=early, person=client_person, reason="Moving house")
    early.refresh_from_db()
    assert (early.status, early.late_cancellation, early.reason_given) == (
        AppointmentStatus.CANCELLED,
        False,
        "Moving house",
    )
    assert early.sequence == 1
    # The reason stays on the appointment, never in the audit log that cannot be erased.
    cancelled = AuditEvent.objects.get(action="scheduling.appointment_cancelled")
    assert cancelled.detail["with_reason"] is True
    assert "Moving house" not in f"{cancelled.reason} {cancelled.detail}"
    late = book(client_person, session_type, THURSDAY_9)
    frozen.move_to(THURSDAY_9 - timedelta(hours=3))
    booking.cancel_appointment(appointment=late, person=client_person)
    late.refresh_from_db()
    assert late.late_cancellation
    assert AuditEvent.objects.filter(
        action="scheduling.appointment_cancelled", detail__late=True
    ).exists()


def test_a_reason_is_sealed_under_the_clients_key_and_goes_with_it(
    client_person: User, session_type: SessionType
) -> None:
    appointment = book(client_person, session_type, THURSDAY_9 + timedelta(days=2))
    booking.cancel_appointment(
        appointment=appointment, person=client_person, reason="In hospital after an overdose"
    )
    stored = Appointment.objects.values_list("end_reason", flat=True).get(pk=appointment.pk)
    assert stored.startswith("v2:")
    assert "hospital" not in stored
    appointment.refresh_from_db()
    assert appointment.reason_given == "In hospital after an overdose"

    # Erasing the client destroys her key: her words no longer open, for anyone.
    destroy_data_key(
        data_key=DataKey.objects.get(owner=f"person:{client_person.pk}"),
        actor=None,
        reason="the person's account was erased",
    )
    appointment.refresh_from_db()
    assert appointment.reason_given == ""


def test_nobody_cancels_what_has_begun_or_is_not_theirs(
    client_person: User, session_type: SessionType, frozen: Any, other_practitioner: User
) -> None:
    appointment = book(client_person, session_type, THURSDAY_9)
    with pytest.raises(ValidationError, match="not your appointment"):
        booking.cancel_appointment(appointment=appointment, person=other_practitioner)
    frozen.move_to(THURSDAY_9 + timedelta(minutes=5))
    with pytest.raises(ValidationError, match="already started"):
        booking.cancel_appointment(appointment=appointment, person=client_person)


def test_a_practitioners_cancellation_is_never_late(
    client_person: User, session_type: SessionType, practitioner: User, frozen: Any
) -> None:
    appointment = book(client_person, session_type, THURSDAY_9)
    frozen.move_to(THURSDAY_9 - timedelta(hours=1))
    booking.cancel_appointment(appointment=appointment, person=practitioner)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert not appointment.late_cancellation


def test_a_client_moves_an_appointment_within_the_policy(
    client_person: User, session_type: SessionType, frozen: Any
) -> None:
    appointment = book(client_person, session_type, THURSDAY_9 + timedelta(days=2))
    reminder_before = appointment.reminders.get(offset_minutes=60).due_at
    new_start = THURSDAY_9 + timedelta(days=3, hours=2)
    moved = booking.reschedule_appointment(
        appointment=appointment, person=client_person, starts_at=new_start
    )
    assert (moved.starts_at, moved.sequence) == (new_start, 1)
    assert moved.blocked_until == new_start + timedelta(minutes=60)
    assert moved.reminders.get(offset_minutes=60).due_at == new_start - timedelta(hours=1)
    assert reminder_before != new_start - timedelta(hours=1)
    # The same move again changes nothing.
    again = booking.reschedule_appointment(
        appointment=moved, person=client_person, starts_at=new_start
    )
    assert again.sequence == 1
    # Inside the notice, the client can no longer move it.
    frozen.move_to(new_start - timedelta(hours=20))
    with pytest.raises(ValidationError, match="can no longer be moved online"):
        booking.reschedule_appointment(
            appointment=moved, person=client_person, starts_at=new_start + timedelta(hours=1)
        )


def test_an_appointment_cannot_move_onto_another(
    client_person: User, session_type: SessionType
) -> None:
    book(another_client(), session_type, THURSDAY_9 + timedelta(days=2))
    mine = book(client_person, session_type, THURSDAY_9 + timedelta(days=3))
    with pytest.raises(SlotUnavailable, match="just taken"):
        booking.reschedule_appointment(
            appointment=mine,
            person=client_person,
            starts_at=THURSDAY_9 + timedelta(days=2, minutes=30),
        )
    # Moving by half an hour over its own time is fine.
    moved = booking.reschedule_appointment(
        appointment=mine, person=client_person, starts_at=THURSDAY_9 + timedelta(days=3, minutes=30)
    )
    assert moved.starts_at == THURSDAY_9 + timedelta(days=3, minutes=30)


def test_a_no_show_is_recorded_once_the_session_has_begun(
    client_person: User, session_type: SessionType, practitioner: User, frozen: Any
) -> None:
    appointment = book(client_person, session_type, THURSDAY_9)
    with pytest.raises(ValidationError, match="once the appointment has begun"):
        booking.record_no_show(appointment=appointment, practitioner=practitioner)
    frozen.move_to(THURSDAY_9 + timedelta(minutes=15))
    booking.record_no_show(appointment=appointment, practitioner=practitioner)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.NO_SHOW
    assert AuditEvent.objects.filter(action="scheduling.no_show_recorded").exists()


def test_only_the_practitioner_confirms_or_declines(
    client_person: User, session_type: SessionType, practitioner: User, other_practitioner: User
) -> None:
    PractitionerSchedule.objects.filter(practitioner=practitioner).update(
        confirm_first_sessions=True
    )
    appointment = book(client_person, session_type, THURSDAY_9)
    with pytest.raises(ValidationError, match="Only the practitioner"):
        booking.confirm_appointment(appointment=appointment, practitioner=other_practitioner)
    with pytest.raises(ValidationError, match="Only the practitioner"):
        booking.decline_appointment(appointment=appointment, practitioner=other_practitioner)
    booking.decline_appointment(
        appointment=appointment, practitioner=practitioner, reason="Not my field"
    )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.DECLINED
    with pytest.raises(ValidationError, match="not waiting"):
        booking.confirm_appointment(appointment=appointment, practitioner=practitioner)
    # The declined time is free again.
    assert book(another_client(), session_type, THURSDAY_9).status == AppointmentStatus.REQUESTED


def test_the_booked_terms_stay_when_the_session_changes(
    client_person: User, session_type: SessionType, practitioner: User
) -> None:
    appointment = book(client_person, session_type, THURSDAY_9)
    availability.save_session_type(
        practitioner=practitioner,
        session_type=session_type,
        name="Video session",
        duration_minutes=80,
        modality="phone",
        price=session_type.price * 2,
        currency="EUR",
    )
    appointment.refresh_from_db()
    assert (appointment.duration_minutes, appointment.modality, appointment.currency) == (
        50,
        "video",
        "GBP",
    )


def test_a_reason_stored_in_plain_text_before_sealing_is_sealed_by_the_migration(
    client_person: User, session_type: SessionType
) -> None:
    appointment = book(client_person, session_type, THURSDAY_9 + timedelta(days=2))
    booking.cancel_appointment(appointment=appointment, person=client_person)
    Appointment.objects.filter(pk=appointment.pk).update(end_reason="Back in hospital")
    appointment.refresh_from_db()
    assert appointment.reason_given == "Back in hospital"  # still read as it was

    migration = importlib.import_module("casework.scheduling.migrations.0005_seal_end_reasons")
    migration.seal_plain_reasons(django_apps, None)

    stored = Appointment.objects.values_list("end_reason", flat=True).get(pk=appointment.pk)
    assert "hospital" not in stored
    appointment.refresh_from_db()
    assert appointment.reason_given == "Back in hospital"
