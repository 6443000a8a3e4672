from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from casework.accounts.models import Role, User
from casework.accounts.permissions import role_required
from casework.accounts.zones import zone_label
from casework.directory import services
from casework.directory.access import (
    display_names_to_review,
    get_display_name_for_reviewer,
    get_own_profile,
    get_photo_profile_for_viewer,
    get_profile_for_viewer,
)
from casework.directory.cards import cards_for
from casework.directory.forms import (
    DirectorySearchForm,
    DisplayNameDecisionForm,
    ProfileForm,
    initial_for,
)
from casework.directory.models import PractitionerProfile
from casework.directory.name_review import decide_display_name, registered_names
from casework.directory.paging import CappedPaginator
from casework.directory.queries import find_practitioners
from casework.directory.summaries import summarise
from casework.registry import places
from casework.registry.forms import WhereForm
from casework.registry.practice import regulation_of
from casework.registry.qr_codes import public_qr_svg
from casework.registry.standing import in_good_standing, may_practise_where
from casework.safety.block_confirmation import confirm_block
from casework.safety.restrictions import is_restricted
from casework.shell.page_cache import public_page

PAGE_SIZE = 20


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _with_remembered_place(request: HttpRequest) -> QueryDict:
    """The query string, with the place chosen earlier in the visit (or on the account) when
    the address names none: a client says where she is once."""
    data = request.GET.copy()
    if "where" not in data and "where_region" not in data:
        remembered = places.remembered(request)
        if remembered:
            data["where"] = remembered
    return data


@login_not_required
@require_safe
@public_page(depends_on=places.remembered)
def search_practitioners(request: HttpRequest) -> HttpResponse:
    """The directory. The query string is the whole state of a search, so its address can be
    shared; searches are neither logged nor kept in the session. The place travels on in the
    links to profiles and booking; a place kept from an earlier booking or first message fills
    in when the address names none."""
    form = DirectorySearchForm(_with_remembered_place(request))
    page: Page[PractitionerProfile] | None = None
    place_verdict = None
    where = None
    regions: tuple[places.Place, ...] = ()
    regulation = None
    if form.is_valid():
        criteria = form.criteria()
        where = criteria.where
        regions = places.places().regions.get(where.code, ()) if where else ()
        if not regions:
            # A country whose regions regulate says nothing about who may practise: its
            # regions are offered instead of a search.
            result = find_practitioners(criteria, now=timezone.now(), details=False)
            place_verdict = result.place_verdict
            page = CappedPaginator(result.profiles, PAGE_SIZE).get_page(request.GET.get("page"))
            if where is not None and not page.paginator.count:
                regulation = regulation_of(where)
    context = {
        "form": form,
        "page": page,
        "cards": cards_for(list(page), where=where) if page is not None else [],
        "where": where,
        "regions": regions,
        "regulation": regulation,
        "place_verdict": str(place_verdict) if place_verdict else "",
        "query_without_page": _query_without_page(request),
        "htmx": _is_htmx(request),
    }
    template = "directory/search.html#results" if _is_htmx(request) else "directory/search.html"
    response = TemplateResponse(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_not_required
@require_safe
@public_page(depends_on=places.remembered)
def profile(request: HttpRequest, slug: str) -> HttpResponse:
    found = get_profile_for_viewer(request.user, slug)
    listed: bool = found.listed  # type: ignore[attr-defined]
    data = _with_remembered_place(request)
    where_form = WhereForm(data or None)
    where = where_form.cleaned_data.get("where") if where_form.is_valid() else None
    summary = summarise(found, with_bio=True)
    page_url = request.build_absolute_uri(summary.path)
    registrations = [
        {
            "summary": registration,
            "url": request.build_absolute_uri(registration.verification_path),
            "qr_svg": public_qr_svg(
                request.build_absolute_uri(registration.verification_path), scale=3
            ),
        }
        for registration in summary.registrations
    ]
    og_image = (
        request.build_absolute_uri(summary.photo_path)
        if summary.photo_path
        else request.build_absolute_uri(
            reverse(
                "registry:badge",
                kwargs={
                    "regulator": summary.registrations[0].regulator_slug,
                    "number": summary.registrations[0].registration_number,
                },
            )
        )
        if summary.registrations
        else ""
    )
    context = {
        "profile": found,
        "summary": summary,
        "listed": listed,
        # Only its owner sees an unlisted profile: tell them when a restriction is why.
        "restricted": not listed and is_restricted(found.practitioner),
        # ... or a regulator's suspension of the listing on Casework.
        "suspended_here": any(r.suspended_on_platform for r in summary.registrations),
        "is_owner": isinstance(request.user, User) and request.user.pk == found.practitioner_id,
        # Anyone signed in but the practitioner may block them (visitors have nothing to stop).
        "can_block": isinstance(request.user, User) and request.user.pk != found.practitioner_id,
        "registrations": registrations,
        "where_form": where_form,
        "where": where,
        "where_code": where.code if where else "",
        "practice": may_practise_where(found.practitioner, where) if where else None,
        # Listed means published and in good standing on a register right now.
        "booking_enabled": listed,
        "practitioner": found.practitioner,
        "page_url": page_url,
        "og_image": og_image,
        "complaint_query": urlencode({"profile": found.slug}),
        "time_zone_label": zone_label(summary.time_zone),
    }
    return TemplateResponse(request, "directory/profile.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def block_practitioner(request: HttpRequest, slug: str) -> HttpResponse:
    """Block the practitioner of a profile, after a page that says what will happen."""
    found = get_profile_for_viewer(request.user, slug)
    person = request.user
    if not isinstance(person, User):  # LoginRequiredMiddleware lets only signed-in people here
        raise Http404
    back_url = reverse("directory:profile", kwargs={"slug": found.slug})
    return confirm_block(request, blocker=person, other=found.practitioner, back_url=back_url)


@login_not_required
@require_safe
def photo(request: HttpRequest, slug: str) -> HttpResponseBase:
    found = get_photo_profile_for_viewer(request.user, slug)
    try:
        handle = found.photo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    # A listed photo may be cached briefly; an owner's preview of an unlisted one never.
    listed: bool = found.listed  # type: ignore[attr-defined]
    response["Cache-Control"] = "public, max-age=300" if listed else "private, no-store"
    return response


@role_required(Role.PRACTITIONER)
@require_http_methods(["GET", "HEAD", "POST"])
def edit_profile(request: HttpRequest) -> HttpResponse:
    person = request.user
    assert isinstance(person, User)  # noqa: S101  (role_required ran)
    own = get_own_profile(person)
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                saved = services.save_profile(
                    practitioner=person,
                    details=form.details(),
                    photo=form.cleaned_data["photo"],
                    remove_photo=form.cleaned_data["remove_photo"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Your profile is saved."))
                if saved.published and not in_good_standing(person):
                    messages.info(
                        request,
                        _(
                            "Your profile will be listed once a register shows a verified "
                            "registration of yours in a practising status."
                        ),
                    )
                return redirect("directory:edit_profile")
    else:
        form = ProfileForm(initial=initial_for(own, time_zone=person.time_zone))
    context = {
        "form": form,
        "own": own,
        "listed": bool(own is not None and own.listed),  # type: ignore[attr-defined]
        "in_good_standing": in_good_standing(person),
    }
    return TemplateResponse(request, "directory/edit_profile.html", context)


@role_required(Role.OFFICER, Role.ADMIN)
@require_safe
def display_name_reviews(request: HttpRequest) -> HttpResponse:
    person = request.user
    assert isinstance(person, User)  # noqa: S101  (role_required ran)
    waiting = (
        display_names_to_review(person)
        .select_related("practitioner")
        .order_by("display_name_review_since", "pk")
    )
    return TemplateResponse(request, "directory/display_name_reviews.html", {"profiles": waiting})


@role_required(Role.OFFICER, Role.ADMIN)
@require_http_methods(["GET", "HEAD", "POST"])
def review_display_name(request: HttpRequest, profile_id: int) -> HttpResponse:
    person = request.user
    assert isinstance(person, User)  # noqa: S101
    profile = get_display_name_for_reviewer(person, profile_id)
    form = DisplayNameDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decide_display_name(
                profile=profile,
                reviewer=person,
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your decision is recorded."))
            return redirect("directory:display_name_reviews")
    return TemplateResponse(
        request,
        "directory/review_display_name.html",
        {
            "profile": profile,
            "registered_names": registered_names(profile.practitioner_id),
            "form": form,
        },
    )
