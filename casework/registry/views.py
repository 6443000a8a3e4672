from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_ratelimit.core import is_ratelimited

from casework.accounts.models import Role, User
from casework.accounts.permissions import role_required
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.registry import claim_codes, claims, places
from casework.registry.access import (
    get_claim_for_reviewer,
    get_own_claim,
    reviewable_claims,
)
from casework.registry.badges import badge_svg, badge_text, status_colour
from casework.registry.claim_codes import code_route_open
from casework.registry.credentials.holder import credential_panels
from casework.registry.forms import (
    ClaimCodeForm,
    ClaimEvidenceForm,
    ClaimForm,
    DecisionForm,
    VerifySearchForm,
    WhereForm,
)
from casework.registry.models import (
    PlatformRestriction,
    RegisterEntry,
    RegistrationClaim,
    Regulator,
)
from casework.registry.qr_codes import public_qr_svg
from casework.registry.restrictions import active_restrictions, orders_on_registrations_of
from casework.registry.standing import (
    PlatformOrders,
    lets_practise,
    may_practise_under,
    platform_orders,
)
from casework.registry.verification import (
    entry_by_number,
    find_entries,
    holder_of,
    meaning_of,
)
from casework.shell.confirmations import Danger, ask_first
from casework.shell.outages import over_reading_limit
from casework.shell.page_cache import public_page
from casework.vault.errors import DataKeyDestroyed


@login_not_required
@require_safe
def verify_search(request: HttpRequest) -> HttpResponse:
    """Search by regulator and number, or by name. Searches are not stored."""
    # One budget per address for the page and the API alike: the page is no way around the
    # API's limit for someone copying the register out.
    # A read: while the cache is down it is not limited rather than refused (see outages.py).
    # The form is built only for the refusal: a kept page's answer needs none.
    if request.GET and over_reading_limit(
        request, group="api.verify", rate=settings.VERIFY_API_RATE
    ):
        form = VerifySearchForm(request.GET)
        return TemplateResponse(
            request, "registry/verify_search.html", {"form": form, "too_many": True}, status=429
        )
    # Counted above for every search, answered from a kept page or not.
    return _verify_results(request)


@public_page
def _verify_results(request: HttpRequest) -> HttpResponse:
    """The search's page, kept for visitors (the same for each)."""
    form = VerifySearchForm(request.GET or None)
    entries, where, registers = None, None, None
    if form.is_bound and form.is_valid():
        chosen = form.cleaned_data["regulator"]
        # Each annotated with its orders on Casework (``suspended_here``, ``conditions_here``).
        entries = list(
            find_entries(
                regulator=chosen,
                number=form.cleaned_data["number"],
                name=form.cleaned_data["name"],
            )
        )
        where = form.cleaned_data["where"]
        if not entries:
            # Where to look next: the regulators' own registers.
            registers = (
                [chosen] if chosen else list(Regulator.objects.select_related("jurisdiction"))
            )
    return TemplateResponse(
        request,
        "registry/verify_search.html",
        {"form": form, "entries": entries, "where": where, "registers": registers},
    )


@login_not_required
@require_safe
@public_page
def verification(request: HttpRequest, regulator: str, number: str) -> HttpResponse:
    entry = entry_by_number(regulator, number)
    if entry is None:
        raise Http404
    where_form = WhereForm(request.GET or None)
    where = where_form.cleaned_data.get("where") if where_form.is_valid() else None
    page_url = request.build_absolute_uri(
        reverse("registry:verification", kwargs={"regulator": regulator, "number": number})
    )
    badge_url = request.build_absolute_uri(
        reverse("registry:badge", kwargs={"regulator": regulator, "number": number})
    )
    holder = holder_of(entry)
    active = active_restrictions(entry)
    orders = platform_orders(entry)
    context = {
        "entry": entry,
        "regulator": entry.regulator,
        "meaning": meaning_of(entry, orders),
        # The standing to act on: a suspension here comes before the register's status.
        "status_label": (
            _("Suspended on Casework") if orders.suspended else entry.get_status_display()
        ),
        "practising": lets_practise(entry, orders),
        "suspension": active.get(PlatformRestriction.Kind.SUSPENSION),
        "platform_conditions": active.get(PlatformRestriction.Kind.CONDITIONS),
        "complaint_query": urlencode({"regulator": regulator, "number": entry.registration_number}),
        "badge": badge_text(entry, proven=holder is not None, page_url=page_url, orders=orders),
        "holder": holder,
        "read_at": entry.regulator.register_read_at,
        "where_form": where_form,
        "where": where,
        "practice": may_practise_under(entry, orders, where) if where else None,
        "page_url": page_url,
        "badge_url": badge_url,
        "qr_svg": public_qr_svg(page_url, scale=4),
    }
    return TemplateResponse(request, "registry/verification.html", context)


@login_not_required
@require_safe
@cache_control(public=True, max_age=60)
def badge(request: HttpRequest, regulator: str, number: str) -> HttpResponse:
    entry = entry_by_number(regulator, number)
    page_url = request.build_absolute_uri(
        reverse("registry:verification", kwargs={"regulator": regulator, "number": number})
    )
    svg = badge_svg(
        entry,
        proven=entry is not None and holder_of(entry) is not None,
        page_url=page_url,
        orders=platform_orders(entry) if entry is not None else None,
    )
    response = HttpResponse(svg, content_type="image/svg+xml")
    # Embedded in other sites' pages: allow the image to be loaded cross-origin.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@login_not_required
@require_safe
@cache_control(public=True, max_age=60)
def badge_json(request: HttpRequest, regulator: str, number: str) -> HttpResponse:
    """The badge as JSON, for sites that draw their own (the fields of shields.io's endpoint
    badges, and the same words and standing as the SVG)."""
    entry = entry_by_number(regulator, number)
    page_url = request.build_absolute_uri(
        reverse("registry:verification", kwargs={"regulator": regulator, "number": number})
    )
    orders = platform_orders(entry) if entry is not None else PlatformOrders()
    text = badge_text(
        entry,
        proven=entry is not None and holder_of(entry) is not None,
        page_url=page_url,
        orders=orders,
    )
    response = JsonResponse(
        {
            "schemaVersion": 1,
            "label": text.heading,
            "message": text.status,
            "color": status_colour(entry, orders),
            "name": text.name,
            "registration": text.registration,
            "register_status": entry.status if entry is not None else None,
            "practising": entry is not None and lets_practise(entry, orders),
            "suspended_on_casework": orders.suspended,
            "conditions_on_casework": orders.conditions,
            "verification_url": page_url,
        },
        status=200 if entry is not None else 404,
    )
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _claim_message(claim: RegistrationClaim) -> str:
    if claim.in_dispute:
        return _(
            "Another account has claimed this registration too. A reviewer decides who holds "
            "it; add identity evidence to help them."
        )
    if claim.state == RegistrationClaim.State.AWAITING_PROOF:
        return _(
            "The register lists this number under your name. Now show that it is yours: "
            "nobody sees it as verified until you do."
        )
    return _("Your claim is waiting for review. We will email you the decision.")


@role_required(Role.PRACTITIONER)
@require_http_methods(["GET", "HEAD", "POST"])
def my_registrations(request: HttpRequest) -> HttpResponse:
    person = request.user
    assert isinstance(person, User)  # noqa: S101  (role_required ran)
    form = ClaimForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            claim = claims.claim_registration(
                practitioner=person,
                regulator=form.cleaned_data["regulator"],
                registration_number=form.cleaned_data["registration_number"],
                evidence=form.cleaned_data["evidence"],
                identity_document=form.cleaned_data["identity_document"],
                evidence_note=form.cleaned_data["evidence_note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.info(request, _claim_message(claim))
            return redirect("registry:my_registrations")
    own_claims = list(
        RegistrationClaim.objects.filter(practitioner=person)
        .select_related("regulator", "entry")
        .order_by("-created_at")
    )
    to_prove = [
        {
            "claim": claim,
            "code_route": code_route_open(claim),
            "code_form": ClaimCodeForm(prefix=f"claim-{claim.pk}"),
            "evidence_form": ClaimEvidenceForm(prefix=f"evidence-{claim.pk}"),
        }
        for claim in own_claims
        if claim.state in (RegistrationClaim.State.AWAITING_PROOF, RegistrationClaim.State.PENDING)
        or claim.in_dispute
        or claim.proof_route == RegistrationClaim.ProofRoute.NAME_MATCH
    ]
    return TemplateResponse(
        request,
        "registry/my_registrations.html",
        {
            "form": form,
            "claims": own_claims,
            "to_prove": to_prove,
            "credential_panels": credential_panels(person),
            # The regulators' orders on Casework, with their reasons (the email links here).
            "orders": orders_on_registrations_of(person),
        },
    )


@role_required(Role.PRACTITIONER)
@require_POST
def send_claim_code(request: HttpRequest, claim_id: int) -> HttpResponse:
    person = request.user
    assert isinstance(person, User)  # noqa: S101
    claim = get_own_claim(person, claim_id)
    try:
        claim_codes.send_claim_code(claim=claim, practitioner=person)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _(
                "We sent a code to the contact address your regulator gives for this "
                "registration. It works for 15 minutes."
            ),
        )
    return redirect(reverse("registry:my_registrations") + f"#prove-{claim.pk}")


@role_required(Role.PRACTITIONER)
@require_POST
def prove_claim_code(request: HttpRequest, claim_id: int) -> HttpResponse:
    person = request.user
    assert isinstance(person, User)  # noqa: S101
    claim = get_own_claim(person, claim_id)
    # Guessing codes across claims and resends: a person gets this many tries an hour.
    if is_ratelimited(
        request,
        group="registry.claim_code",
        key="user",
        rate=claim_codes.GUESS_RATE,
        increment=True,
    ):
        messages.error(request, _("Too many codes tried. Wait an hour, then ask for a new code."))
        return redirect(reverse("registry:my_registrations") + f"#prove-{claim.pk}")
    form = ClaimCodeForm(request.POST, prefix=f"claim-{claim.pk}")
    if not form.is_valid():
        messages.error(request, _("Enter the code from the email."))
    else:
        try:
            claim_codes.prove_claim_by_code(
                claim=claim, practitioner=person, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("Verified: you have shown that this registration is yours.")
            )
    return redirect(reverse("registry:my_registrations") + f"#prove-{claim.pk}")


@role_required(Role.PRACTITIONER)
@require_POST
def add_claim_evidence(request: HttpRequest, claim_id: int) -> HttpResponse:
    person = request.user
    assert isinstance(person, User)  # noqa: S101
    claim = get_own_claim(person, claim_id)
    form = ClaimEvidenceForm(request.POST, request.FILES, prefix=f"evidence-{claim.pk}")
    if not form.is_valid():
        messages.error(request, _("Add both an identity document and a registration document."))
    else:
        try:
            claims.add_claim_evidence(
                claim=claim,
                practitioner=person,
                identity_document=form.cleaned_data["identity_document"],
                registration_document=form.cleaned_data["registration_document"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your evidence is with the reviewers."))
    return redirect(reverse("registry:my_registrations") + f"#prove-{claim.pk}")


@role_required(Role.PRACTITIONER)
@require_POST
def withdraw_registration(request: HttpRequest, claim_id: int) -> HttpResponse:
    person = request.user
    assert isinstance(person, User)  # noqa: S101
    claim = get_own_claim(person, claim_id)
    asking = ask_first(
        request,
        Danger(
            question=_("Withdraw your claim to registration %(number)s?")
            % {"number": claim.registration_number},
            consequences=[
                _(
                    "Your profile no longer shows this registration as verified, and any "
                    "credential issued for it is revoked."
                ),
                _(
                    "A withdrawn claim cannot be reopened: you would claim the registration "
                    "again and prove it again."
                ),
            ],
            confirm=_("Withdraw the claim"),
            back_url=reverse("registry:my_registrations"),
        ),
    )
    if asking is not None:
        return asking
    try:
        claims.withdraw_claim(claim=claim, practitioner=person)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The claim is withdrawn."))
    return redirect("registry:my_registrations")


@role_required(Role.OFFICER, Role.ADMIN)
@require_safe
def review_queue(request: HttpRequest) -> HttpResponse:
    person = request.user
    assert isinstance(person, User)  # noqa: S101
    pending = (
        reviewable_claims(person)
        .select_related("regulator", "practitioner")
        .order_by("-disputed_since", "created_at")
    )
    return TemplateResponse(request, "registry/review_queue.html", {"claims": pending})


@role_required(Role.OFFICER, Role.ADMIN)
@require_http_methods(["GET", "HEAD", "POST"])
def review_claim(request: HttpRequest, claim_id: int) -> HttpResponse:
    person = request.user
    assert isinstance(person, User)  # noqa: S101
    claim = get_claim_for_reviewer(person, claim_id)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            claims.decide_claim(
                claim=claim,
                reviewer=person,
                decision=claims.Decision(form.cleaned_data["decision"]),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your decision is recorded."))
            return redirect("registry:review_queue")
    candidates = RegisterEntry.objects.filter(
        regulator=claim.regulator, registration_number=claim.registration_number
    )
    competing = (
        RegistrationClaim.objects.filter(
            regulator=claim.regulator,
            registration_number=claim.registration_number,
            state__in=RegistrationClaim.LIVE_STATES,
        )
        .exclude(pk=claim.pk)
        .select_related("practitioner")
    )
    return TemplateResponse(
        request,
        "registry/review_claim.html",
        {
            "claim": claim,
            "candidates": candidates,
            "competing": competing,
            "form": form,
            "is_officer": claim.regulator.officers.filter(officer=person).exists(),
        },
    )


def _serve_document(person: User, claim_id: int, field: str) -> HttpResponseBase:
    claim = get_claim_for_reviewer(person, claim_id)
    stored_file = getattr(claim, field)
    if not stored_file:
        raise Http404
    with stored_file.open("rb") as stored:
        try:
            content = claims.open_document(claim, field, stored.read())
        except DataKeyDestroyed:
            return HttpResponse(
                _("This evidence was erased with the practitioner's data."),
                status=410,
                content_type="text/plain; charset=utf-8",
            )
    record_event(
        action=actions.REGISTRY_EVIDENCE_VIEWED,
        actor=person,
        target=claim,
        subject_id=claim.practitioner_id,
        detail={"document": field},
    )
    response = HttpResponse(content, content_type="application/octet-stream")
    name = "evidence" if field == "evidence" else "identity"
    filename = f"claim-{claim.pk}-{name}.{claims.document_extension(content)}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@role_required(Role.OFFICER, Role.ADMIN)
@require_safe
def claim_evidence(request: HttpRequest, claim_id: int) -> HttpResponseBase:
    person = request.user
    assert isinstance(person, User)  # noqa: S101
    return _serve_document(person, claim_id, "evidence")


@role_required(Role.OFFICER, Role.ADMIN)
@require_safe
def claim_identity_document(request: HttpRequest, claim_id: int) -> HttpResponseBase:
    person = request.user
    assert isinstance(person, User)  # noqa: S101
    return _serve_document(person, claim_id, "identity_document")


@login_not_required
@require_safe
def places_list(request: HttpRequest, language: str, version: str) -> HttpResponse:
    """The place picker's suggestions in one language (``PlacePicker``): public reference
    data, cached for good by the browser under this version; an old version is still
    answered, with the current list, but only for a few minutes."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise Http404
    response = HttpResponse(places.places_json(language), content_type="application/json")
    current = version == places.places_version(language)
    response["Cache-Control"] = (
        "public, max-age=31536000, immutable" if current else "public, max-age=300"
    )
    return response
