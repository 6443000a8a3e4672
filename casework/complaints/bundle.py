"""A complaint's evidence bundle: one ZIP a regulator can file in its own case system.

It holds the complaint (``complaint.json``), its evidence files as received (``evidence/``),
the practitioner's registration history on the platform with the regulators it went to
(``registration_history.json``); for a complaint moderation referred, the referred report with
the moderator's statement of reasons (``referred_report.json``) and the messages the reporter
showed with consent (``evidence/messages/``); everyone who downloaded the bundle and when,
this download included (``downloads.json``), and ``manifest.json`` with the SHA-256 and size
of every other file, so the receiver can show nothing was changed. Every download is recorded
and audited before the bundle is made.
"""

import hashlib
import io
import json
import uuid
import zipfile
from typing import Any

from django.db import transaction
from django.utils import timezone

from casework.accounts.models import User
from casework.complaints.models import BundleDownload, Complaint, ComplaintEvidence, Source
from casework.complaints.services import evidence_context
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.registry.models import (
    PlatformRestriction,
    RegisterEntryChange,
    RegistrationClaim,
)
from casework.safety.referrals import ReferredCase, referred_case
from casework.vault.crypto import unseal


def _when(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def _complaint_record(complaint: Complaint) -> dict[str, Any]:
    complainant = complaint.complainant
    return {
        "reference": complaint.reference,
        "category": complaint.category,
        "source": complaint.source,
        "source_reference": complaint.source_reference,
        "state": complaint.state,
        "filed_at": _when(complaint.created_at),
        "closed_at": _when(complaint.closed_at),
        "practitioner": {
            "id": complaint.practitioner_id,
            "legal_name": complaint.practitioner.legal_name,
        },
        "complainant": (
            {"name": complainant.display_name, "email": complainant.email}
            if complainant is not None
            else "anonymous"
        ),
        "routed_to": [route.regulator.slug for route in complaint.routes.all()]
        or ["platform moderators"],
        "details": complaint.details,
        "outcome_summary": complaint.outcome_summary or "",
        "progress": [
            {"state": step.state, "at": _when(step.at), "by": step.by_id}
            for step in complaint.progress.all()
        ],
    }


def _registration_history(complaint: Complaint) -> list[dict[str, Any]]:
    regulators = [route.regulator_id for route in complaint.routes.all()]
    claims = RegistrationClaim.objects.filter(practitioner_id=complaint.practitioner_id)
    if regulators:
        claims = claims.filter(regulator_id__in=regulators)
    history = []
    for claim in claims.select_related("regulator", "entry").order_by("created_at"):
        entry = claim.entry
        history.append(
            {
                "regulator": claim.regulator.slug,
                "registration_number": claim.registration_number,
                "claim_state": claim.state,
                "claimed_at": _when(claim.created_at),
                "proof_route": claim.proof_route,
                "proved_at": _when(claim.proved_at),
                "decided_at": _when(claim.decided_at),
                "register_status": entry.status if entry else None,
                "register_changes": [
                    {
                        "import": change.register_import_id,
                        "read_at": _when(change.register_import.created_at),
                        "kind": change.kind,
                        "from": change.old_status,
                        "to": change.new_status,
                    }
                    for change in RegisterEntryChange.objects.filter(entry=entry)
                    .select_related("register_import")
                    .order_by("register_import__created_at")
                ]
                if entry
                else [],
                "orders_on_platform": [
                    {
                        "kind": order.kind,
                        "conditions": order.conditions,
                        "reason": order.reason,
                        "imposed_at": _when(order.imposed_at),
                        "lifted_at": _when(order.lifted_at),
                        "lift_reason": order.lift_reason,
                    }
                    for order in PlatformRestriction.objects.filter(entry=entry).order_by(
                        "imposed_at"
                    )
                ]
                if entry
                else [],
            }
        )
    return history


REFERRAL_PREFIX = "referral:"


def _referral(complaint: Complaint) -> ReferredCase | None:
    if complaint.source != Source.MODERATION:
        return None
    if not complaint.source_reference.startswith(REFERRAL_PREFIX):
        return None
    try:
        referral_id = uuid.UUID(complaint.source_reference.removeprefix(REFERRAL_PREFIX))
    except ValueError:
        return None
    return referred_case(referral_id)


def _referred_report(case: ReferredCase) -> dict[str, Any]:
    return {
        "report": case.report_reference or None,
        "category": case.category or None,
        "regulator": case.regulator.slug,
        "statement_of_reasons": {
            "decided_at": _when(case.decided_at),
            "rule": case.rule,
            "rule_title": case.rule_title,
            "rule_text": case.rule_text,
            "reason": case.reason,
        },
        "evidence_messages": [
            {
                "message": str(shown.message_id),
                "from": shown.sender_role,
                "sent_at": _when(shown.sent_at),
            }
            for shown in case.evidence
        ],
    }


def _evidence_bytes(evidence: ComplaintEvidence) -> bytes:
    return unseal(
        evidence.complaint.data_key,
        bytes(evidence.sealed_content),
        context=evidence_context(evidence.pk),
    )


def download_bundle(*, complaint: Complaint, person: User) -> tuple[str, bytes]:
    """Record the download (audited), then make the bundle; returns its file name and bytes."""
    with transaction.atomic():
        BundleDownload.objects.create(complaint=complaint, by=person, at=timezone.now())
        record_event(
            action=actions.COMPLAINTS_BUNDLE_DOWNLOADED,
            actor=person,
            target=complaint,
            subject_id=complaint.practitioner_id,
        )
    files: dict[str, bytes] = {}

    def add_json(name: str, value: Any) -> None:
        files[name] = json.dumps(value, indent=2, ensure_ascii=False).encode("utf-8")

    add_json("complaint.json", _complaint_record(complaint))
    for number, evidence in enumerate(
        ComplaintEvidence.objects.filter(complaint=complaint).select_related("complaint__data_key"),
        start=1,
    ):
        files[f"evidence/{number:02d}-{evidence.name}"] = _evidence_bytes(evidence)
    case = _referral(complaint)
    if case is not None:
        add_json("referred_report.json", _referred_report(case))
        for number, shown in enumerate(case.evidence, start=1):
            files[f"evidence/messages/{number:02d}-{shown.message_id}.txt"] = shown.text.encode(
                "utf-8"
            )
    add_json("registration_history.json", _registration_history(complaint))
    add_json(
        "downloads.json",
        [
            {"by": download.by.display_name, "role": download.by.role, "at": _when(download.at)}
            for download in complaint.downloads.select_related("by")
        ],
    )
    manifest = {
        "complaint": complaint.reference,
        "made_at": timezone.now().isoformat(),
        "algorithm": "SHA-256",
        "files": [
            {"name": name, "sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
            for name, content in files.items()
        ],
    }
    add_json("manifest.json", manifest)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return f"complaint-{complaint.reference}.zip", buffer.getvalue()
