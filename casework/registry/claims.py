"""Practitioners claim registrations; only proof of control verifies one.

A register is public, so a number and a name that match it prove nothing: a matching claim is
*matched, awaiting proof* until one of the proof routes accepts it (an emailed one-time code,
``claim_codes``; an officer of the regulator; a review of identity evidence). A claim that does
not match goes to review with its evidence. One registration has one holder: a claim on a
registration that another claim holds or awaits opens a dispute, and reviewers decide.
"""

import random
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import OperationalError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.accounts.models import Role, User
from casework.events.catalogue import ClaimNews, RegistrationOrderChanged
from casework.events.outbox import emit
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.registry.credentials import service as credentials
from casework.registry.evidence_notes import seal_note
from casework.registry.models import (
    RegisterEntry,
    RegisterImport,
    RegistrationClaim,
    RegistrationStatus,
    Regulator,
    RegulatorOfficer,
)
from casework.registry.names import names_match, normalise_registration_number
from casework.registry.notifications import tell_practitioner_status_changed
from casework.registry.standing import announce_standing_changed
from casework.vault.crypto import seal, sealed_key_id, unseal, unseal_named
from casework.vault.errors import DataKeyMissing
from casework.vault.models import DataKey
from casework.vault.services import data_key_for_owner

State = RegistrationClaim.State
Route = RegistrationClaim.ProofRoute


EVIDENCE_TYPES = {b"%PDF": "PDF", b"\x89PNG": "PNG", b"\xff\xd8\xff": "JPEG"}
# The files a claim may carry, by field: each sealed under the practitioner's data key.
DOCUMENT_FIELDS = ("evidence", "identity_document")


def _check_evidence(evidence: UploadedFile[bytes] | None) -> None:
    if evidence is None:
        return
    limit = settings.REGISTRY_EVIDENCE_MAX_BYTES  # CASEWORK_EVIDENCE_MAX_MB
    if evidence.size is not None and evidence.size > limit:
        raise ValidationError(
            _("Evidence files can be at most %(megabytes)s MB.")
            % {"megabytes": limit // (1024 * 1024)}
        )
    head = evidence.read(8)
    evidence.seek(0)
    if not any(head.startswith(magic) for magic in EVIDENCE_TYPES):
        raise ValidationError(_("Evidence must be a PDF, PNG or JPEG file."))


def document_context(claim: RegistrationClaim, field: str) -> str:
    """What a sealed claim document is bound to: its table, field and row."""
    return f"registry.registrationclaim.{field}:{claim.pk}"


def open_document(
    claim: RegistrationClaim,
    field: str,
    stored: bytes,
    *,
    keys: Mapping[uuid.UUID, DataKey] | None = None,
) -> bytes:
    """What the practitioner uploaded as ``field``, from the bytes ``_store_document`` stored:
    opened under the key its header names (found in ``keys`` when the caller read them all at
    once), or as stored for a file kept before the vault sealed evidence. Vault errors when
    it cannot."""
    if not (getattr(claim, field).name or "").endswith(".sealed"):
        return stored
    context = document_context(claim, field)
    if keys is None:
        return unseal_named(stored, context=context)
    key_id = sealed_key_id(stored, context=context)
    if key_id not in keys:
        raise DataKeyMissing(key_id, context=context)
    return unseal(keys[key_id], stored, context=context)


def document_extension(content: bytes) -> str:
    """The file extension of an opened document, by its first bytes: pdf, png, jpeg or bin."""
    kind = next((kind for magic, kind in EVIDENCE_TYPES.items() if content.startswith(magic)), "")
    return kind.lower() or "bin"


def _store_document(claim: RegistrationClaim, field: str, upload: UploadedFile[bytes]) -> None:
    upload.seek(0)  # a retried write reads it again
    sealed = seal(
        data_key_for_owner(owner=f"person:{claim.practitioner_id}"),
        upload.read(),
        context=document_context(claim, field),
    )
    # A random name: the uploaded one may say who the practitioner is.
    getattr(claim, field).save(f"{uuid.uuid4().hex}.sealed", ContentFile(sealed), save=False)
    claim.save(update_fields=[field])


def _live_claims_on(regulator_id: int, number: str) -> "Q":
    return Q(
        regulator_id=regulator_id,
        registration_number=number,
        state__in=RegistrationClaim.LIVE_STATES,
    )


def _lock_registration(regulator: Regulator, number: str) -> RegisterEntry | None:
    """Claims on one registration are decided one at a time: the entry's row lock (the
    regulator's, for a number the register does not hold) makes the second of two claims sent
    at once see the first. SQLite takes its write lock at the start of the transaction."""
    entry = (
        RegisterEntry.objects.select_for_update()
        .filter(regulator=regulator, registration_number=number)
        .first()
    )
    if entry is None:
        Regulator.objects.select_for_update().filter(pk=regulator.pk).first()
    return entry


def claim_registration(
    *,
    practitioner: User,
    regulator: Regulator,
    registration_number: str,
    evidence: UploadedFile[bytes] | None = None,
    identity_document: UploadedFile[bytes] | None = None,
    evidence_note: str = "",
) -> RegistrationClaim:
    """Record a claim. A number and name the register holds make it *awaiting proof*; anything
    else goes to review with its evidence. A claim on a registration that another claim holds
    or awaits opens a dispute: both go to review and the other claimant is told; nothing
    changes for anyone's clients until a reviewer decides. Documents are sealed by the vault
    under the practitioner's data key and bound to this claim."""
    if practitioner.role != Role.PRACTITIONER:
        raise ValidationError(_("Only practitioners can claim a registration."))
    number = normalise_registration_number(registration_number)
    if not number or len(number) > 40:
        raise ValidationError(_("Enter the registration number as the register shows it."))
    _check_evidence(evidence)
    _check_evidence(identity_document)
    return _one_writer_at_a_time(
        partial(
            _record_claim,
            practitioner=practitioner,
            regulator=regulator,
            number=number,
            evidence=evidence,
            identity_document=identity_document,
            evidence_note=evidence_note,
        )
    )


# SQLite answers "database is locked" to a writer that meets another's transaction where a
# shared cache (or a wait longer than its timeout) stops it from queueing: try again shortly.
LOCKED_TRIES = 20


def _one_writer_at_a_time(write: Callable[[], RegistrationClaim]) -> RegistrationClaim:
    for attempt in range(1, LOCKED_TRIES + 1):
        claim: RegistrationClaim | None = None
        committed = False

        def mark_committed() -> None:
            nonlocal committed
            committed = True

        try:
            with transaction.atomic():
                # First of the claim's after-commit steps: a later one (a notice) that meets
                # the lock must not make a recorded claim look unrecorded and be tried again.
                transaction.on_commit(mark_committed)
                claim = write()
            return claim  # noqa: RET504  (assigned before the after-commit steps can raise)
        except OperationalError as error:
            if connection.vendor != "sqlite" or "locked" not in str(error):
                raise
            if committed and claim is not None:
                # The claim is recorded; what was to follow it is in the outbox and the
                # email table, which the relay goes back to.
                return claim
            if connection.in_atomic_block or attempt == LOCKED_TRIES:
                raise ValidationError(
                    _("Many claims reached this registration at once. Try again in a moment.")
                ) from error
            time.sleep(0.02 * attempt + random.random() * 0.02)  # noqa: S311  (spreading retries)
    raise AssertionError("unreachable")  # pragma: no cover


def _record_claim(
    *,
    practitioner: User,
    regulator: Regulator,
    number: str,
    evidence: UploadedFile[bytes] | None,
    identity_document: UploadedFile[bytes] | None,
    evidence_note: str,
) -> RegistrationClaim:
    entry = _lock_registration(regulator, number)
    live = RegistrationClaim.objects.select_for_update().filter(
        _live_claims_on(regulator.pk, number)
    )
    if live.filter(practitioner=practitioner).exists():
        raise ValidationError(_("You have already claimed this registration."))
    rivals = list(live.exclude(practitioner=practitioner))
    matches = entry is not None and names_match(
        practitioner.legal_name, entry.name, *entry.previous_names
    )
    now = timezone.now()
    claim = RegistrationClaim.objects.create(
        practitioner=practitioner,
        regulator=regulator,
        registration_number=number,
        entry=entry,
        state=State.AWAITING_PROOF if matches else State.PENDING,
        disputed_since=now if rivals else None,
    )
    if evidence_note.strip():
        # Sealed once the claim has its id, which the note is bound to.
        claim.evidence_note = seal_note(
            practitioner_id=practitioner.pk, claim_id=claim.pk, note=evidence_note.strip()
        )
        claim.save(update_fields=["evidence_note"])
    for field, upload in (("evidence", evidence), ("identity_document", identity_document)):
        if upload is not None:
            _store_document(claim, field, upload)
    record_event(
        action=actions.REGISTRY_CLAIM_MATCHED if matches else actions.REGISTRY_CLAIM_SUBMITTED,
        actor=practitioner,
        target=claim,
        subject_id=practitioner.pk,
        detail={
            "regulator": regulator.slug,
            "matched_register": matches,
            "disputed": bool(rivals),
        },
    )
    _open_dispute(claim, rivals, now)
    return claim


def _open_dispute(claim: RegistrationClaim, rivals: list[RegistrationClaim], now: datetime) -> None:
    for rival in rivals:
        if rival.disputed_since is None:
            rival.disputed_since = now
            rival.save(update_fields=["disputed_since"])
        record_event(
            action=actions.REGISTRY_CLAIM_DISPUTED,
            target=rival,
            subject_id=rival.practitioner_id,
            detail={"by_claim": claim.pk},
        )
        if rival.state in (State.VERIFIED, State.AWAITING_PROOF):
            emit(ClaimNews(claim_id=rival.pk, news="claim_disputed"))


def _settle_dispute(regulator_id: int, number: str) -> None:
    """A dispute ends when one claim is left on the registration."""
    live = list(RegistrationClaim.objects.filter(_live_claims_on(regulator_id, number)))
    if len(live) == 1 and live[0].disputed_since is not None:
        live[0].disputed_since = None
        live[0].save(update_fields=["disputed_since"])
        record_event(
            action=actions.REGISTRY_DISPUTE_SETTLED,
            target=live[0],
            subject_id=live[0].practitioner_id,
        )


def lock_claim(claim_id: int, **lookup: object) -> RegistrationClaim:
    """The claim, row-locked after its register entry (always in that order, as
    ``claim_registration`` locks them, so two writers never wait on each other)."""
    entry_id = (
        RegistrationClaim.objects.filter(pk=claim_id, **lookup)
        .values_list("entry_id", flat=True)
        .first()
    )
    if entry_id is not None:
        RegisterEntry.objects.select_for_update().filter(pk=entry_id).first()
    return (
        RegistrationClaim.objects.select_for_update(of=("self",))
        .select_related("regulator", "practitioner", "entry")
        .get(pk=claim_id, **lookup)
    )


def verify_claim(
    *,
    claim: RegistrationClaim,
    route: str,
    proved_by: User,
    now: datetime,
    reason: str = "",
) -> None:
    """Record the proof on a locked claim and verify it, inside the caller's transaction.
    A claim verified before proof existed (a name match) keeps its credential and gains the
    proof; a new holder gets their credential and the listing that follows from it."""
    if claim.entry is None:
        raise ValidationError(
            _("The register holds no entry with this number: it cannot be verified.")
        )
    held = (
        RegistrationClaim.objects.filter(entry=claim.entry, state=State.VERIFIED)
        .exclude(pk=claim.pk)
        .exists()
    )
    if held:
        raise ValidationError(
            _(
                "Another practitioner holds this registration. A reviewer decides between the "
                "claims; you can add identity evidence for them."
            )
        )
    was_verified = claim.state == State.VERIFIED
    claim.state = State.VERIFIED
    claim.proof_route, claim.proved_at, claim.proved_by = route, now, proved_by
    fields = ["state", "entry", "proof_route", "proved_at", "proved_by"]
    if not was_verified or reason:
        claim.decided_at = now
        fields.append("decided_at")
    if reason:
        claim.decided_by, claim.decision_reason = proved_by, reason
        fields += ["decided_by", "decision_reason"]
    claim.save(update_fields=fields)
    record_event(
        action=actions.REGISTRY_CLAIM_VERIFIED,
        actor=proved_by,
        target=claim,
        subject_id=claim.practitioner_id,
        reason=reason,
        detail={"route": route, "regulator": claim.regulator.slug},
    )
    if not was_verified:
        credentials.issue_credential_for_claim(claim=claim)
        announce_standing_changed(claim.practitioner, "claim_verified")


class Decision(StrEnum):
    CONFIRM = "confirm"  # an officer of the regulator confirms the registration is theirs
    EVIDENCE = "evidence"  # the identity evidence shows it is theirs
    REFUSE = "refuse"


def decidable_claims() -> Q:
    """Claims a reviewer may decide: awaiting review or proof, in dispute, or verified by a
    name match alone (before proof of control was asked for)."""
    return (
        Q(state__in=[State.PENDING, State.AWAITING_PROOF])
        | Q(state=State.VERIFIED, disputed_since__isnull=False)
        | Q(state=State.VERIFIED, proof_route=Route.NAME_MATCH)
    )


def decide_claim(
    *, claim: RegistrationClaim, reviewer: User, decision: Decision, reason: str
) -> RegistrationClaim:
    """A reviewer's decision, with its reason (the practitioner reads it).

    Confirming is for officers of the claim's regulator; verifying on evidence needs an
    identity document and a registration document. Verifying a claim in dispute decides the
    dispute: every other claim on the registration is refused, and a holder refused loses the
    credential and the listing."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason for your decision: the practitioner reads it."))
    with transaction.atomic():
        claim = lock_claim(claim.pk)
        if not RegistrationClaim.objects.filter(decidable_claims(), pk=claim.pk).exists():
            raise ValidationError(_("This claim has already been decided."))
        now = timezone.now()
        if decision == Decision.REFUSE:
            _refuse(claim, reviewer=reviewer, reason=reason, now=now)
        else:
            if decision == Decision.CONFIRM:
                if not RegulatorOfficer.objects.filter(
                    officer=reviewer, regulator=claim.regulator
                ).exists():
                    raise ValidationError(
                        _("Only an officer of this regulator can confirm a registration.")
                    )
                route = Route.OFFICER
            else:
                if not (claim.evidence and claim.identity_document):
                    raise ValidationError(
                        _(
                            "Verifying on evidence needs both an identity document and a "
                            "registration document."
                        )
                    )
                route = Route.EVIDENCE
            if claim.entry is None:
                claim.entry = RegisterEntry.objects.filter(
                    regulator=claim.regulator, registration_number=claim.registration_number
                ).first()
            rivals = RegistrationClaim.objects.filter(
                _live_claims_on(claim.regulator_id, claim.registration_number)
            ).exclude(pk=claim.pk)
            for rival in rivals.select_for_update(of=("self",)).select_related(
                "practitioner", "regulator"
            ):
                _refuse(
                    rival,
                    reviewer=reviewer,
                    reason=_("Another claim on this registration was verified: %(reason)s")
                    % {"reason": reason},
                    now=now,
                )
            # Those whose claim went to review were told they would hear of the decision; a
            # matched claim an officer confirms shows as verified on its own page.
            told_to_wait = claim.state == State.PENDING or claim.in_dispute
            verify_claim(claim=claim, route=route, proved_by=reviewer, now=now, reason=reason)
            if told_to_wait:
                emit(ClaimNews(claim_id=claim.pk, news="claim_decided"))
        _settle_dispute(claim.regulator_id, claim.registration_number)
    claim.refresh_from_db()
    return claim


def _refuse(claim: RegistrationClaim, *, reviewer: User, reason: str, now: datetime) -> None:
    was_verified = claim.state == State.VERIFIED
    claim.state = State.REJECTED
    claim.decided_at, claim.decided_by, claim.decision_reason = now, reviewer, reason
    claim.disputed_since = None
    claim.save(
        update_fields=["state", "decided_at", "decided_by", "decision_reason", "disputed_since"]
    )
    record_event(
        action=actions.REGISTRY_CLAIM_REJECTED,
        actor=reviewer,
        target=claim,
        subject_id=claim.practitioner_id,
        reason=reason,
    )
    if was_verified:
        credentials.revoke_credentials_for_claim(claim=claim, reason="claim refused")
        announce_standing_changed(claim.practitioner, "claim_refused")
    emit(ClaimNews(claim_id=claim.pk, news="claim_decided"))


def add_claim_evidence(
    *,
    claim: RegistrationClaim,
    practitioner: User,
    identity_document: UploadedFile[bytes],
    registration_document: UploadedFile[bytes],
    note: str = "",
) -> RegistrationClaim:
    """Add identity evidence to an open claim for reviewers: an identity document and a
    registration document, each sealed (replacing any given before)."""
    _check_evidence(identity_document)
    _check_evidence(registration_document)
    with transaction.atomic():
        claim = lock_claim(claim.pk, practitioner=practitioner)
        if claim.state not in (State.PENDING, State.AWAITING_PROOF) and not claim.in_dispute:
            raise ValidationError(_("This claim does not need evidence."))
        _store_document(claim, "identity_document", identity_document)
        _store_document(claim, "evidence", registration_document)
        if note.strip():
            claim.evidence_note = seal_note(
                practitioner_id=practitioner.pk, claim_id=claim.pk, note=note.strip()
            )
            claim.save(update_fields=["evidence_note"])
        record_event(
            action=actions.REGISTRY_CLAIM_EVIDENCE_ADDED,
            actor=practitioner,
            target=claim,
            subject_id=practitioner.pk,
        )
    return claim


def withdraw_claim(*, claim: RegistrationClaim, practitioner: User) -> None:
    with transaction.atomic():
        claim = lock_claim(claim.pk, practitioner=practitioner)
        if claim.state not in RegistrationClaim.LIVE_STATES:
            raise ValidationError(_("This claim is no longer open."))
        was_verified = claim.state == State.VERIFIED
        claim.state = State.WITHDRAWN
        claim.disputed_since = None
        claim.save(update_fields=["state", "disputed_since"])
        record_event(
            action=actions.REGISTRY_CLAIM_WITHDRAWN,
            actor=practitioner,
            target=claim,
            subject_id=practitioner.pk,
        )
        if was_verified:
            credentials.revoke_credentials_for_claim(claim=claim)
            announce_standing_changed(practitioner, "claim_withdrawn")
        _settle_dispute(claim.regulator_id, claim.registration_number)


def claims_without_proof() -> "QuerySet[RegistrationClaim]":
    """Verified claims whose only proof is the register's name match (made before proof of
    control was asked for), oldest first."""
    return (
        RegistrationClaim.objects.filter(state=State.VERIFIED, proof_route=Route.NAME_MATCH)
        .select_related("practitioner", "regulator")
        .order_by("proved_at", "pk")
    )


def ask_for_proof(*, claim: RegistrationClaim) -> None:
    """Ask the holder of a claim verified by a name match alone to prove control: an email
    pointing at their registrations page, where the proof routes are offered."""
    with transaction.atomic():
        record_event(
            action=actions.REGISTRY_PROOF_REQUESTED,
            target=claim,
            subject_id=claim.practitioner_id,
        )
        emit(ClaimNews(claim_id=claim.pk, news="proof_requested"))


STATUS_SENTENCES = {
    RegistrationStatus.REGISTERED: "registered",
    RegistrationStatus.CONDITIONS: "registered with conditions",
    RegistrationStatus.SUSPENDED: "suspended",
    RegistrationStatus.LAPSED: "lapsed",
    RegistrationStatus.REMOVED: "removed from the register",
}


def verified_claims_of_entries(entry_ids: list[int]) -> dict[int, list[RegistrationClaim]]:
    """entry id -> its verified claims, in one query, for ``registration_status_changed``'s
    ``verified_claims`` (an import tells it of a batch of status changes at a time); entries
    without any are not in it."""
    found: dict[int, list[RegistrationClaim]] = {}
    if not entry_ids:  # most batches of a reading change no status
        return found
    claims = RegistrationClaim.objects.filter(
        entry_id__in=entry_ids, state=State.VERIFIED
    ).select_related("practitioner", "regulator")
    for claim in claims.order_by("pk"):
        found.setdefault(claim.entry_id, []).append(claim)  # type: ignore[arg-type]
    return found


def registration_status_changed(
    *,
    entry: RegisterEntry,
    old_status: str,
    new_status: str,
    register_import: RegisterImport | None,
    verified_claims: list[RegistrationClaim] | None = None,
) -> None:
    """Apply a register status change in the same transaction as the import that read it:
    the credential's status follows, the practitioner is told, the audit log records it, and
    ``StandingChanged`` lets other apps add theirs (scheduling tells open clients). Listings
    and new bookings read standing from the register, so they follow at once.

    ``verified_claims``: the entry's verified claims when the caller has read them already
    (``verified_claims_of_entries``, after the status was written); None reads them here."""
    if verified_claims is not None and not verified_claims:
        return  # nobody holds the registration: nothing to tell, nothing to record
    # One transaction for all of it (a savepoint inside the import's): the audit events, the
    # credentials and the events commit together or not at all.
    with transaction.atomic():
        claims = (
            verified_claims
            if verified_claims is not None
            else RegistrationClaim.objects.filter(entry=entry, state=State.VERIFIED).select_related(
                "practitioner", "regulator"
            )
        )
        for claim in claims:
            record_event(
                action=actions.REGISTRY_STATUS_CHANGED,
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
            announce_standing_changed(claim.practitioner, "register_status")
        if claims:
            # The regulator's own system hears of it too (its webhook), like any order here.
            emit(
                RegistrationOrderChanged(
                    entry_id=entry.pk,
                    regulator_id=entry.regulator_id,
                    change="register_status",
                    register_import_id=register_import.pk if register_import else 0,
                )
            )
