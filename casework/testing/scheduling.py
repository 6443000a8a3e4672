"""Test data for scheduling: practitioners in good standing with hours and sessions, set up
through the real services (claims against a register entry, availability services)."""

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from itertools import count
from typing import Any

from casework.accounts.models import User
from casework.registry.models import Jurisdiction, RegisterEntry, Regulator
from casework.registry.reference_data import load_reference_data
from casework.scheduling.models import Appointment, SessionType
from casework.scheduling.services import availability
from casework.scheduling.services.booking import book_appointment
from casework.testing.factories import ClientFactory, PractitionerFactory
from casework.testing.registry import verified_claim

# A Wednesday, 09:00 in London. Practitioners made by ``bookable_practitioner`` work 09:00 to 17:00
# London time every day, offer 50-minute sessions every half hour with 10 minutes free after
# each, and take bookings from 12 hours ahead: at NOW the first free slot is Thursday 09:00 in
# London (08:00 UTC).
NOW = datetime(2026, 6, 3, 8, 0, tzinfo=UTC)
THURSDAY_9 = datetime(2026, 6, 4, 8, 0, tzinfo=UTC)

_numbers = count(700001)
WEEKDAYS = range(7)


def reference_places() -> None:
    """Jurisdictions and regulators, once per test database state."""
    if not Regulator.objects.filter(slug="social-work-england").exists():
        load_reference_data()


def registered_in_england(practitioner: User, status: str = "registered") -> RegisterEntry:
    """Give ``practitioner`` a verified registration with Social Work England."""
    reference_places()
    england = Regulator.objects.get(slug="social-work-england")
    number = f"SW{next(_numbers)}"
    entry = RegisterEntry.objects.create(
        regulator=england,
        registration_number=number,
        name=practitioner.legal_name,
        status=status,
    )
    verified_claim(practitioner=practitioner, regulator=england, registration_number=number)
    return entry


def england() -> Jurisdiction:
    reference_places()
    return Jurisdiction.objects.get(code="GB-ENG")


def bookable_practitioner(
    *,
    practitioner: User | None = None,
    time_zone: str = "Europe/London",
    weekdays: Iterable[int] = WEEKDAYS,
    hours: tuple[int, int] = (9 * 60, 17 * 60),
    rules: dict[str, Any] | None = None,
    **session: Any,
) -> tuple[User, SessionType]:
    """A practitioner in good standing in England, with weekly hours and one session type."""
    if practitioner is None:
        practitioner = PractitionerFactory.create(time_zone=time_zone)
    elif practitioner.time_zone != time_zone:
        practitioner.time_zone = time_zone
        practitioner.save(update_fields=["time_zone"])
    registered_in_england(practitioner)
    for weekday in weekdays:
        availability.add_availability_window(
            practitioner=practitioner, weekday=weekday, start_minute=hours[0], end_minute=hours[1]
        )
    if rules:
        defaults = {
            "buffer_before_minutes": 0,
            "buffer_after_minutes": 10,
            "slot_interval_minutes": 30,
            "minimum_notice_hours": 12,
            "max_per_day": None,
            "horizon_days": 60,
            "cancellation_notice_hours": 24,
            "confirm_first_sessions": False,
        }
        availability.update_booking_rules(practitioner=practitioner, **(defaults | rules))
    session_type = availability.save_session_type(
        practitioner=practitioner,
        name=session.get("name", "Video session"),
        duration_minutes=session.get("duration_minutes", 50),
        modality=session.get("modality", "video"),
        price=session.get("price", Decimal("60.00")),
        currency=session.get("currency", "GBP"),
        place=session.get("place", ""),
    )
    return practitioner, session_type


def book(
    client: User,
    session_type: SessionType,
    starts_at: datetime,
    *,
    where: Jurisdiction | None = None,
    key: uuid.UUID | None = None,
) -> Appointment:
    return book_appointment(
        client=client,
        session_type=session_type,
        starts_at=starts_at,
        where=where or england(),
        idempotency_key=key or uuid.uuid4(),
    )


def another_client(**kwargs: Any) -> User:
    return ClientFactory.create(**kwargs)
