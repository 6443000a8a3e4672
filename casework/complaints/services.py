"""Writes about complaints: filing one, and moving it on. Each audited, each in one transaction.

``file_complaint`` is the one way in, for the public form and for moderation alike (``source``):
moderation's referral calls it with the evidence it holds and its own reference.
"""

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.accounts.models import Role, User
from casework.complaints.models import (
    Category,
    Complaint,
    ComplaintEvidence,
    ComplaintProgress,
    ComplaintRoute,
    ComplaintState,
    Source,
)
from casework.events.catalogue import ComplaintFiled, ComplaintProgressed
from casework.events.outbox import emit
from casework.messaging.attachments import CheckedFile
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.registry.models import RegistrationClaim, Regulator, RegulatorOfficer
from casework.vault.crypto import seal
from casework.vault.services import create_data_key

DETAILS_MAX_CHARS = 8000
OUTCOME_MAX_CHARS = 4000
MAX_EVIDENCE_FILES = 5
# Crockford's base32: no I, L, O or U, so a reference read aloud or copied by hand survives.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

# Where a complaint may go next from each state (closing is final).
NEXT_STATES: dict[str, tuple[str, ...]] = {
    ComplaintState.RECEIVED: (
        ComplaintState.UNDER_REVIEW,
        ComplaintState.REFERRED,
        ComplaintState.CLOSED,
    ),
    ComplaintState.UNDER_REVIEW: (ComplaintState.REFERRED, ComplaintState.CLOSED),
    ComplaintState.REFERRED: (ComplaintState.UNDER_REVIEW, ComplaintState.CLOSED),
    ComplaintState.CLOSED: (),
}


@dataclass(frozen=True)
class FiledComplaint:
    complaint: Complaint
    # Shown once to whoever filed it; only its hash is kept. Empty when the same submit was
    # already filed (the secret was shown then).
    secret: str
    already_filed: bool = False


def _code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


_READ_AS = str.maketrans("OIL", "011")


def normalise_code(text: str) -> str:
    """What a person typed, as the codes are made: upper case, without spaces or hyphens;
    O read as 0, I and L as 1 (Crockford)."""
    cleaned = "".join(text.split()).replace("-", "").upper()
    return cleaned.translate(_READ_AS)


def reference_of(text: str) -> str | None:
    """The reference a person typed, as it is stored ("CW-7K3M-9QXD"); None when it cannot be
    one."""
    code = normalise_code(text)
    if not code.startswith("CW") or len(code) != 10:
        return None
    return f"CW-{code[2:6]}-{code[6:10]}"


def secret_hash(secret: str) -> str:
    # The secret is 80 random bits: a fast hash is enough (nothing to try a dictionary on).
    return hashlib.sha256(normalise_code(secret).encode()).hexdigest()


def secret_matches(complaint: Complaint, secret: str) -> bool:
    return hmac.compare_digest(complaint.secret_hash, secret_hash(secret))


def evidence_context(evidence_id: uuid.UUID) -> str:
    return f"complaints.complaintevidence.sealed_content:{evidence_id}"


def routed_regulators(practitioner: User) -> list[Regulator]:
    """The regulators of the practitioner's verified registrations."""
    ids = RegistrationClaim.objects.filter(
        practitioner=practitioner, state=RegistrationClaim.State.VERIFIED
    ).values("regulator_id")
    return list(Regulator.objects.filter(pk__in=ids).order_by("name"))


def file_complaint(
    *,
    practitioner: User,
    category: str,
    details: str,
    source: str = Source.PUBLIC,
    evidence: Sequence[CheckedFile] = (),
    complainant: User | None = None,
    idempotency_key: uuid.UUID | None = None,
    source_reference: str = "",
    route_to: Sequence[Regulator] = (),
) -> FiledComplaint:
    """File a complaint about a practitioner, routed to the regulators of their verified
    registrations, or to the platform's moderators when they hold none; ``route_to`` names the
    regulators instead (a moderation referral goes to the one regulator it was made to).
    ``evidence`` is checked already (``messaging.attachments.check_upload``: size, and type
    by content)."""
    if practitioner.role != Role.PRACTITIONER:
        raise ValidationError(_("We could not find this social worker on Casework."))
    if category not in Category.values:
        raise ValidationError(_("Choose what the complaint is about."))
    if source not in Source.values:
        raise ValidationError(_("Unknown source of complaint."))
    details = details.strip()
    if not details:
        raise ValidationError(_("Tell the regulator what happened."))
    if len(details) > DETAILS_MAX_CHARS:
        raise ValidationError(
            _("Please keep it to %(count)d characters.") % {"count": DETAILS_MAX_CHARS}
        )
    if len(evidence) > MAX_EVIDENCE_FILES:
        raise ValidationError(
            _("You can add at most %(count)d files.") % {"count": MAX_EVIDENCE_FILES}
        )
    key = idempotency_key or uuid.uuid4()
    earlier = Complaint.objects.filter(idempotency_key=key).first()
    if earlier is not None:
        return FiledComplaint(earlier, "", already_filed=True)
    try:
        return _file(
            practitioner=practitioner,
            category=category,
            details=details,
            source=source,
            evidence=evidence,
            complainant=complainant,
            key=key,
            source_reference=source_reference,
            route_to=route_to,
        )
    except IntegrityError:
        # The same submit at the same moment: the other one filed it.
        earlier = Complaint.objects.filter(idempotency_key=key).first()
        if earlier is None:
            raise
        return FiledComplaint(earlier, "", already_filed=True)


def _file(
    *,
    practitioner: User,
    category: str,
    details: str,
    source: str,
    evidence: Sequence[CheckedFile],
    complainant: User | None,
    key: uuid.UUID,
    source_reference: str,
    route_to: Sequence[Regulator],
) -> FiledComplaint:
    # A referral names its regulator: it goes there even if the registration it was made on
    # has lapsed since (the regulator still wants it), never to the moderators who made it.
    regulators = list(route_to) or routed_regulators(practitioner)
    secret = _code(16)
    now = timezone.now()
    with transaction.atomic():
        complaint_id = uuid.uuid4()
        data_key = create_data_key(owner=f"complaint:{complaint_id}")
        for _attempt in range(5):
            reference = f"CW-{_code(4)}-{_code(4)}"
            if not Complaint.objects.filter(reference=reference).exists():
                break
        complaint = Complaint.objects.create(
            id=complaint_id,
            reference=reference,
            secret_hash=secret_hash(secret),
            practitioner=practitioner,
            complainant=complainant,
            category=category,
            source=source,
            source_reference=source_reference[:80],
            to_moderators=not regulators,
            data_key=data_key,
            details=details,
            idempotency_key=key,
            created_at=now,
            updated_at=now,
        )
        ComplaintRoute.objects.bulk_create(
            ComplaintRoute(complaint=complaint, regulator=regulator) for regulator in regulators
        )
        for checked in evidence:
            evidence_id = uuid.uuid4()
            ComplaintEvidence.objects.create(
                id=evidence_id,
                complaint=complaint,
                sealed_content=seal(
                    data_key, checked.content, context=evidence_context(evidence_id)
                ),
                content_type=checked.content_type,
                size=len(checked.content),
                sha256=hashlib.sha256(checked.content).hexdigest(),
                name=checked.name,
                added_at=now,
            )
        ComplaintProgress.objects.create(complaint=complaint, state=ComplaintState.RECEIVED, at=now)
        record_event(
            action=actions.COMPLAINTS_FILED,
            actor=complainant,
            target=complaint,
            subject_id=practitioner.pk,
            detail={
                "source": source,
                "category": category,
                "regulators": [regulator.slug for regulator in regulators],
                "to_moderators": not regulators,
                "evidence_files": len(evidence),
            },
        )
        emit(ComplaintFiled(complaint_id=str(complaint.pk), to_moderators=not regulators))
    return FiledComplaint(complaint, secret)


def may_act_on(person: User, complaint: Complaint) -> bool:
    """Officers of a regulator it went to; moderators for those without one; admins."""
    if person.role == Role.ADMIN:
        return True
    if person.role == Role.MODERATOR:
        return complaint.to_moderators
    if person.role == Role.OFFICER:
        return RegulatorOfficer.objects.filter(
            officer=person, regulator__complaint_routes__complaint=complaint
        ).exists()
    return False


def move_complaint(
    *, complaint: Complaint, actor: User, state: str, outcome_summary: str = ""
) -> Complaint:
    """Move a complaint on. Closing needs the outcome summary the complainant will read;
    a closed complaint takes no further step."""
    outcome_summary = outcome_summary.strip()
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if not may_act_on(actor, complaint):
            raise ValidationError(_("You cannot act on this complaint."))
        if complaint.is_closed:
            raise ValidationError(_("This complaint is closed: it cannot change any more."))
        if state not in NEXT_STATES[complaint.state]:
            raise ValidationError(_("A complaint cannot move to that state from here."))
        if state == ComplaintState.CLOSED:
            if not outcome_summary:
                raise ValidationError(
                    _("Write the outcome for the person who complained: they read it.")
                )
            if len(outcome_summary) > OUTCOME_MAX_CHARS:
                raise ValidationError(
                    _("Please keep the outcome to %(count)d characters.")
                    % {"count": OUTCOME_MAX_CHARS}
                )
        now = timezone.now()
        complaint.state, complaint.updated_at = state, now
        fields = ["state", "updated_at"]
        if state == ComplaintState.CLOSED:
            complaint.closed_at, complaint.outcome_summary = now, outcome_summary
            fields += ["closed_at", "outcome_summary"]
        complaint.save(update_fields=fields)
        ComplaintProgress.objects.create(complaint=complaint, state=state, at=now, by=actor)
        record_event(
            action=actions.COMPLAINTS_PROGRESSED,
            actor=actor,
            target=complaint,
            subject_id=complaint.practitioner_id,
            detail={"state": state},
        )
        emit(ComplaintProgressed(complaint_id=str(complaint.pk), state=state))
    return complaint
