"""Demo availability and bookings, through the real services.

Every demo practitioner with a profile gets weekly hours in their own time zone, booking rules
and session types matching the modalities and fee on their profile. Then fictional clients book
some of them, and Robin (the demo client) has appointments with Amara: one confirmed, one
awaiting her confirmation. Idempotent: a practitioner who already offers sessions, and a demo
that already has bookings, are left as they are. Run after ``seed_directory``.
"""

import random
import uuid
from dataclasses import dataclass
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db.models import Count, Q

from casework.accounts.models import Role, User
from casework.demo.people import DEMO_CLIENT_EMAIL, DEMO_PRACTITIONER_EMAIL
from casework.directory.models import PractitionerProfile
from casework.registry.models import Jurisdiction, RegistrationClaim
from casework.scheduling.freshness import may_take_bookings
from casework.scheduling.models import Appointment, SessionType
from casework.scheduling.queries import bookable, offered_session_types
from casework.scheduling.services import availability, booking

CLIENT_DOMAIN = "scheduling.demo.casework.localhost"
CLIENT_ALIASES = [
    "Sky", "Morgan", "River", "Sam", "Ash", "Jude", "Noor", "Kai", "Remy", "Lane", "Rowan",
    "Quinn", "Ari", "Bea", "Cass", "Dev", "Eli", "Fen", "Gil", "Hal", "Ira", "Jo", "Kit", "Lou",
]  # fmt: skip

WEEKDAYS, MON_TO_THU = (0, 1, 2, 3, 4), (0, 1, 2, 3)
# Working weeks, in the practitioner's own wall clock: (days, from, until) in minutes.
WEEKS: list[list[tuple[tuple[int, ...], int, int]]] = [
    [(WEEKDAYS, 9 * 60, 17 * 60)],
    [(WEEKDAYS, 8 * 60, 12 * 60), (MON_TO_THU, 13 * 60, 16 * 60)],
    [(MON_TO_THU, 12 * 60, 20 * 60), ((5,), 9 * 60, 13 * 60)],
    [((1, 2, 3), 10 * 60, 18 * 60 + 30)],
    [(WEEKDAYS, 17 * 60, 21 * 60), ((5, 6), 10 * 60, 14 * 60)],
]
SESSION_NAMES = {
    "video": ("Video session", 50),
    "phone": ("Phone call", 30),
    "chat": ("Chat session", 45),
    "in_person": ("Session in person", 60),
}


@dataclass(frozen=True)
class SchedulingSeed:
    practitioners_with_hours: int
    appointments: int


def seed_scheduling() -> SchedulingSeed:
    profiles = (
        PractitionerProfile.objects.select_related("practitioner")
        .prefetch_related("modality_rows")
        .order_by("practitioner__email")
    )
    for profile in profiles:
        if not SessionType.objects.filter(practitioner=profile.practitioner).exists():
            _set_up(profile)
    if not Appointment.objects.filter(client__email=DEMO_CLIENT_EMAIL).exists():
        _book_demo_appointments()
    with_hours = User.objects.annotate(windows=Count("availability_windows")).filter(
        role=Role.PRACTITIONER, windows__gt=0
    )
    return SchedulingSeed(with_hours.count(), Appointment.objects.count())


def _pick(person: User) -> random.Random:
    return random.Random(person.email)  # noqa: S311  (fictional demo data, not a secret)


def _set_up(profile: PractitionerProfile) -> None:
    practitioner = profile.practitioner
    pick = _pick(practitioner)
    week = pick.choice(WEEKS)
    availability.replace_weekly_hours(
        practitioner=practitioner,
        windows=[(day, start, end) for days, start, end in week for day in days],
    )
    amara = practitioner.email == DEMO_PRACTITIONER_EMAIL
    availability.update_booking_rules(
        practitioner=practitioner,
        buffer_before_minutes=0,
        buffer_after_minutes=pick.choice([10, 10, 15]),
        slot_interval_minutes=pick.choice([30, 30, 60]),
        minimum_notice_hours=pick.choice([12, 24, 24]),
        max_per_day=pick.choice([None, None, 5, 6]),
        horizon_days=pick.choice([30, 60, 90]),
        cancellation_notice_hours=pick.choice([24, 24, 48]),
        confirm_first_sessions=amara or pick.random() < 0.3,
    )
    fee = profile.fee if profile.fee is not None else Decimal("0")
    currency = profile.fee_currency or _currency_of(practitioner)
    for row in profile.modality_rows.all():
        name, minutes = SESSION_NAMES[row.modality]
        availability.save_session_type(
            practitioner=practitioner,
            name=name,
            duration_minutes=minutes,
            modality=row.modality,
            price=fee if minutes >= 45 else (fee * Decimal("0.6")).quantize(Decimal("1")),
            currency=currency,
            place=profile.in_person_place,
        )


def _currency_of(practitioner: User) -> str:
    """Funded practitioners show no fee; their sessions are free in their country's money."""
    place = _home_of(practitioner)
    country = place.country_id if place and place.country_id else (place.code if place else "")
    return {"GB": "GBP", "IE": "EUR", "NZ": "NZD", "CA": "CAD", "ZA": "ZAR", "HK": "HKD"}.get(
        country, "USD"
    )


def _home_of(practitioner: User) -> Jurisdiction | None:
    claim = (
        RegistrationClaim.objects.filter(practitioner=practitioner, state="verified")
        .select_related("regulator__jurisdiction")
        .first()
    )
    return claim.regulator.jurisdiction if claim else None


def _demo_client(email: str, alias: str) -> User:
    person, created = User.objects.get_or_create(
        email=email, defaults={"role": Role.CLIENT, "alias": alias}
    )
    if created:
        person.set_unusable_password()
        person.save(update_fields=["password"])
        EmailAddress.objects.create(user=person, email=email, primary=True, verified=True)
    return person


def _book_next(client: User, session_type: SessionType, skip: int = 0) -> Appointment | None:
    practitioner = session_type.practitioner
    where = _home_of(practitioner)
    found = bookable(practitioner).free_slots(session_type, limit=skip + 1)
    if where is None or len(found) <= skip:
        return None
    try:
        return booking.book_appointment(
            client=client,
            session_type=session_type,
            starts_at=found[skip].starts_at,
            where=where,
            idempotency_key=uuid.uuid4(),
        )
    except ValidationError:
        return None  # the day filled up, for instance: the demo books another


def _book_demo_appointments() -> None:
    amara = User.objects.filter(email=DEMO_PRACTITIONER_EMAIL).first()
    robin = User.objects.filter(email=DEMO_CLIENT_EMAIL).first()
    if amara and robin and may_take_bookings(amara):
        video = offered_session_types(amara).filter(modality="video").first()
        if video is not None:
            # Robin's first session waits for Amara; once she confirms it, the next is booked
            # outright. Sky's first session is still waiting for her.
            first = _book_next(robin, video, skip=2)
            if first is not None:
                booking.confirm_appointment(appointment=first, practitioner=amara)
                _book_next(robin, video, skip=12)
            _book_next(_demo_client(f"sky@{CLIENT_DOMAIN}", "Sky"), video, skip=4)
    listed = list(
        User.objects.filter(
            Q(profile__published=True), role=Role.PRACTITIONER, session_types__active=True
        )
        .distinct()
        .order_by("email")
    )
    bookable_now = [person for person in listed if may_take_bookings(person)]
    pick = random.Random(2026)  # noqa: S311  (fictional demo data, not a secret)
    for index, alias in enumerate(CLIENT_ALIASES[1:], start=1):
        client = _demo_client(f"client{index:02d}@{CLIENT_DOMAIN}", alias)
        for practitioner in pick.sample(bookable_now, min(2, len(bookable_now))):
            session_type = offered_session_types(practitioner).first()
            if session_type is not None:
                _book_next(client, session_type, skip=pick.randrange(0, 10))
