"""Registry test data through the real services: claims proved by one of the proof routes.

``prove_by_officer`` is the quickest real route to a verified claim (no email to read): an
officer of the regulator confirms it, as ``decide_claim`` records it on the page.
"""

from casework.accounts.models import Role, User
from casework.registry.claims import Decision, claim_registration, decide_claim
from casework.registry.models import RegistrationClaim, Regulator, RegulatorOfficer
from casework.testing.factories import UserFactory


def officer_of(regulator: Regulator) -> User:
    """An officer of ``regulator`` (one per regulator, made on first use)."""
    email = f"officer@{regulator.slug}.example.org"
    officer = User.objects.filter(email=email).first()
    if officer is None:
        officer = UserFactory.create(
            email=email, role=Role.OFFICER, legal_name=f"Officer of {regulator.short_name}"
        )
        RegulatorOfficer.objects.create(officer=officer, regulator=regulator)
    return officer


def prove_by_officer(claim: RegistrationClaim) -> RegistrationClaim:
    """An officer of the claim's regulator confirms the claim from the regulator's records."""
    return decide_claim(
        claim=claim,
        reviewer=officer_of(claim.regulator),
        decision=Decision.CONFIRM,
        reason="Confirmed from the regulator's records.",
    )


def verified_claim(
    *, practitioner: User, regulator: Regulator, registration_number: str
) -> RegistrationClaim:
    """Claim a registration the register holds under the practitioner's name, then have an
    officer of the regulator confirm it."""
    claim = claim_registration(
        practitioner=practitioner, regulator=regulator, registration_number=registration_number
    )
    return prove_by_officer(claim)
