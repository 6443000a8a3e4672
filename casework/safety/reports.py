"""Filing a report: the one service pages call, for signed-in people and visitors alike."""

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.accounts.models import User
from casework.events import catalogue as events
from casework.events.outbox import emit
from casework.messaging.models import Message
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.safety.access import Target
from casework.safety.models import CATEGORY_SEVERITY, Report, ReportCategory, ReportEvidence
from casework.vault.services import create_data_key

# Crockford's alphabet: no I, L, O or U to misread when a reference is read out or typed.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DETAILS_MAX_LENGTH = 4000
# How many of a visitor's latest references their session keeps, and a merge looks through.
VISITOR_REFERENCES = 10


@dataclass(frozen=True)
class Filed:
    report: Report
    merged: bool  # added to the reporter's open report of the same thing


def new_reference() -> str:
    """``R-XXXXX-XXXXX``: 50 random bits, so a visitor's reference is proof enough to read
    its status (and nothing more)."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(10))
    return f"R-{chars[:5]}-{chars[5:]}"


def file_report(
    *,
    reporter: User | None,
    target: Target,
    category: str,
    details: str,
    evidence: Sequence[Message] = (),
    consented: bool = False,
    visitor_references: Sequence[str] = (),
    now: datetime | None = None,
) -> Filed:
    """Record a report of ``target`` (from ``access.target_for_*``, which checked that the
    reporter may see it). A second report of the same thing by the same person while the
    first is open joins it: a visitor is known by the references of the reports they filed
    from this browser (``visitor_references``, kept in their session). Evidence is kept only
    with consent, and only messages the target offered to this reporter."""
    now = now or timezone.now()
    if reporter is not None and target.reported is not None and target.reported.pk == reporter.pk:
        raise ValidationError(_("You cannot report yourself."), code="self")
    if category not in ReportCategory.values:
        raise ValidationError(_("Choose what happened."), code="category")
    details = details.strip()
    if len(details) > DETAILS_MAX_LENGTH:
        raise ValidationError(
            _("Please keep it under %(count)d characters.") % {"count": DETAILS_MAX_LENGTH},
            code="too_long",
        )
    offered = {message.pk for message in target.evidence_choices}
    if evidence and not consented:
        raise ValidationError(
            _("Tick the box to agree that moderators may read the messages you chose."),
            code="consent",
        )
    if any(message.pk not in offered for message in evidence):
        raise ValidationError(_("Choose messages from the list."), code="evidence")
    if reporter is not None:
        try:
            with transaction.atomic():
                return _file(reporter, target, category, details, evidence, consented, (), now)
        except IntegrityError:
            # The same person reported the same thing at the same moment elsewhere: the
            # database kept one open report, which this one joins.
            pass
    references = [] if reporter is not None else list(visitor_references)[:VISITOR_REFERENCES]
    with transaction.atomic():
        return _file(reporter, target, category, details, evidence, consented, references, now)


def _file(
    reporter: User | None,
    target: Target,
    category: str,
    details: str,
    evidence: Sequence[Message],
    consented: bool,
    visitor_references: Sequence[str],
    now: datetime,
) -> Filed:
    open_reports = Report.objects.select_for_update(of=("self",)).filter(
        target_key=target.key, status=Report.Status.OPEN
    )
    existing = None
    if reporter is not None:
        existing = open_reports.filter(reporter=reporter).select_related("data_key").first()
    elif visitor_references:
        existing = (
            open_reports.filter(reporter__isnull=True, reference__in=visitor_references)
            .select_related("data_key")
            .first()
        )
    if existing is not None:
        return _merge(existing, category, details, evidence, consented)
    report_id = uuid.uuid4()
    report = Report(
        id=report_id,
        reference=new_reference(),
        reporter=reporter,
        reported=target.reported,
        target_kind=target.kind,
        target_key=target.key,
        message=target.message,
        appointment_id=target.appointment_id,
        claim_id=target.claim_id,
        comment_id=target.comment_id,
        category=category,
        severity=CATEGORY_SEVERITY[category],
        data_key=create_data_key(owner=f"report:{report_id}"),
        details=details,
        evidence_consented=consented and bool(evidence),
        created_at=now,
    )
    report.save(force_insert=True)
    if consented:
        ReportEvidence.objects.bulk_create(
            ReportEvidence(report=report, message=message) for message in evidence
        )
    record_event(
        action=actions.SAFETY_REPORT_FILED,
        actor=reporter,
        target=report,
        subject_id=target.reported.pk if target.reported else None,
        detail={
            "category": category,
            "target": target.kind,
            "evidence": len(evidence) if consented else 0,
            "visitor": reporter is None,
        },
    )
    emit(
        events.ReportFiled(
            report_id=str(report.pk),
            reported_id=target.reported.pk if target.reported else None,
            merged=False,
        )
    )
    return Filed(report=report, merged=False)


def _merge(
    report: Report,
    category: str,
    details: str,
    evidence: Sequence[Message],
    consented: bool,
) -> Filed:
    fields = ["times_reported"]
    report.times_reported += 1
    new_severity = max(report.severity, CATEGORY_SEVERITY[category])
    if new_severity != report.severity:
        report.severity = new_severity
        fields.append("severity")
    if details:
        report.details = f"{report.details}\n\n{details}" if report.details else details
        fields.append("details")
    if consented and evidence:
        report.evidence_consented = True
        fields.append("evidence_consented")
        ReportEvidence.objects.bulk_create(
            [ReportEvidence(report=report, message=message) for message in evidence],
            ignore_conflicts=True,
        )
    report.save(update_fields=fields)
    record_event(
        action=actions.SAFETY_REPORT_REPEATED,
        actor=report.reporter,
        target=report,
        subject_id=report.reported_id,
        detail={"category": category, "evidence": len(evidence) if consented else 0},
    )
    emit(events.ReportFiled(report_id=str(report.pk), reported_id=report.reported_id, merged=True))
    return Filed(report=report, merged=True)
