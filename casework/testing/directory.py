"""Directory test data, made through the real services: a practitioner whose claim the register
verified, and their profile saved as the editor saves it."""

from dataclasses import replace
from decimal import Decimal
from itertools import count
from typing import Any

from casework.accounts.models import User
from casework.directory.models import Modality, PractitionerProfile
from casework.directory.services import ProfileDetails, save_profile
from casework.registry.models import RegisterEntry, Regulator
from casework.testing.factories import PractitionerFactory
from casework.testing.registry import verified_claim

_numbers = count(1)


def profile_details(**overrides: Any) -> ProfileDetails:
    """A complete, valid profile; ``overrides`` name the fields that differ."""
    details = ProfileDetails(
        display_name="Amara Okafor",
        languages=["en"],
        specialties=["mental-health"],
        modalities=[Modality.VIDEO],
        in_person_place="",
        funded=False,
        fee=Decimal("60.00"),
        fee_currency="GBP",
        time_zone="Europe/London",
        bio_source="I work with adults through **hard times**.",
        published=True,
    )
    return replace(details, **overrides)


def registered_practitioner(
    *,
    legal_name: str = "Amara Okafor",
    regulator: str = "social-work-england",
    status: str = "registered",
    practitioner: User | None = None,
) -> User:
    """A practitioner whose claim on a new register entry of ``regulator`` an officer confirmed.
    Needs the reference data (regulators) loaded."""
    person = practitioner or PractitionerFactory.create(legal_name=legal_name)
    number = f"T{next(_numbers):06d}"
    RegisterEntry.objects.create(
        regulator=Regulator.objects.get(slug=regulator),
        registration_number=number,
        name=person.legal_name,
        status=status,
    )
    verified_claim(
        practitioner=person,
        regulator=Regulator.objects.get(slug=regulator),
        registration_number=number,
    )
    return person


def listed_practitioner(
    *,
    legal_name: str = "Amara Okafor",
    regulator: str = "social-work-england",
    **overrides: Any,
) -> PractitionerProfile:
    """A registered practitioner with a published profile: listed in the directory."""
    person = registered_practitioner(legal_name=legal_name, regulator=regulator)
    overrides.setdefault("display_name", legal_name)
    return save_profile(practitioner=person, details=profile_details(**overrides))
