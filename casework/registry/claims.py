"""Practitioners claim registrations; the register decides at once or a reviewer does."""

import uuid
from functools import partial

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.accounts.models import Role, User
from casework.privacy.audit import record_event
from casework.registry.credentials import service as credentials
from casework.registry.models import (
    RegisterEntry,
    RegisterImport,
    RegistrationClaim,
    RegistrationStatus,
    Regulator,
)
from casework.registry.names import names_match, normalise_registration_number
from casework.registry.notifications import tell_practitioner_status_changed
from casework.registry.standing import announce_standing_changed
from casework.vault.crypto import seal
from casework.vault.services import data_key_for_owner


def _announce_standing(practitioner: User, reason: str) -> None:
    announce_standing_changed(practitioner, reason)


EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_TYPES = {b"%PDF": "PDF", b"\x89PNG": "PNG", b"\xff\xd8\xff": "JPEG"}


def _check_evidence(evidence: UploadedFile[bytes] | None) -> None:
    if evidence is None:
        return
    if evidence.size is not None and evidence.size > EVIDENCE_MAX_BYTES:
        raise ValidationError(_("Evidence files can be at most 10 MB."))
    head = evidence.read(8)
    evidence.seek(0)
    if not any(head.startswith(magic) for magic in EVIDENCE_TYPES):
        raise ValidationError(_("Evidence must be a PDF, PNG or JPEG file."))


def claim_registration(
    *,
    practitioner: User,
    regulator: Regulator,
    registration_number: str,
    evidence: UploadedFile[bytes] | None = None,
    evidence_note: str = "",
) -> RegistrationClaim:
    """Verify at once when the register holds this number under the practitioner's name;
    otherwise queue the claim for review with its evidence, sealed by the vault under the
    practitioner's data key and bound to this claim."""
    if practitioner.role != Role.PRACTITIONER:
        raise ValidationError(_("Only practitioners can claim a registration."))
    number = normalise_registration_number(registration_number)
    if not number or len(number) > 40:
        raise ValidationError(_("Enter the registration number as the register shows it."))
    _check_evidence(evidence)
    with transaction.atomic():
        if RegistrationClaim.objects.filter(
            practitioner=practitioner,
            regulator=regulator,
            registration_number=number,
            state__in=[RegistrationClaim.State.VERIFIED, RegistrationClaim.State.PENDING],
        ).exists():
            raise ValidationError(_("You have already claimed this registration."))
        entry = RegisterEntry.objects.filter(
            regulator=regulator, registration_number=number
        ).first()
        held_by_another = RegistrationClaim.objects.filter(
            regulator=regulator, registration_number=number, state=RegistrationClaim.State.VERIFIED
        ).exists()
        matches = entry is not None and names_match(
            practitioner.legal_name, entry.name, *entry.previous_names
        )
        verified = matches and not held_by_another
        claim = RegistrationClaim.objects.create(
            practitioner=practitioner,
            regulator=regulator,
            registration_number=number,
            entry=entry if verified else None,
            state=RegistrationClaim.State.VERIFIED if verified else RegistrationClaim.State.PENDING,
            evidence_note=evidence_note,
            decided_at=timezone.now() if verified else None,
        )
        if evidence is not None:
            sealed = seal(
                data_key_for_owner(owner=f"person:{practitioner.pk}"),
                evidence.read(),
                context=f"registry.registrationclaim.evidence:{claim.pk}",
            )
            # A random name: the uploaded one may say who the practitioner is.
            claim.evidence.save(f"{uuid.uuid4().hex}.sealed", ContentFile(sealed), save=False)
            claim.save(update_fields=["evidence"])
        record_event(
            action="registry.claim_verified" if verified else "registry.claim_submitted",
            actor=practitioner,
            target=claim,
            subject_id=practitioner.pk,
            detail={"regulator": regulator.slug, "matched_register": verified},
        )
        if verified:
            credentials.issue_credential_for_claim(claim=claim)
            _announce_standing(practitioner, "claim_verified")
    return claim


def decide_claim(
    *, claim: RegistrationClaim, reviewer: User, approve: bool, reason: str
) -> RegistrationClaim:
    """A reviewer's decision, with its reason; an approval needs the register entry."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason for your decision: the practitioner reads it."))
    with transaction.atomic():
        claim = RegistrationClaim.objects.select_for_update().get(pk=claim.pk)
        if claim.state != RegistrationClaim.State.PENDING:
            raise ValidationError(_("This claim has already been decided."))
        if approve:
            entry = RegisterEntry.objects.filter(
                regulator=claim.regulator, registration_number=claim.registration_number
            ).first()
            if entry is None:
                raise ValidationError(
                    _("The register holds no entry with this number: it cannot be verified.")
                )
            if RegistrationClaim.objects.filter(
                entry=entry, state=RegistrationClaim.State.VERIFIED
            ).exists():
                raise ValidationError(_("Another practitioner already holds this registration."))
            claim.entry = entry
        claim.state = (
            RegistrationClaim.State.VERIFIED if approve else RegistrationClaim.State.REJECTED
        )
        claim.decided_at, claim.decided_by, claim.decision_reason = (
            timezone.now(),
            reviewer,
            reason,
        )
        claim.save(update_fields=["entry", "state", "decided_at", "decided_by", "decision_reason"])
        record_event(
            action="registry.claim_approved" if approve else "registry.claim_rejected",
            actor=reviewer,
            target=claim,
            subject_id=claim.practitioner_id,
            reason=reason,
        )
        if approve:
            credentials.issue_credential_for_claim(claim=claim)
            _announce_standing(claim.practitioner, "claim_verified")
    return claim


def withdraw_claim(*, claim: RegistrationClaim, practitioner: User) -> None:
    with transaction.atomic():
        claim = RegistrationClaim.objects.select_for_update().get(
            pk=claim.pk, practitioner=practitioner
        )
        if claim.state not in (RegistrationClaim.State.PENDING, RegistrationClaim.State.VERIFIED):
            raise ValidationError(_("This claim is no longer open."))
        was_verified = claim.state == RegistrationClaim.State.VERIFIED
        claim.state = RegistrationClaim.State.WITHDRAWN
        claim.save(update_fields=["state"])
        record_event(
            action="registry.claim_withdrawn",
            actor=practitioner,
            target=claim,
            subject_id=practitioner.pk,
        )
        if was_verified:
            credentials.revoke_credentials_for_claim(claim=claim)
            _announce_standing(practitioner, "claim_withdrawn")


STATUS_SENTENCES = {
    RegistrationStatus.REGISTERED: "registered",
    RegistrationStatus.CONDITIONS: "registered with conditions",
    RegistrationStatus.SUSPENDED: "suspended",
    RegistrationStatus.LAPSED: "lapsed",
    RegistrationStatus.REMOVED: "removed from the register",
}


def registration_status_changed(
    *,
    entry: RegisterEntry,
    old_status: str,
    new_status: str,
    register_import: RegisterImport | None,
) -> None:
    """Apply a register status change in the same transaction as the import that read it:
    the credential's status follows, the practitioner is told, the audit log records it, and
    ``StandingChanged`` lets other apps add theirs (scheduling tells open clients). Listings
    and new bookings read standing from the register, so they follow at once."""
    claims = RegistrationClaim.objects.filter(
        entry=entry, state=RegistrationClaim.State.VERIFIED
    ).select_related("practitioner", "regulator")
    for claim in claims:
        record_event(
            action="registry.status_changed",
            target=claim,
            subject_id=claim.practitioner_id,
            detail={
                "from": old_status,
                "to": new_status,
                "import": register_import.pk if register_import else None,
            },
        )
        credentials.sync_credential_status(claim=claim)
        transaction.on_commit(
            partial(tell_practitioner_status_changed, claim_id=claim.pk, new_status=new_status)
        )
        _announce_standing(claim.practitioner, "register_status")
