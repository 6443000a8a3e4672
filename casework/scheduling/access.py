"""Who may see and act on which scheduling object: one place for views, API and tasks.

Each helper answers 404 alike for "missing" and "not yours".
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from casework.accounts.models import Role, User
from casework.scheduling.calendar import token_hash
from casework.scheduling.models import (
    Appointment,
    AvailabilityException,
    AvailabilityWindow,
    CalendarFeed,
    SessionType,
)


def appointments_of(person: User) -> QuerySet[Appointment]:
    """The appointments a person is a party to: as the client, or as the practitioner."""
    if person.role == Role.CLIENT:
        return Appointment.objects.filter(client=person)
    if person.role == Role.PRACTITIONER:
        return Appointment.objects.filter(practitioner=person)
    return Appointment.objects.none()


def get_appointment_for_person(person: User, appointment_id: int) -> Appointment:
    appointment = (
        appointments_of(person)
        .select_related("session_type", "client_location", "client", "practitioner")
        .filter(pk=appointment_id)
        .first()
    )
    if appointment is None:
        raise Http404
    return appointment


def get_session_type_for_booking(session_type_id: object) -> SessionType:
    """A session type a client may ask to book: offered by someone who is a practitioner.
    Whether that practitioner may take bookings now is the booking service's question, so
    that a suspended practitioner's page says why instead of vanishing."""
    try:
        pk = int(str(session_type_id))
    except ValueError:
        raise Http404 from None
    session_type = (
        SessionType.objects.select_related("practitioner")
        .filter(pk=pk, active=True, practitioner__role=Role.PRACTITIONER)
        .first()
    )
    if session_type is None:
        raise Http404
    return session_type


def get_bookable_practitioner(practitioner_id: int) -> User:
    practitioner = User.objects.filter(
        pk=practitioner_id, role=Role.PRACTITIONER, is_active=True
    ).first()
    if practitioner is None:
        raise Http404
    return practitioner


def get_own_session_type(person: User, session_type_id: int) -> SessionType:
    found = SessionType.objects.filter(pk=session_type_id, practitioner=person, active=True).first()
    if found is None:
        raise Http404
    return found


def get_own_window(person: User, window_id: int) -> AvailabilityWindow:
    found = AvailabilityWindow.objects.filter(pk=window_id, practitioner=person).first()
    if found is None:
        raise Http404
    return found


def get_own_exception(person: User, exception_id: int) -> AvailabilityException:
    found = AvailabilityException.objects.filter(pk=exception_id, practitioner=person).first()
    if found is None:
        raise Http404
    return found


def get_live_feed(token: str) -> CalendarFeed:
    feed = (
        CalendarFeed.objects.select_related("person")
        .filter(
            Q(token_hash=token_hash(token)),
            revoked_at__isnull=True,
            person__is_active=True,
        )
        .first()
    )
    if feed is None:
        raise Http404
    return feed
