"""What moderation hands a regulator when it refers a practitioner: the report (if a report was
decided), the moderator's statement of reasons, and the messages the reporter chose to show,
with their consent. Read by the complaints app, which files the referral as a complaint."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from casework.accounts.models import User
from casework.registry.models import Regulator
from casework.safety import rules
from casework.safety.models import RegulatorReferral, ReportEvidence


@dataclass(frozen=True)
class EvidenceMessage:
    message_id: uuid.UUID
    sender_role: str
    sent_at: datetime
    text: str


@dataclass(frozen=True)
class ReferredCase:
    referral_id: uuid.UUID
    practitioner: User
    regulator: Regulator
    report_reference: str  # empty when the decision was on a detection, not a report
    category: str  # the report's category; empty for a detection
    decided_at: datetime
    rule: str
    rule_title: str
    rule_text: str
    reason: str  # the moderator's "why", as the practitioner's statement of reasons says it
    evidence: tuple[EvidenceMessage, ...]


def referred_case(referral_id: uuid.UUID | str) -> ReferredCase | None:
    """The referral with what it carries, or None if there is no such referral. Evidence
    messages come only when the reporter consented to showing them; their text is unsealed."""
    referral = (
        RegulatorReferral.objects.filter(pk=referral_id)
        .select_related("action__data_key", "action__report", "practitioner", "regulator")
        .first()
    )
    if referral is None:
        return None
    action = referral.action
    report = action.report
    found = rules.rule(action.rule)
    evidence: tuple[EvidenceMessage, ...] = ()
    if report is not None and report.evidence_consented:
        evidence = tuple(
            EvidenceMessage(
                message_id=shown.message.pk,
                sender_role=shown.message.sender.role,
                sent_at=shown.message.created_at,
                text=shown.message.body,
            )
            for shown in ReportEvidence.objects.filter(report=report)
            .select_related("message__conversation__data_key", "message__sender")
            .order_by("message__created_at", "message__seq")
        )
    return ReferredCase(
        referral_id=referral.pk,
        practitioner=referral.practitioner,
        regulator=referral.regulator,
        report_reference=report.reference if report is not None else "",
        category=report.category if report is not None else "",
        decided_at=action.created_at,
        rule=action.rule,
        rule_title=found.titles.get("en", action.rule) if found else action.rule,
        rule_text=found.texts.get("en", "") if found else "",
        reason=action.reason,
        evidence=evidence,
    )


def mark_picked_up(referral_id: uuid.UUID, *, at: datetime) -> None:
    """The regulator portal holds the referral as a complaint now (the first time only)."""
    RegulatorReferral.objects.filter(pk=referral_id, picked_up_at__isnull=True).update(
        picked_up_at=at
    )
