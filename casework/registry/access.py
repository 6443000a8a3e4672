"""Who may act on which registry object: one place for views, API and tasks alike.

Each helper answers 404 alike for "missing" and "not yours".
"""

from django.db.models import QuerySet
from django.http import Http404

from casework.accounts.models import Role, User
from casework.registry.claims import decidable_claims
from casework.registry.credentials.models import IssuedCredential
from casework.registry.models import RegisterImport, RegistrationClaim, Regulator


def regulators_acted_on_by(person: User) -> QuerySet[Regulator]:
    """Officers act on their own regulators' registers; platform admins on every register."""
    if person.role == Role.ADMIN:
        return Regulator.objects.all()
    if person.role == Role.OFFICER:
        return Regulator.objects.filter(officers__officer=person)
    return Regulator.objects.none()


def reviewable_claims(person: User) -> QuerySet[RegistrationClaim]:
    """Claims awaiting review or proof, in dispute, or verified by a name match alone: by the
    regulator's officers, else by platform admins."""
    pending = RegistrationClaim.objects.filter(decidable_claims())
    if person.role == Role.ADMIN:
        return pending
    if person.role == Role.OFFICER:
        return pending.filter(regulator__officers__officer=person)
    return pending.none()


def get_claim_for_reviewer(person: User, claim_id: int) -> RegistrationClaim:
    claim = (
        reviewable_claims(person)
        .select_related("regulator", "practitioner", "entry")
        .filter(pk=claim_id)
        .first()
    )
    if claim is None:
        raise Http404
    return claim


def get_own_claim(person: User, claim_id: int) -> RegistrationClaim:
    claim = RegistrationClaim.objects.filter(pk=claim_id, practitioner=person).first()
    if claim is None:
        raise Http404
    return claim


def held_credentials(person: User) -> QuerySet[IssuedCredential]:
    """The credentials a practitioner holds: live (not revoked) credentials of their verified
    claims, newest first. Suspended ones are included: they are still theirs, and say so."""
    return (
        IssuedCredential.objects.filter(
            claim__practitioner=person,
            claim__state=RegistrationClaim.State.VERIFIED,
            revoked=False,
        )
        .select_related("claim__regulator", "claim__entry")
        .order_by("-issued_at", "-pk")
    )


def get_own_credential(person: User, claim_id: int) -> IssuedCredential:
    """The current credential of one of the person's verified claims; 404 alike for another
    person's claim, a claim that is not verified and a claim without a live credential."""
    credential = held_credentials(person).filter(claim_id=claim_id).first()
    if credential is None:
        raise Http404
    return credential


def get_import_for_officer(person: User, import_id: int) -> RegisterImport:
    found = (
        RegisterImport.objects.select_related("regulator")
        .filter(pk=import_id, regulator__in=regulators_acted_on_by(person))
        .first()
    )
    if found is None:
        raise Http404
    return found


def get_regulator_for_officer(person: User, slug: str) -> Regulator:
    """A regulator whose register the person acts on; 404 alike for missing and not theirs."""
    found = regulators_acted_on_by(person).filter(slug=slug).first()
    if found is None:
        raise Http404
    return found
