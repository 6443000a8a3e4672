"""Writes about credentials: issue, revoke, suspend and reinstate, each audited, each in the
caller's transaction (the claim decision or the register import that caused it).

The credential follows the register entry:
- removed from the register, or the claim no longer verified: revoked (final);
- suspended, lapsed, or not in the latest reading of the register, or its listing suspended
  by a regulator officer on this platform: the suspension bit is set (reversible);
- registered or registered with conditions: the suspension bit is cleared; a credential that
  states another status than the register now shows (registered <-> conditions) is replaced
  by a new one, and a claim without a live credential gets one.
"""

from django.db import transaction
from django.utils import timezone

from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.registry.credentials import jws
from casework.registry.credentials.issuance import issue_credential
from casework.registry.credentials.models import IssuedCredential
from casework.registry.credentials.status_list import set_status_bit
from casework.registry.models import (
    PRACTISING_STATUSES,
    PlatformRestriction,
    RegisterEntry,
    RegistrationClaim,
    RegistrationStatus,
)

_SUSPENDING_STATUSES = frozenset(
    {
        RegistrationStatus.SUSPENDED,
        RegistrationStatus.LAPSED,
        # Absence from a reading is not removal: reversible until a second reading confirms it.
        RegistrationStatus.NOT_IN_READING,
    }
)


def _audit(credential: IssuedCredential, action: actions.Action, **detail: object) -> None:
    record_event(
        action=action,
        target=credential,
        subject_id=credential.claim.practitioner_id,
        detail={"claim": credential.claim_id, "index": credential.status_list_index, **detail},
    )


def _stated_status(credential: IssuedCredential) -> str:
    """The registration status the credential states (it is ours: no need to verify it)."""
    subject = jws.parse_compact(credential.jwt).payload.get("credentialSubject", {})
    return str(subject.get("registrationStatus", "")) if isinstance(subject, dict) else ""


def revoke_credential(*, credential: IssuedCredential, reason: str) -> bool:
    """Revoke for good. Returns False when it already was."""
    with transaction.atomic():
        credential = IssuedCredential.objects.select_for_update().get(pk=credential.pk)
        if credential.revoked:
            return False
        set_status_bit(
            status_list=credential.revocation_list,
            index=credential.status_list_index,
            value=True,
        )
        credential.revoked, credential.revoked_at = True, timezone.now()
        credential.save(update_fields=["revoked", "revoked_at"])
        _audit(credential, actions.REGISTRY_CREDENTIAL_REVOKED, reason=reason)
    return True


def suspend_credential(*, credential: IssuedCredential) -> bool:
    return _set_suspension(credential, suspended=True)


def reinstate_credential(*, credential: IssuedCredential) -> bool:
    """Lift a suspension (never a revocation)."""
    return _set_suspension(credential, suspended=False)


def _set_suspension(credential: IssuedCredential, *, suspended: bool) -> bool:
    """Returns False when there is nothing to do: revoked, or already in that state."""
    with transaction.atomic():
        credential = IssuedCredential.objects.select_for_update().get(pk=credential.pk)
        if credential.revoked or credential.suspended == suspended:
            return False
        set_status_bit(
            status_list=credential.suspension_list,
            index=credential.status_list_index,
            value=suspended,
        )
        credential.suspended = suspended
        credential.save(update_fields=["suspended"])
        _audit(
            credential,
            actions.REGISTRY_CREDENTIAL_SUSPENDED
            if suspended
            else actions.REGISTRY_CREDENTIAL_REINSTATED,
        )
    return True


def _suspended_on_platform(entry: RegisterEntry) -> bool:
    """A regulator officer suspended the registration's listing here (``PlatformRestriction``)."""
    return entry.platform_restrictions.filter(
        kind=PlatformRestriction.Kind.SUSPENSION, lifted_at__isnull=True
    ).exists()


def _live_credentials(claim: RegistrationClaim) -> list[IssuedCredential]:
    return list(
        IssuedCredential.objects.select_for_update()
        .filter(claim=claim, revoked=False)
        .select_related("claim", "revocation_list", "suspension_list")
        .order_by("issued_at", "pk")
    )


def issue_credential_for_claim(*, claim: RegistrationClaim) -> IssuedCredential | None:
    """Issue a credential for a verified claim whose register entry allows practice today;
    earlier live credentials of the claim are replaced (revoked as superseded). Returns None
    when the claim or the register does not allow one now."""
    entry = claim.entry
    if claim.state != RegistrationClaim.State.VERIFIED or entry is None:
        return None
    if entry.status not in PRACTISING_STATUSES:
        return None
    if entry.valid_until is not None and entry.valid_until < timezone.now().date():
        return None
    with transaction.atomic():
        earlier = _live_credentials(claim)
        credential = issue_credential(claim=claim)
        _audit(
            credential, actions.REGISTRY_CREDENTIAL_ISSUED, kid=credential.kid, status=entry.status
        )
        for old in earlier:
            revoke_credential(credential=old, reason="superseded")
        if _suspended_on_platform(entry):
            suspend_credential(credential=credential)
    return credential


def revoke_credentials_for_claim(*, claim: RegistrationClaim, reason: str = "claim closed") -> int:
    """Revoke every live credential of the claim (withdrawn, rejected on appeal...)."""
    with transaction.atomic():
        return sum(
            revoke_credential(credential=credential, reason=reason)
            for credential in _live_credentials(claim)
        )


def sync_credential_status(*, claim: RegistrationClaim) -> None:
    """Bring the claim's credentials in line with its register entry's status, after a change
    (called in the transaction that applies the register import)."""
    claim.refresh_from_db(fields=["state", "entry"])
    entry = claim.entry
    with transaction.atomic():
        live = _live_credentials(claim)
        if (
            claim.state != RegistrationClaim.State.VERIFIED
            or entry is None
            or entry.status == RegistrationStatus.REMOVED
        ):
            verified = claim.state == RegistrationClaim.State.VERIFIED
            reason = "removed from the register" if verified else "claim closed"
            for credential in live:
                revoke_credential(credential=credential, reason=reason)
            return
        if entry.status in _SUSPENDING_STATUSES or _suspended_on_platform(entry):
            for credential in live:
                suspend_credential(credential=credential)
            return
        current = [c for c in live if _stated_status(c) == entry.status]
        if not current:
            issue_credential_for_claim(claim=claim)  # replaces (revokes) the outdated ones
            return
        for credential in current:
            reinstate_credential(credential=credential)
