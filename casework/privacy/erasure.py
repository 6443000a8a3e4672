"""Erasing a person's account: asked for after confirming one's password, carried out by the
clock when the cooling-off period has passed, cancellable until then.

Before asking, the person sees what will be kept and why (``kept_records``); a legal hold
(``legal_holds``) refuses the request with its reason. The erasure itself (``erase_person``)
destroys the person's data keys -- their own, their conversations', their exports', and their
cases' unless the case's records are kept -- removes or pseudonymises what is not sealed, and
reports what it did to the person (before) and to the audit log (counts, never content).
"""

import json
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy, ngettext

from casework import emails
from casework.accounts.models import PushSubscription, Role, User
from casework.care.models import OPEN_STATUSES, Case, CaseNote, CheckIn, UrgentFlag
from casework.care.services.need import refresh_need
from casework.dates import reader_date
from casework.directory.models import PractitionerProfile
from casework.events.models import EmailDelivery, PushDelivery
from casework.messaging.models import Conversation, MessageNotice
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.privacy.holds import holds_on
from casework.privacy.rights_models import DataExport, ErasureRequest, ErasureStatus
from casework.safety.models import Report
from casework.scheduling.models import Appointment, CalendarFeed
from casework.shell.page_cache import renew_public_pages
from casework.vault import sealed_text
from casework.vault.errors import VaultError
from casework.vault.models import DataKey
from casework.vault.services import destroy_data_key

logger = logging.getLogger(__name__)

ERASED_NAME = "Erased person"


@dataclass(frozen=True)
class Held:
    """Something kept, or a reason not to erase yet: what, and why, in the person's words."""

    what: str
    why: str


class ErasureRefused(Exception):
    def __init__(self, holds: list[Held]) -> None:
        super().__init__("erasure refused under a legal hold")
        self.holds = holds


class NoErasureWaiting(Exception):
    """There is no waiting erasure of this person to cancel."""


def legal_holds(person: User) -> list[Held]:
    """What forbids erasing ``person`` now, each with its reason. Empty: nothing does."""
    holds = [
        Held(
            what=gettext("A legal hold placed on %(date)s.")
            % {"date": reader_date(hold.placed_at, "long")},
            why=hold.reason,
        )
        for hold in holds_on(person)
    ]
    if Report.objects.filter(reported=person, status=Report.Status.OPEN).exists():
        holds.append(
            Held(
                what=gettext("A report about your account that moderators are reviewing."),
                why=gettext(
                    "Its evidence is under a legal hold until it is decided: the person who "
                    "reported you may appeal, and a regulator may ask for it."
                ),
            )
        )
    open_cases = Case.objects.filter(practitioner=person, status__in=OPEN_STATUSES).count()
    if open_cases:
        holds.append(
            Held(
                what=ngettext(
                    "You hold %(count)d open case.", "You hold %(count)d open cases.", open_cases
                )
                % {"count": open_cases},
                why=gettext(
                    "Your regulator requires the records of open work with clients. Close or "
                    "transfer your cases first."
                ),
            )
        )
    return holds


def _retained_cases(person: User) -> list[Case]:
    # A case with the practitioner's notes is the practitioner's record, which their
    # regulator requires them to keep: its key stays, the client's own details go.
    return list(
        Case.objects.filter(client=person)
        .filter(pk__in=CaseNote.objects.values("case_id"))
        .select_related("practitioner", "data_key")
    )


def kept_records(person: User) -> list[Held]:
    """What an erasure of ``person`` keeps, and why: shown before they confirm."""
    kept = []
    for case in _retained_cases(person):
        kept.append(
            Held(
                what=gettext("%(name)s's case notes about your work together.")
                % {"name": case.practitioner.display_name},
                why=gettext(
                    "Social workers' regulators require case records to be kept. They stay "
                    "sealed under the case's own key, readable by that practitioner only; your "
                    "emergency details, check-in answers and scores are removed."
                ),
            )
        )
    appointments = Appointment.objects.filter(Q(client=person) | Q(practitioner=person)).count()
    if appointments:
        kept.append(
            Held(
                what=ngettext(
                    "The time and fee of %(count)d appointment.",
                    "The times and fees of %(count)d appointments.",
                    appointments,
                )
                % {"count": appointments},
                why=gettext(
                    "Invoices and accounts must be kept by law. Your name is replaced and any "
                    "reason given for cancelling is removed."
                ),
            )
        )
    kept.append(
        Held(
            what=gettext("The audit log's entries about your account."),
            why=gettext(
                "It records who did what and when, by number, never content, and cannot be "
                "changed: it is how anyone can check that your record was handled properly."
            ),
        )
    )
    return kept


def waiting_erasure(person: User) -> ErasureRequest | None:
    return ErasureRequest.objects.filter(person=person, status=ErasureStatus.WAITING).first()


def request_erasure(*, person: User) -> ErasureRequest:
    """Ask for ``person``'s erasure after the cooling-off period. The caller has had them
    confirm their password. Refused with the reasons under a legal hold."""
    holds = legal_holds(person)
    if holds:
        raise ErasureRefused(holds)
    now = timezone.now()
    try:
        with transaction.atomic():
            existing = waiting_erasure(person)
            if existing is not None:
                return existing
            request = ErasureRequest.objects.create(
                person=person,
                requested_at=now,
                erase_after=now + timedelta(days=settings.ERASURE_COOLING_OFF_DAYS),
            )
            record_event(
                action=actions.PRIVACY_ERASURE_REQUESTED,
                actor=person,
                target=request,
                subject_id=person.pk,
            )
    except IntegrityError:
        # A second submit raced this one; theirs stands.
        found = waiting_erasure(person)
        if found is None:
            raise
        return found
    return request


def cancel_erasure(*, person: User) -> ErasureRequest:
    with transaction.atomic():
        request = (
            ErasureRequest.objects.select_for_update()
            .filter(person=person, status=ErasureStatus.WAITING)
            .first()
        )
        if request is None:
            raise NoErasureWaiting
        request.status, request.cancelled_at = ErasureStatus.CANCELLED, timezone.now()
        request.save(update_fields=["status", "cancelled_at"])
        record_event(
            action=actions.PRIVACY_ERASURE_CANCELLED,
            actor=person,
            target=request,
            subject_id=person.pk,
        )
    return request


def erase_due(*, now: datetime | None = None) -> int:
    """Erase every person whose cooling-off period has passed; how many were erased."""
    now = now or timezone.now()
    erased = 0
    for request in ErasureRequest.objects.filter(
        status=ErasureStatus.WAITING, erase_after__lte=now
    ).select_related("person"):
        if erase_person(request=request):
            erased += 1
    return erased


def erase_person(*, request: ErasureRequest) -> bool:
    """Carry out one erasure. A legal hold that arose during cooling-off leaves it waiting
    (audited), to be tried again by the next round."""
    person = request.person
    holds = legal_holds(person)
    if holds:
        record_event(
            action=actions.PRIVACY_ERASURE_HELD,
            target=request,
            subject_id=person.pk,
            detail={"holds": len(holds)},
        )
        return False
    report = _what_erasure_removes(person)
    _tell_person(person, report)
    with transaction.atomic():
        locked = ErasureRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != ErasureStatus.WAITING:
            return False
        if holds_on(person):  # a hold placed a moment ago still counts
            return False
        _erase(person, report)
        locked.status, locked.completed_at = ErasureStatus.DONE, timezone.now()
        locked.report = dict(report)
        locked.save(update_fields=["status", "completed_at", "report"])
        record_event(
            action=actions.PRIVACY_ACCOUNT_ERASED,
            target=locked,
            subject_id=person.pk,
            detail=dict(report),
        )
    return True


def _keys_to_destroy(person: User) -> list[DataKey]:
    retained = {case.pk for case in _retained_cases(person)}
    owners = [f"person:{person.pk}"]
    owners += [
        f"conversation:{pk}"
        for pk in Conversation.objects.filter(participants__person=person).values_list(
            "pk", flat=True
        )
    ]
    keys = list(DataKey.objects.filter(owner__in=owners, destroyed_at__isnull=True))
    keys += list(
        DataKey.objects.filter(
            pk__in=Case.objects.filter(client=person)
            .exclude(pk__in=retained)
            .values("data_key_id"),
            destroyed_at__isnull=True,
        )
    )
    keys += list(
        DataKey.objects.filter(
            pk__in=_exports_of(person).values("data_key_id"),
            destroyed_at__isnull=True,
        )
    )
    return keys


def _exports_of(person: User) -> QuerySet[DataExport]:
    """The person's own exports, and the exports of her cases for a transfer: each a copy of
    her record under a key of its own."""
    return DataExport.objects.filter(Q(person=person) | Q(case__client=person))


def _what_erasure_removes(person: User) -> Counter[str]:
    report: Counter[str] = Counter()
    report["data_keys_destroyed"] = len(_keys_to_destroy(person))
    report["conversations"] = Conversation.objects.filter(participants__person=person).count()
    report["cases_erased"] = Case.objects.filter(client=person).count() - len(
        _retained_cases(person)
    )
    report["cases_kept_sealed"] = len(_retained_cases(person))
    report["appointments_pseudonymised"] = Appointment.objects.filter(
        Q(client=person) | Q(practitioner=person)
    ).count()
    report["push_subscriptions"] = PushSubscription.objects.filter(person=person).count()
    report["exports"] = _exports_of(person).count()
    return +report


def _tell_person(person: User, report: Counter[str]) -> None:
    """The report goes out before the address is erased, sent at once and not kept to send
    again: a kept email would keep the address sealed in the outbox after the erasure."""
    with translation.override(person.language):
        body = render_to_string(
            "privacy/erasure_report_email.txt",
            {"person": person, "report": sorted(report.items()), "kept": kept_records(person)},
        )
        subject = gettext_lazy("Your account has been erased")
        message = EmailMultiAlternatives(
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[person.email],
        )
    try:
        sent = emails.send_now(message, kind="privacy.erasure_report", kept=False)
    except Exception:
        sent = False
    if not sent:
        # The erasure is due whatever the mail server says; the audit log keeps the report.
        logger.warning("privacy: the erasure report could not be emailed to person %s", person.pk)


def _erase(person: User, report: Counter[str]) -> None:
    for data_key in _keys_to_destroy(person):
        destroy_data_key(data_key=data_key, actor=None, reason="the person's account was erased")
    for case in _retained_cases(person):
        _strip_client_details(case)
    # Scores, bands and urgent flags were plain so the caseload can rank them; they go, the
    # (sealed) answers stay only where the case is kept and are emptied with it.
    CheckIn.objects.filter(case__client=person).update(
        score=None, concern=None, urgent=False, burden=None, baseline_burden=None
    )
    # The caseload's stored copy of the last score and trend goes with them.
    refresh_need(Case.objects.filter(client=person).values_list("pk", flat=True))
    Appointment.objects.filter(Q(client=person) | Q(practitioner=person)).update(end_reason="")
    _exports_of(person).update(archive=b"", status="expired")
    _drop_waiting_emails(person)
    PushDelivery.objects.filter(subscription__person=person).delete()
    PushSubscription.objects.filter(person=person).delete()
    CalendarFeed.objects.filter(person=person).delete()
    MessageNotice.objects.filter(person=person).delete()
    _sign_out_everywhere(person)
    Authenticator.objects.filter(user=person).delete()
    EmailAddress.objects.filter(user=person).delete()
    _withdraw_profile(person)
    _pseudonymise(person)


def _strip_client_details(case: Case) -> None:
    case.emergency_contact = None
    case.crisis_plan = None
    case.save(update_fields=["emergency_contact", "crisis_plan"])
    for check_in in CheckIn.objects.filter(case=case, answers__isnull=False).select_related(
        "case__data_key"
    ):
        check_in.answers = None
        check_in.save(update_fields=["answers"])
    for flag in UrgentFlag.objects.filter(case=case).select_related("case__data_key"):
        flag.reasons = []
        flag.save(update_fields=["reasons"])


def _drop_waiting_emails(person: User) -> None:
    """Emails to the person still waiting in the outbox: opened to find the address (they are
    sealed under the outbox's system key, which erasure does not destroy) and emptied."""
    for delivery in EmailDelivery.objects.exclude(outcome=EmailDelivery.Outcome.SENT).exclude(
        sealed=""
    ):
        try:
            opened = json.loads(
                sealed_text.open_text(delivery.sealed, context=emails.delivery_context(delivery.pk))
            )
        except VaultError:
            continue
        if person.email in opened.get("to", []):
            EmailDelivery.objects.filter(pk=delivery.pk).update(
                sealed="", outcome=EmailDelivery.Outcome.FAILED, last_failure="recipient erased"
            )


def _sign_out_everywhere(person: User) -> None:
    keys = list(UserSession.objects.filter(user=person).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=person).delete()


def _withdraw_profile(person: User) -> None:
    # Emptying the search document empties its index too: SQLite's full-text table follows it by
    # trigger, PostgreSQL's index is built from the column.
    profiles = PractitionerProfile.objects.filter(practitioner=person)
    profiles.update(
        published=False,
        bio_source="",
        bio_html="",
        search_document="",
        display_name=ERASED_NAME,
        approved_display_name=None,
        in_person_place="",
    )


def _pseudonymise(person: User) -> None:
    person.email = f"erased-{person.pk}@erased.invalid"
    person.alias = ERASED_NAME if person.role == Role.CLIENT else ""
    person.legal_name = ERASED_NAME if person.role != Role.CLIENT else ""
    person.place = ""
    person.is_active = False
    person.set_unusable_password()
    person.save(update_fields=["email", "alias", "legal_name", "place", "is_active", "password"])
    renew_public_pages()  # an erased practitioner's profile leaves visitors' pages at once
