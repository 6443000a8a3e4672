"""Credential test data: a practitioner holding a verified registration and its credential.

The claim is recorded as verified directly (the way a decision records it) rather than through
``claim_registration``, so the data stays the same whichever proof the claim needed."""

from datetime import timedelta

from django.utils import timezone

from casework.accounts.models import User
from casework.registry.credentials.models import IssuedCredential
from casework.registry.credentials.service import (
    issue_credential_for_claim,
    sync_credential_status,
)
from casework.registry.models import RegisterEntry, RegistrationClaim, Regulator


def held_credential(
    practitioner: User, *, regulator: Regulator, number: str, name: str = ""
) -> IssuedCredential:
    entry = RegisterEntry.objects.create(
        regulator=regulator,
        registration_number=number,
        name=name or practitioner.legal_name,
        status="registered",
        valid_until=timezone.now().date() + timedelta(days=300),
    )
    claim = RegistrationClaim.objects.create(
        practitioner=practitioner,
        regulator=regulator,
        registration_number=number,
        entry=entry,
        state=RegistrationClaim.State.VERIFIED,
        decided_at=timezone.now(),
    )
    credential = issue_credential_for_claim(claim=claim)
    assert credential is not None  # noqa: S101  (a registered entry always gets one)
    return credential


def issued_for(claim: RegistrationClaim) -> IssuedCredential:
    """The credential issued for a verified claim (issuing it must succeed)."""
    issued = issue_credential_for_claim(claim=claim)
    assert issued is not None  # noqa: S101  (test data)
    return issued


def set_register_status(claim: RegistrationClaim, status: str) -> None:
    """The register's entry for ``claim`` says ``status``, and its credential follows."""
    RegisterEntry.objects.filter(claims=claim).update(status=status)
    sync_credential_status(claim=claim)
