"""A client gives or withdraws consent to an online technology; the service follows.

Consenting to messaging opens the case conversation (an open enquiry becomes it) once the
practitioner has recorded that online work suits the client (``record_online_suitability``
opens it then, if the consent came first); on a paused case, or one where online work does not
suit, it is refused. Withdrawing closes it. Withdrawing consent to check-ins pauses every plan
and cancels the check-ins not yet answered. Video has no running service to stop here: video
sessions check the guard (``casework.care.consent.require_consent``) when they start.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.accounts.models import User
from casework.care import consent as texts
from casework.care.models import Case, CaseStatus, Consent, OnlineSuitability, Technology
from casework.care.services.cases import close_case_conversation, stop_check_ins
from casework.events import catalogue as events
from casework.events.outbox import emit
from casework.messaging.services import open_case_conversation
from casework.privacy import actions
from casework.privacy.audit import record_event


def messaging_may_start(case: Case) -> bool:
    """Whether consent to messaging opens the case conversation now: the case is neither paused
    nor closed and online work was recorded as suiting the client (as ``require_consent``)."""
    return (
        case.status in (CaseStatus.ENQUIRY, CaseStatus.ACTIVE)
        and case.online_suitability == OnlineSuitability.SUITABLE
    )


def _refuse_messaging(case: Case) -> None:
    if case.status == CaseStatus.PAUSED:
        raise ValidationError(
            _(
                "Your work with this social worker is paused, so secure messages cannot start "
                "now. You can consent once it resumes."
            ),
            code="case_paused",
        )
    if case.online_suitability == OnlineSuitability.NOT_SUITABLE:
        raise ValidationError(
            _(
                "Your social worker recorded that online work does not suit you at the moment, "
                "so secure messages cannot start. Ask them about the alternative they offered."
            ),
            code="not_suitable",
        )


def give_consent(*, case: Case, client: User, technology: str, version: str) -> Consent:
    """Record the client's consent to the text version they were shown. A stale page (the
    text changed since) is refused, so nobody consents to words they did not read."""
    if technology not in Technology.values:
        raise ValidationError(_("There is no online service of that kind."), code="technology")
    current = texts.current_text(technology)
    if version != current.version:
        raise ValidationError(
            _("The text has changed since this page was opened. Please read it again."),
            code="stale_text",
        )
    if client.pk != case.client_id:
        raise ValidationError(_("Only the client gives consent."), code="not_client")
    if not case.is_open:
        raise ValidationError(_("This case is closed."), code="case_closed")
    try:
        with transaction.atomic():
            # The case as it is now (its status or suitability may have changed meanwhile).
            case = (
                Case.objects.select_for_update(of=("self",))
                .select_related("client", "practitioner", "client_location", "data_key")
                .get(pk=case.pk)
            )
            if not case.is_open:
                raise ValidationError(_("This case is closed."), code="case_closed")
            if technology == Technology.MESSAGING:
                _refuse_messaging(case)
            # A consent to an earlier version is replaced by this one.
            Consent.objects.filter(
                case=case, technology=technology, withdrawn_at__isnull=True
            ).exclude(text_version=version).update(withdrawn_at=timezone.now(), withdrawn_by=client)
            consent = Consent.objects.filter(
                case=case, technology=technology, withdrawn_at__isnull=True
            ).first()
            if consent is not None:
                return consent
            consent = Consent.objects.create(
                case=case,
                technology=technology,
                text_version=version,
                given_at=timezone.now(),
                given_by=client,
            )
            record_event(
                action=actions.CARE_CONSENT_GIVEN,
                actor=client,
                target=case,
                subject_id=client.pk,
                detail={"technology": technology, "version": version},
            )
            emit(events.ConsentGiven(case_id=str(case.pk), practitioner_id=case.practitioner_id))
            if technology == Technology.MESSAGING and messaging_may_start(case):
                open_case_conversation(
                    client=case.client,
                    practitioner=case.practitioner,
                    actor=client,
                    client_jurisdiction=case.client_location,
                )
    except IntegrityError:
        # The same consent, given twice at once (a double submit): the first one stands.
        existing = Consent.objects.filter(
            case=case, technology=technology, withdrawn_at__isnull=True
        ).first()
        if existing is None:
            raise
        return existing
    return consent


def withdraw_consent(*, case: Case, client: User, technology: str) -> Consent | None:
    """Withdraw the live consent to ``technology``; the service stops at once. Withdrawing
    what was never given changes nothing."""
    if technology not in Technology.values:
        raise ValidationError(_("There is no online service of that kind."), code="technology")
    if client.pk != case.client_id:
        raise ValidationError(_("Only the client withdraws consent."), code="not_client")
    with transaction.atomic():
        consent = (
            Consent.objects.select_for_update()
            .filter(case=case, technology=technology, withdrawn_at__isnull=True)
            .first()
        )
        if consent is None:
            return None
        now = timezone.now()
        consent.withdrawn_at, consent.withdrawn_by = now, client
        consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
        if technology == Technology.CHECK_INS:
            stop_check_ins(case, end=False, now=now)
        elif technology == Technology.MESSAGING:
            close_case_conversation(case, client)
        record_event(
            action=actions.CARE_CONSENT_WITHDRAWN,
            actor=client,
            target=case,
            subject_id=client.pk,
            detail={"technology": technology},
        )
        emit(events.ConsentWithdrawn(case_id=str(case.pk), practitioner_id=case.practitioner_id))
    return consent
