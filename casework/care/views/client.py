"""The client's own view: their cases, practitioner's live verification, appointments, due
check-ins, trends, consent, referrals, and who opened their record."""

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework.accounts.models import Role, User
from casework.accounts.permissions import role_required
from casework.care import access, charts, consent, queries
from casework.care.instruments import INSTRUMENTS
from casework.care.models import (
    OPEN_STATUSES,
    BreakGlassOpening,
    Case,
    CheckIn,
    CheckInStatus,
    Consent,
    ReferralKind,
    ReferralStatus,
    SharedItem,
    Technology,
)
from casework.care.services import consents
from casework.care.views import error_text, person_of
from casework.privacy import access_log
from casework.privacy.access import case_exports_asking
from casework.registry.models import RegisterEntry, RegistrationStatus
from casework.registry.verification import MEANINGS
from casework.safety.crisis import crisis_resources_for
from casework.scheduling.access import appointments_of
from casework.scheduling.models import ACTIVE_STATUSES
from casework.shell.confirmations import Danger, ask_first

# The register's statuses by their names in the reader's language (lazy, so per request).
STATUS_LABELS = dict(RegistrationStatus.choices)


def _registrations(practitioner_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each practitioner's verified registrations as the register reads now."""
    found: dict[int, list[dict[str, Any]]] = {}
    entries = (
        RegisterEntry.objects.filter(
            claims__practitioner_id__in=practitioner_ids, claims__state="verified"
        )
        .select_related("regulator")
        .values_list(
            "claims__practitioner_id",
            "regulator__slug",
            "regulator__label",  # tells apart regulators of one name
            "regulator__register_read_at",
            "registration_number",
            "status",
        )
    )
    for holder, slug, regulator, read_at, number, status in entries:
        found.setdefault(holder, []).append(
            {
                "slug": slug,
                "regulator": regulator,
                "read_at": read_at,
                "number": number,
                "status": status,
                "status_label": STATUS_LABELS.get(status, status),
                "meaning": MEANINGS.get(status, ""),
            }
        )
    return found


@role_required(Role.CLIENT)
@never_cache
@require_safe
def my_care(request: HttpRequest) -> HttpResponse:
    person = person_of(request)
    now = timezone.now()
    cases = list(
        access.cases_of_client(person)
        .filter(status__in=OPEN_STATUSES)
        .select_related("practitioner", "data_key", "client_location")
        .order_by("opened_at")
    )
    registrations = _registrations([case.practitioner_id for case in cases])
    live = {
        (c.case_id, c.technology): c
        for c in Consent.objects.filter(case__in=cases, withdrawn_at__isnull=True)
    }
    due = list(
        CheckIn.objects.filter(
            case__in=cases, status=CheckInStatus.OPEN, due_at__lte=now, expires_at__gt=now
        ).order_by("due_at")
    )
    referrals = list(
        access.referrals_visible_to(person)
        .filter(case__in=cases)
        .select_related("from_practitioner", "to_practitioner")
        .order_by("-created_at")[:20]
    )
    # Requests to export a case for a transfer that wait for her answer.
    transfer_exports = list(case_exports_asking(person))
    openings = list(
        BreakGlassOpening.objects.filter(case__in=cases)
        .select_related("case__data_key", "opened_by")
        .order_by("-opened_at")[:20]
    )
    blocks = []
    for case in cases:
        blocks.append(
            {
                "case": case,
                "registrations": registrations.get(case.practitioner_id, []),
                "consents": [
                    {
                        "technology": tech,
                        "label": Technology(tech).label,
                        "given": live.get((case.pk, tech)),
                    }
                    for tech in Technology.values
                ],
                "due": [
                    {"check_in": c, "name": INSTRUMENTS[c.instrument].name}
                    for c in due
                    if c.case_id == case.pk
                ],
                "trends": [
                    charts.trend_chart(INSTRUMENTS[code], points)
                    for code, points in queries.client_trends(case).items()
                ],
                "referrals": [r for r in referrals if r.case_id == case.pk],
                "transfer_exports": [x for x in transfer_exports if x.case_id == case.pk],
                "openings": [o for o in openings if o.case_id == case.pk],
                "crisis": crisis_resources_for(
                    case.client_location_id if case.client_location_id else None
                ),
            }
        )
    upcoming = (
        appointments_of(person)
        .filter(status__in=ACTIVE_STATUSES, starts_at__gt=now)
        .select_related("practitioner", "session_type")
        .order_by("starts_at")[:10]
    )
    return TemplateResponse(
        request,
        "care/my_care.html",
        {
            "blocks": blocks,
            "shares": _live_shares(person),
            "upcoming": list(upcoming),
            "access_log": access_log.accesses_of(person),
        },
    )


def _live_shares(person: User) -> dict[str, list[Any]]:
    """Everything the client shares now, whichever case it came from (a closed one too), each
    to be withdrawn; and the referrals that ended with their case, to be renewed."""
    referrals = list(
        access.referrals_visible_to(person)
        .filter(
            Q(status__in=[ReferralStatus.PROPOSED, ReferralStatus.SHARED, ReferralStatus.LAPSED])
            | Q(status=ReferralStatus.ACCEPTED, kind=ReferralKind.REFERRAL)
        )
        .select_related("case__practitioner", "to_practitioner")
        .order_by("-created_at")[:50]
    )
    supervisions = list(
        access.supervisions_of_party(person)
        .select_related("case__practitioner", "supervisor")
        .order_by("-answered_at")
    )
    labels = dict(SharedItem.choices)
    return {
        "referrals": [
            {
                "referral": referral,
                "items": [str(labels.get(item, item)) for item in referral.shared_items],
            }
            for referral in referrals
            if not referral.is_renewable
        ],
        "lapsed": [referral for referral in referrals if referral.is_renewable],
        "supervisions": supervisions,
    }


def _technology(value: str) -> str:
    if value not in Technology.values:
        raise Http404
    return value


def _my_care_url() -> str:
    return reverse("care:my_care")


@role_required(Role.CLIENT)
@require_http_methods(["GET", "HEAD", "POST"])
def give_consent(request: HttpRequest, case_id: uuid.UUID, technology: str) -> HttpResponse:
    person = person_of(request)
    case = access.get_case_for_client(person, case_id)
    technology = _technology(technology)
    text = consent.current_text(technology)
    error = ""
    if request.method == "POST":
        if request.POST.get("agree") != "yes":
            error = _("Tick the box to say you have read this and agree.")
        else:
            try:
                given = consents.give_consent(
                    case=case,
                    client=person,
                    technology=technology,
                    version=request.POST.get("version", ""),
                )
            except ValidationError as refused:
                error = error_text(refused)
            else:
                messages.success(request, _("Thank you: your consent is recorded."))
                if technology == Technology.MESSAGING and not consents.messaging_may_start(
                    given.case
                ):
                    messages.info(
                        request,
                        _(
                            "Secure messages start once your social worker has recorded that "
                            "online work suits you."
                        ),
                    )
                return redirect(_my_care_url())
    return TemplateResponse(
        request,
        "care/consent.html",
        {
            "case": case,
            "text": text,
            "technology": technology,
            "live": consent.live_consent(case, technology),
            "error": error,
        },
        status=400 if error else 200,
    )


@role_required(Role.CLIENT)
@require_POST
def withdraw_consent(request: HttpRequest, case_id: uuid.UUID, technology: str) -> HttpResponse:
    person = person_of(request)
    case: Case = access.get_case_for_client(person, case_id)
    technology = _technology(technology)
    stops = {
        Technology.VIDEO: _(
            "Video sessions with your social worker cannot take place until you agree again."
        ),
        Technology.MESSAGING: _("Your conversation with your social worker is closed."),
        Technology.CHECK_INS: _("No more check-ins are sent, and the ones waiting are called off."),
    }
    asking = ask_first(
        request,
        Danger(
            question=_("Withdraw your consent to %(service)s?")
            % {"service": Technology(technology).label.lower()},
            consequences=[
                stops[Technology(technology)],
                _("Your social worker is told."),
                _("You can agree again later from this page."),
            ],
            confirm=_("Withdraw my consent"),
            back_url=reverse("care:consent", args=[case.pk, technology]),
        ),
    )
    if asking is not None:
        return asking
    try:
        withdrawn = consents.withdraw_consent(case=case, client=person, technology=technology)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        if withdrawn is None:
            messages.info(request, _("You had not given this consent."))
        else:
            messages.success(
                request,
                _("Your consent is withdrawn and %(service)s stopped.")
                % {"service": Technology(technology).label.lower()},
            )
    return redirect(_my_care_url())
