"""Referral and transfer pages for the three people concerned: the referring practitioner,
the client who decides, and the practitioner it goes to (only once the client agreed)."""

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework.accounts.models import Role, User
from casework.accounts.permissions import role_required
from casework.care import access, queries
from casework.care.forms import ReferralAnswerForm, ReferralForm
from casework.care.instruments import INSTRUMENTS
from casework.care.models import (
    Referral,
    ReferralKind,
    ReferralStatus,
    SharedItem,
)
from casework.care.services import referrals
from casework.care.services.supervision import verified_practitioner_with_email
from casework.care.views import error_text, person_of
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.shell.confirmations import Danger, ask_first

GET_AND_POST = ["GET", "HEAD", "POST"]
# The one answer to a proposal, whatever the address.
PROPOSED = gettext_lazy(
    "If this address belongs to a verified practitioner who can take this on, your client is "
    "asked to agree. Nothing is shared until they do."
)


def _referral_url(referral: Referral) -> str:
    return reverse("care:referral", kwargs={"referral_id": referral.pk})


@role_required(Role.PRACTITIONER)
@require_http_methods(GET_AND_POST)
def refer(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    person = person_of(request)
    case = access.get_case_for_practitioner(person, case_id)
    form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # One query whatever the address; an address that names no verified practitioner (or
        # one who cannot take this client on) is answered as any other, and nothing is kept.
        colleague = verified_practitioner_with_email(form.cleaned_data["email"])
        try:
            if colleague is None:
                referrals.check_referral(
                    case=case,
                    practitioner=person,
                    kind=form.cleaned_data["kind"],
                    items=form.cleaned_data["items"],
                    summary=form.cleaned_data["summary"],
                )
            else:
                referrals.propose_referral(
                    case=case,
                    practitioner=person,
                    to_practitioner=colleague,
                    kind=form.cleaned_data["kind"],
                    items=form.cleaned_data["items"],
                    summary=form.cleaned_data["summary"],
                )
        except ValidationError as error:
            if error.code not in referrals.RECIPIENT_REFUSALS:
                form.add_error(None, error)
        if not form.errors:
            messages.success(request, str(PROPOSED))
            return redirect("care:case", case_id=case.pk)
    return TemplateResponse(
        request,
        "care/case_form.html",
        {
            "case": case,
            "form": form,
            "title": _("Refer or transfer"),
            "intro": _(
                "The client reads your letter and chooses what is shared. Nothing reaches your "
                "colleague before they agree, and they can withdraw it at any time."
            ),
            "submit": _("Propose"),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@role_required(Role.PRACTITIONER)
@require_safe
def referral_list(request: HttpRequest) -> HttpResponse:
    person = person_of(request)
    visible = access.referrals_visible_to(person).select_related(
        "case__client", "from_practitioner", "to_practitioner"
    )
    incoming = list(visible.filter(to_practitioner=person).order_by("-created_at")[:100])
    outgoing = list(visible.filter(from_practitioner=person).order_by("-created_at")[:100])
    return TemplateResponse(
        request, "care/referrals.html", {"incoming": incoming, "outgoing": outgoing}
    )


def _labels(items: list[str]) -> list[str]:
    labels = dict(SharedItem.choices)
    return [str(labels.get(item, item)) for item in items]


def _shared_content(referral: Referral) -> dict[str, Any]:
    """What the recipient reads: only the items the client chose, as they are now."""
    case = referral.case
    shared: dict[str, Any] = {}
    if referral.shares(SharedItem.SUMMARY):
        shared["summary"] = referral.summary
    if referral.shares(SharedItem.LOCATION):
        shared["location"] = case.client_location
    if referral.shares(SharedItem.EMERGENCY):
        shared["emergency_contact"] = case.emergency_contact or ""
        shared["crisis_plan"] = case.crisis_plan or ""
    if referral.shares(SharedItem.SCORES):
        shared["scores"] = [
            {"name": INSTRUMENTS[code].name, "score": score, "at": at}
            for code, score, at in queries.shared_scores(case, limit=30)
        ]
    return shared


@never_cache
@require_http_methods(GET_AND_POST)
def referral(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    person = person_of(request)
    found = access.get_referral_for_person(person, referral_id)
    is_client = person.pk == found.case.client_id
    is_recipient = person.pk == found.to_practitioner_id
    answer_form = None
    if is_client and found.status == ReferralStatus.PROPOSED:
        answer_form = ReferralAnswerForm(
            request.POST if request.method == "POST" else None, proposed=found.proposed_items
        )
        if request.method == "POST" and answer_form.is_valid():
            agree = answer_form.cleaned_data["decision"] == "agree"
            try:
                referrals.answer_referral(
                    referral=found,
                    client=person,
                    agree=agree,
                    items=answer_form.cleaned_data["items"],
                )
            except ValidationError as error:
                answer_form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("Thank you. What you chose is shared; you can withdraw it at any time.")
                    if agree
                    else _("Thank you. Nothing is shared."),
                )
                return redirect(_referral_url(found))
    elif request.method == "POST":
        return HttpResponse(status=405)
    shared: dict[str, Any] = {}
    if is_recipient:
        shared = _shared_content(found)
        record_event(
            action=actions.CARE_REFERRAL_READ,
            actor=person,
            target=found,
            subject_id=found.case.client_id,
        )
    # The referrer and the client see the letter they wrote or were asked about.
    letter = found.summary if (is_client or person.pk == found.from_practitioner_id) else ""
    return TemplateResponse(
        request,
        "care/referral.html",
        {
            "referral": found,
            "is_client": is_client,
            "is_recipient": is_recipient,
            "is_referrer": person.pk == found.from_practitioner_id,
            "answer_form": answer_form,
            "shared": shared,
            "letter": letter,
            "proposed_labels": _labels(found.proposed_items),
            "shared_labels": _labels(found.shared_items),
            "ReferralStatus": ReferralStatus,
        },
        status=400 if answer_form is not None and answer_form.errors else 200,
    )


def _after(person: User, found: Referral) -> HttpResponse:
    if person.role == Role.CLIENT:
        return redirect("care:my_care")
    return (
        redirect(_referral_url(found))
        if access.referrals_visible_to(person).filter(Q(pk=found.pk)).exists()
        else redirect("care:referrals")
    )


@require_POST
def withdraw_referral(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    person = person_of(request)
    found = access.get_referral_for_person(person, referral_id)
    asking = ask_first(
        request,
        Danger(
            question=(
                _("Withdraw the transfer to %(name)s?")
                if found.kind == ReferralKind.TRANSFER
                else _("Withdraw the referral to %(name)s?")
            )
            % {"name": found.to_practitioner.display_name},
            consequences=[
                _("%(name)s no longer sees what was shared, and cannot take it on.")
                % {"name": found.to_practitioner.display_name},
                _("Everyone concerned is told. To share again, a new referral is needed."),
            ],
            confirm=_("Withdraw it"),
            back_url=_referral_url(found),
        ),
    )
    if asking is not None:
        return asking
    try:
        referrals.withdraw_referral(referral=found, person=person)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Withdrawn: the other practitioner no longer sees it."))
    return _after(person, found)


@role_required(Role.CLIENT)
@require_POST
def renew_referral(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    person = person_of(request)
    found = access.get_referral_for_person(person, referral_id)
    try:
        referrals.renew_referral(referral=found, client=person)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Renewed: it is shared again until you withdraw it."))
    return redirect("care:my_care")


@role_required(Role.PRACTITIONER)
@require_POST
def accept_referral(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    person = person_of(request)
    found = access.get_referral_for_person(person, referral_id)
    try:
        case = referrals.accept_referral(referral=found, recipient=person)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return _after(person, found)
    messages.success(request, _("You have taken the client on."))
    return redirect("care:case", case_id=case.pk)


@role_required(Role.PRACTITIONER)
@require_POST
def decline_referral(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    person = person_of(request)
    found = access.get_referral_for_person(person, referral_id)
    asking = ask_first(
        request,
        Danger(
            question=_("Decline the transfer?")
            if found.kind == ReferralKind.TRANSFER
            else _("Decline the referral?"),
            consequences=[
                _("You no longer see what the client shared."),
                _("The client and your colleague are told that you declined."),
            ],
            confirm=_("Decline"),
            back_url=_referral_url(found),
        ),
    )
    if asking is not None:
        return asking
    try:
        referrals.decline_referral(referral=found, recipient=person)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Declined. The client and your colleague are told."))
    return redirect("care:referrals")
