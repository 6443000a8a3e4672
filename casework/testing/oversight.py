"""Test data for the regulator portal and complaints, through the real services: officers of a
regulator (with a second factor, so their pages open), a listed practitioner, a complaint."""

from typing import Any

from casework.accounts.models import User
from casework.complaints.services import FiledComplaint, file_complaint
from casework.directory.models import PractitionerProfile
from casework.directory.services import save_profile
from casework.registry.models import (
    RegisterEntry,
    RegistrationClaim,
    Regulator,
    RegulatorOfficer,
)
from casework.testing.directory import profile_details
from casework.testing.factories import OfficerFactory, PractitionerFactory
from casework.testing.scheduling import bookable_practitioner, reference_places


def regulator(slug: str = "social-work-england") -> Regulator:
    reference_places()
    return Regulator.objects.get(slug=slug)


def officer_of(slug: str = "social-work-england", **fields: Any) -> User:
    """A new officer of the regulator, with TOTP enrolled."""
    officer = OfficerFactory.create(**fields)
    RegulatorOfficer.objects.create(officer=officer, regulator=regulator(slug))
    return officer


def listed_practitioner(**fields: Any) -> tuple[User, PractitionerProfile]:
    """A practitioner verified in England, bookable, with a published profile."""
    practitioner, _session = bookable_practitioner(
        practitioner=PractitionerFactory.create(**fields)
    )
    profile = save_profile(
        practitioner=practitioner,
        details=profile_details(display_name=practitioner.legal_name),
    )
    return practitioner, profile


def listed_with_entry(
    legal_name: str = "Amara Okafor",
) -> tuple[User, PractitionerProfile, RegisterEntry]:
    """``listed_practitioner``, with the register entry their verified claim rests on (what a
    regulator's order is made on)."""
    practitioner, profile = listed_practitioner(legal_name=legal_name)
    claim = RegistrationClaim.objects.get(practitioner=practitioner, state="verified")
    assert claim.entry is not None  # noqa: S101  (a verified claim has its entry)
    return practitioner, profile, claim.entry


def complaint_about(practitioner: User, **fields: Any) -> FiledComplaint:
    return file_complaint(
        **{
            "practitioner": practitioner,
            "category": "boundary",
            "details": "They asked me to pay them by gift card.",
            **fields,
        }
    )
