"""/api/v1 operations of directory: the same search, filters and listing rule as the page."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from casework import cursors
from casework.accounts.tokens import open_to_anyone
from casework.directory.access import get_practitioners_profile_for_viewer
from casework.directory.forms import DirectorySearchForm
from casework.directory.paging import RESULTS_CAP, CappedPaginator
from casework.directory.queries import find_practitioners
from casework.directory.summaries import ProfileSummary, summarise
from casework.problems import Error as Problem
from casework.problems import form_fields, problem
from casework.registry.practice import Verdict
from casework.shell.converters import RowId
from casework.shell.outages import over_reading_limit

router = Router(tags=["directory"])

PAGE_SIZE = 20


class TermSchema(Schema):
    code: str
    label: str


class FeeSchema(Schema):
    funded: bool = Field(description="True when clients pay nothing (funded or free)")
    amount: Decimal | None = Field(description="Per session; null when funded")
    currency: str | None = Field(description="ISO 4217; null when funded")


class ListedRegistrationSchema(Schema):
    regulator: str = Field(description="Regulator slug")
    regulator_name: str
    jurisdiction: str = Field(description="ISO 3166-1 or 3166-2 code")
    registration_number: str
    registered_name: str = Field(description="The name as the register holds it")
    status: str = Field(
        description="registered, conditions, suspended, lapsed, removed, or absent (not in the "
        "latest reading of the register)"
    )
    practising: bool = Field(
        description="The register's status lets them practise and no suspension on Casework"
    )
    suspended_on_casework: bool = Field(
        description="The regulator suspended this registration's listing on Casework"
    )
    conditions: str = Field(
        description="Conditions of practice the register lists (empty when none)"
    )
    conditions_on_casework: str = Field(
        description="Conditions of practice the regulator set on Casework (empty when none)"
    )
    valid_until: date | None
    register_read_at: datetime | None = Field(description="When we last read the register")
    verification_url: str


class PractitionerSchema(Schema):
    id: int = Field(description="The practitioner's id, as free slots and bookings take it")
    slug: str
    display_name: str = Field(
        description="The name the practitioner gives, once it carries the registered family "
        "name or a reviewer approved it; until then the registered name"
    )
    registered_name: str = Field(description="The name as the register holds it")
    profile_url: str
    slots_url: str = Field(description="Where to read their free slots")
    photo_url: str | None
    languages: list[TermSchema] = Field(description="ISO 639-1, or ISO 639-3 for sign languages")
    specialties: list[TermSchema]
    modalities: list[TermSchema] = Field(description="video, chat, phone or in_person")
    in_person_place: str
    fee: FeeSchema
    time_zone: str
    next_free_at: datetime | None = Field(description="Next free slot, when known")
    registrations: list[ListedRegistrationSchema]
    may_practise_where: str | None = Field(
        description="With `where`: may_practise, or unregulated where no registration is needed"
    )


class PractitionerPage(Schema):
    count: int = Field(description=f"Matches, counted up to {RESULTS_CAP}")
    more: bool = Field(description="More match than `count`: narrow the search to see them")
    page: int
    pages: int
    next: str | None = Field(description="The next page's address (with its cursor)")
    previous: str | None
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")
    results: list[PractitionerSchema]


class PractitionerQuery(Schema):
    q: str | None = Field(None, description="Free text: names, specialties, languages, bio")
    where: str | None = Field(None, description="Client's ISO 3166 code, e.g. GB-ENG or US-CA")
    language: str | None = Field(None, description="ISO 639 code, e.g. en, cy, bfi")
    specialty: str | None = Field(None, description="Specialty key, e.g. mental-health")
    modality: str | None = Field(None, description="video, chat, phone or in_person")
    available_within: str | None = Field(None, description="Days, 1 to 90")
    fee_min: str | None = None
    fee_max: str | None = None
    currency: str | None = Field(None, description="ISO 4217; required with fee_min or fee_max")
    sort: str | None = Field(None, description="relevance (default) or next_free")
    page: str | None = Field(None, description="A page number (prefer `cursor`)")
    cursor: str | None = Field(
        None, description="`next_cursor` of the previous page: the same search, further on"
    )


def _practitioner(
    request: HttpRequest, summary: ProfileSummary, verdict: Verdict | None
) -> dict[str, Any]:
    return {
        "id": summary.practitioner_id,
        "slug": summary.slug,
        "display_name": summary.display_name,
        "registered_name": summary.registered_name,
        "profile_url": request.build_absolute_uri(summary.path),
        "slots_url": request.build_absolute_uri(
            reverse("api:practitioner_slots", kwargs={"practitioner_id": summary.practitioner_id})
        ),
        "photo_url": request.build_absolute_uri(summary.photo_path) if summary.photo_path else None,
        "languages": [vars(term) for term in summary.languages],
        "specialties": [vars(term) for term in summary.specialties],
        "modalities": [vars(term) for term in summary.modalities],
        "in_person_place": summary.in_person_place,
        "fee": {
            "funded": summary.funded,
            "amount": summary.fee,
            "currency": summary.fee_currency or None,
        },
        "time_zone": summary.time_zone,
        "next_free_at": summary.next_free_at,
        "registrations": [
            {
                "regulator": r.regulator_slug,
                "regulator_name": r.regulator_name,
                "jurisdiction": r.jurisdiction,
                "registration_number": r.registration_number,
                "registered_name": r.registered_name,
                "status": r.status,
                "practising": r.practising,
                "suspended_on_casework": r.suspended_on_platform,
                "conditions": r.conditions,
                "conditions_on_casework": r.platform_conditions,
                "valid_until": r.valid_until,
                "register_read_at": r.read_at,
                "verification_url": request.build_absolute_uri(r.verification_path),
            }
            for r in summary.registrations
        ],
        "may_practise_where": (
            None
            if verdict is None
            else str(
                Verdict.UNREGULATED if verdict == Verdict.UNREGULATED else Verdict.MAY_PRACTISE
            )
        ),
    }


CURSOR_SALT = "casework.directory.api.cursor"


def _cursor(params: dict[str, Any], number: int) -> str:
    return cursors.cursor_for(params, number, salt=CURSOR_SALT)


def _page_link(request: HttpRequest, params: dict[str, Any], number: int) -> str:
    return cursors.page_link(request, params, number, salt=CURSOR_SALT)


@router.get(
    "/practitioners",
    response={200: PractitionerPage, 400: Problem, 429: Problem},
    summary="Find listed social workers",
    description=(
        "Listed practitioners only: a published profile and a verified registration that its "
        "register shows as practising, read at the time of the request. With `where`, only "
        "those who may work with a client there. Searches are not stored. Open to anyone; a "
        "personal access token (any scope) or the session may be sent too, and a token that "
        "is wrong, expired or revoked answers 401."
    ),
    **open_to_anyone(None),
)
def practitioners(request: HttpRequest, query: Query[PractitionerQuery]) -> Status[object]:
    rate = settings.VERIFY_API_RATE
    if over_reading_limit(request, group="api.practitioners", rate=rate):
        return problem(429, _("Too many requests: try again in a minute."))
    params = {
        k: v for k, v in query.dict().items() if v is not None and k not in ("page", "cursor")
    }
    form = DirectorySearchForm(params)
    if not form.is_valid():
        errors = [
            f"{name}: {message}" if name != "__all__" else str(message)
            for name, messages in form.errors.items()
            for message in messages
        ]
        return problem(400, " ".join(errors), fields=form_fields(form.errors))
    result = find_practitioners(form.criteria(), now=timezone.now())
    paginator = CappedPaginator(result.profiles, PAGE_SIZE)
    asked: int | str | None = query.page
    if query.cursor is not None:
        asked = cursors.page_of_cursor(params, query.cursor, salt=CURSOR_SALT)
        if asked is None:
            message = _("This cursor does not belong to this search: start again without it.")
            return problem(400, message, fields={"cursor": [message]})
    page = paginator.get_page(asked)
    return Status(
        200,
        {
            "count": paginator.count,
            "more": paginator.more,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "next": (
                _page_link(request, params, page.next_page_number()) if page.has_next() else None
            ),
            "previous": (
                _page_link(request, params, page.previous_page_number())
                if page.has_previous()
                else None
            ),
            "next_cursor": _cursor(params, page.next_page_number()) if page.has_next() else None,
            "results": [
                _practitioner(request, summarise(profile), result.place_verdict) for profile in page
            ],
        },
    )


class ProfileSchema(PractitionerSchema):
    listed: bool = Field(
        description="Shown in the directory. Only the practitioner, signed in, reads their own "
        "profile while it is not"
    )
    bio_html: str = Field(description="Their own words, as sanitised HTML (the page shows it)")


@router.get(
    "/practitioners/{practitioner_id}",
    response={200: ProfileSchema, 404: Problem, 429: Problem},
    summary="A listed social worker's profile",
    description=(
        "The profile page's content: registrations with their live status and any conditions "
        "of practice (the register's and those the regulator set on Casework), languages, "
        "specialties, ways of working, fees and the next free slot. A profile that is not "
        "listed (unpublished, no practising registration, suspended on Casework, or restricted "
        "by a moderator) answers 404, as one that never existed; its own practitioner, signed "
        "in (with the browser session or a token of any scope), previews it as the page does. "
        "A token that is wrong, expired or revoked answers 401."
    ),
    **open_to_anyone(None),
    url_name="practitioner_profile",
)
def practitioner_profile(request: HttpRequest, practitioner_id: RowId) -> Status[object]:
    if over_reading_limit(request, group="api.practitioners", rate=settings.VERIFY_API_RATE):
        return problem(429, _("Too many requests: try again in a minute."))
    try:
        found = get_practitioners_profile_for_viewer(request.user, practitioner_id)
    except Http404:
        return problem(404, _("No listed practitioner has this id."))
    listed: bool = found.listed  # type: ignore[attr-defined]
    summary = summarise(found, with_bio=True)
    return Status(
        200,
        {**_practitioner(request, summary, None), "listed": listed, "bio_html": summary.bio_html},
    )
