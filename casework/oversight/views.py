import csv
from collections.abc import Callable, Iterable

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework.accounts.models import Role, User
from casework.accounts.permissions import role_required
from casework.complaints.models import Complaint
from casework.oversight import invitations, queries, webhooks
from casework.oversight.access import (
    get_entry_for_officer,
    get_regulator_for_officer,
    portal_regulators,
)
from casework.oversight.forms import AcceptInvitationForm, ConditionsForm, ReasonForm
from casework.oversight.models import RegulatorWebhook, WebhookDelivery
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.registry import restrictions
from casework.registry.models import (
    PlatformRestriction,
    RegisterEntry,
    RegisterEntryChange,
    RegistrationClaim,
)

OFFICERS = (Role.OFFICER, Role.ADMIN)
PAGE_SIZE = 50


def _person(request: HttpRequest) -> User:
    person = request.user
    assert isinstance(person, User)  # noqa: S101  (role_required ran)
    return person


@role_required(*OFFICERS)
@require_safe
def portal_home(request: HttpRequest) -> HttpResponse:
    """An officer of one regulator goes straight to its dashboard; others choose."""
    regulators = list(portal_regulators(_person(request)))
    if len(regulators) == 1:
        return redirect("oversight:dashboard", regulator=regulators[0].slug)
    return TemplateResponse(request, "oversight/home.html", {"regulators": regulators})


@role_required(*OFFICERS)
@require_safe
def dashboard(request: HttpRequest, regulator: str) -> HttpResponse:
    found = get_regulator_for_officer(_person(request), regulator)
    registrants = Paginator(queries.claims_of(found), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "regulator": found,
        "proof_table": queries.proof_table(found),
        "waiting_claims": queries.waiting_claims(found),
        "imports": queries.recent_imports(found),
        "complaints_by_state": queries.complaints_by_state(found),
        "recent_complaints": list(
            queries.complaints_to(found).select_related("practitioner").order_by("-created_at")[:10]
        ),
        "figures": queries.figures(found),
        "registrants": [(claim, queries.listing_state(claim)) for claim in registrants],
        "page": registrants,
    }
    return TemplateResponse(request, "oversight/dashboard.html", context)


# Cells that a spreadsheet would run as a formula are written as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def _csv(name: str, header: list[str], rows: Iterable[Iterable[object]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return response


@role_required(*OFFICERS)
@require_safe
def registrants_csv(request: HttpRequest, regulator: str) -> HttpResponse:
    """The regulator's registrants on the platform, with proof and listing state."""
    person = _person(request)
    found = get_regulator_for_officer(person, regulator)
    claims = list(queries.claims_of(found))
    record_event(
        action=actions.OVERSIGHT_REGISTRANTS_EXPORTED,
        actor=person,
        detail={"regulator": found.slug, "rows": len(claims)},
    )
    return _csv(
        f"{found.slug}-registrants.csv",
        [
            "registration_number",
            "name_on_register",
            "register_status",
            "claim_state",
            "proof_route",
            "proved_at",
            "in_dispute",
            "listing",
            "conditions_on_platform",
        ],
        (
            (
                claim.registration_number,
                claim.entry.name if claim.entry else "",
                claim.entry.status if claim.entry else "",
                claim.state,
                claim.proof_route,
                claim.proved_at.isoformat() if claim.proved_at else "",
                "yes" if claim.in_dispute else "no",
                queries.listing_state(claim),
                "yes" if getattr(claim, "conditions_here", False) else "no",
            )
            for claim in claims
        ),
    )


@role_required(*OFFICERS)
@require_safe
def figures_csv(request: HttpRequest, regulator: str) -> HttpResponse:
    found = get_regulator_for_officer(_person(request), regulator)
    return _csv(
        f"{found.slug}-figures.csv",
        ["figure", "label", "value"],
        queries.figures(found).rows(),
    )


@role_required(*OFFICERS)
@require_safe
def webhook_deliveries(request: HttpRequest, regulator: str) -> HttpResponse:
    """What the platform told the regulator's system, and how each notification went."""
    found = get_regulator_for_officer(_person(request), regulator)
    webhook = RegulatorWebhook.objects.filter(regulator=found).first()
    deliveries = Paginator(webhooks.deliveries_of(found), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return TemplateResponse(
        request,
        "oversight/webhook.html",
        {
            "regulator": found,
            "webhook": webhook,
            "deliveries": deliveries,
            "Status": WebhookDelivery.Status,
            "most_attempts": webhooks.MOST_ATTEMPTS,
        },
    )


@role_required(*OFFICERS)
@require_safe
def registration(request: HttpRequest, entry_id: int) -> HttpResponse:
    person = _person(request)
    entry = get_entry_for_officer(person, entry_id)
    return TemplateResponse(request, "oversight/registration.html", _registration_context(entry))


def _registration_context(
    entry: RegisterEntry, **forms: ReasonForm | ConditionsForm
) -> dict[str, object]:
    active = restrictions.active_restrictions(entry)
    holders = list(
        RegistrationClaim.objects.filter(entry=entry)
        .select_related("practitioner")
        .order_by("-created_at")
    )
    verified = [claim.practitioner_id for claim in holders if claim.state == "verified"]
    return {
        "entry": entry,
        "regulator": entry.regulator,
        "claims": holders,
        "suspension": active.get(PlatformRestriction.Kind.SUSPENSION),
        "conditions": active.get(PlatformRestriction.Kind.CONDITIONS),
        "orders": list(
            PlatformRestriction.objects.filter(entry=entry).select_related(
                "imposed_by", "lifted_by"
            )
        ),
        "changes": list(
            RegisterEntryChange.objects.filter(entry=entry)
            .select_related("register_import")
            .order_by("-register_import__created_at")
        ),
        "complaints": list(
            Complaint.objects.filter(
                practitioner_id__in=verified, routes__regulator=entry.regulator
            ).order_by("-created_at")
        ),
        "suspend_form": forms.get("suspend_form") or ReasonForm(prefix="suspend"),
        "lift_form": forms.get("lift_form") or ReasonForm(prefix="lift"),
        "conditions_form": forms.get("conditions_form") or ConditionsForm(prefix="conditions"),
        "lift_conditions_form": forms.get("lift_conditions_form")
        or ReasonForm(prefix="lift-conditions"),
    }


def _order(
    request: HttpRequest,
    entry_id: int,
    *,
    form_name: str,
    form: ReasonForm,
    act: Callable[[RegisterEntry, User, ReasonForm], object],
    done: str,
) -> HttpResponse:
    person = _person(request)
    entry = get_entry_for_officer(person, entry_id)
    if form.is_valid():
        try:
            act(entry, person, form)
        except ValidationError as error:
            # The form of this order may not be on the page now (a listing suspended
            # meanwhile shows the lifting form): say it at the top too.
            form.add_error(None, error)
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, done)
            return redirect("oversight:registration", entry_id=entry.pk)
    context = _registration_context(entry, **{form_name: form})
    return TemplateResponse(request, "oversight/registration.html", context, status=400)


@role_required(*OFFICERS)
@require_POST
def suspend(request: HttpRequest, entry_id: int) -> HttpResponse:
    return _order(
        request,
        entry_id,
        form_name="suspend_form",
        form=ReasonForm(request.POST, prefix="suspend"),
        act=lambda entry, officer, form: restrictions.suspend_listing(
            entry=entry, officer=officer, reason=form.cleaned_data["reason"]
        ),
        done=_("The listing is suspended. The practitioner and their clients are told."),
    )


@role_required(*OFFICERS)
@require_POST
def lift_suspension(request: HttpRequest, entry_id: int) -> HttpResponse:
    return _order(
        request,
        entry_id,
        form_name="lift_form",
        form=ReasonForm(request.POST, prefix="lift"),
        act=lambda entry, officer, form: restrictions.lift_suspension(
            entry=entry, officer=officer, reason=form.cleaned_data["reason"]
        ),
        done=_("The suspension is lifted."),
    )


@role_required(*OFFICERS)
@require_POST
def set_conditions(request: HttpRequest, entry_id: int) -> HttpResponse:
    return _order(
        request,
        entry_id,
        form_name="conditions_form",
        form=ConditionsForm(request.POST, prefix="conditions"),
        act=lambda entry, officer, form: restrictions.set_conditions(
            entry=entry,
            officer=officer,
            conditions=form.cleaned_data["conditions"],
            reason=form.cleaned_data["reason"],
        ),
        done=_("The conditions are recorded and shown to the public."),
    )


@role_required(*OFFICERS)
@require_POST
def lift_conditions(request: HttpRequest, entry_id: int) -> HttpResponse:
    return _order(
        request,
        entry_id,
        form_name="lift_conditions_form",
        form=ReasonForm(request.POST, prefix="lift-conditions"),
        act=lambda entry, officer, form: restrictions.lift_conditions(
            entry=entry, officer=officer, reason=form.cleaned_data["reason"]
        ),
        done=_("The conditions are lifted."),
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """An invitation link: a new officer chooses a name and password; an officer signed in
    with the invited address joins one more regulator. Then MFA, before anything opens."""
    invitation = invitations.find_invitation(token)
    problem = invitations.invitation_problem(invitation)
    if problem:
        status = 404 if invitation is None else 410
        return TemplateResponse(
            request, "oversight/invitation.html", {"problem": problem}, status=status
        )
    signed_in = request.user if isinstance(request.user, User) else None
    form = AcceptInvitationForm(request.POST or None) if signed_in is None else None
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            officer = invitations.accept_invitation(
                token=token,
                signed_in=signed_in,
                legal_name=form.cleaned_data["legal_name"] if form else "",
                password=form.cleaned_data["password"] if form else "",
            )
        except ValidationError as error:
            if form is None:
                return TemplateResponse(
                    request,
                    "oversight/invitation.html",
                    {"problem": " ".join(error.messages)},
                    status=403,
                )
            from_validators = any(
                str(item.code or "").startswith("password") for item in error.error_list
            )
            form.add_error("password" if from_validators else None, error)
        else:
            if signed_in is None:
                login(
                    request, officer, backend="allauth.account.auth_backends.AuthenticationBackend"
                )
            messages.success(
                request,
                _("Welcome. Set up two-factor authentication: your portal opens after that."),
            )
            return redirect("oversight:home")
    return TemplateResponse(
        request,
        "oversight/invitation.html",
        {"invitation": invitation, "form": form, "signed_in": signed_in},
    )
