"""Whom a complaint is about: the practitioner behind a profile or a registration."""

from dataclasses import dataclass

from casework.accounts.models import Role, User
from casework.directory.models import PractitionerProfile
from casework.registry.models import RegistrationClaim
from casework.registry.names import normalise_registration_number


@dataclass(frozen=True)
class Subject:
    practitioner: User
    # What the complainant sees the practitioner called: the profile's name, else the
    # register's.
    shown_name: str
    profile_slug: str


def _profile_slug(text: str) -> str:
    """A profile's slug, from the slug itself or the profile's whole address."""
    text = text.strip().rstrip("/")
    return text.rsplit("/", 1)[-1][:80]


def find_subject(*, profile: str = "", regulator: str = "", number: str = "") -> Subject | None:
    if profile:
        found = (
            PractitionerProfile.objects.select_related("practitioner")
            .filter(slug=_profile_slug(profile), practitioner__role=Role.PRACTITIONER)
            .first()
        )
        if found is not None:
            return Subject(found.practitioner, found.display_name, found.slug)
        return None
    if regulator and number:
        claim = (
            RegistrationClaim.objects.select_related("practitioner", "entry")
            .filter(
                regulator__slug=regulator[:60],
                registration_number=normalise_registration_number(number)[:40],
                state=RegistrationClaim.State.VERIFIED,
            )
            .first()
        )
        if claim is not None and claim.entry is not None:
            slug = (
                PractitionerProfile.objects.filter(practitioner=claim.practitioner)
                .values_list("slug", flat=True)
                .first()
            )
            return Subject(claim.practitioner, claim.entry.name, slug or "")
    return None
