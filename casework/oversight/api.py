"""/api/v1 operations of the regulator portal: an officer's regulators, their registrants on
Casework and the complaints routed to them. The same role rule (officers, and administrators
for every regulator), regulator lookup and queries as the portal's dashboard."""

import uuid
from datetime import datetime

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from casework import cursors
from casework.accounts.models import User
from casework.accounts.tokens import person_auth
from casework.oversight import queries
from casework.oversight.access import get_regulator_for_officer, portal_regulators
from casework.oversight.views import OFFICERS
from casework.problems import Error as Problem
from casework.problems import problem
from casework.registry.models import Regulator

router = Router(tags=["oversight"])

PAGE_SIZE = 100


def _officer(request: HttpRequest) -> User | None:
    """The person, when their role opens the portal (as the pages' ``role_required``)."""
    person = request.user
    return person if isinstance(person, User) and person.role in OFFICERS else None


def _refused() -> Status[object]:
    return problem(403, _("Only regulators' officers read the regulator portal."))


class PortalRegulatorSchema(Schema):
    slug: str
    name: str
    jurisdiction: str = Field(description="ISO 3166-1 or 3166-2 code")
    registrants_url: str
    complaints_url: str


class RegistrantSchema(Schema):
    registration_number: str
    name_on_register: str = Field(description="Empty when the register does not hold it")
    register_status: str = Field(description="As the register last read says; empty if absent")
    claim_state: str = Field(description="How far the practitioner proved the registration")
    proof_route: str
    proved_at: datetime | None
    in_dispute: bool
    listing: str = Field(
        description="active, suspended_on_platform, hidden_by_register_status or not_verified"
    )
    conditions_on_platform: bool
    page_url: str | None = Field(description="The registration's page in the portal")


class RegistrantPage(Schema):
    results: list[RegistrantSchema]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


class RoutedComplaintSchema(Schema):
    id: uuid.UUID
    reference: str
    practitioner: str = Field(description="The practitioner's registered name on Casework")
    category: str
    source: str = Field(description="public, or moderation (referred by Casework's moderators)")
    state: str = Field(description="received, under_review, referred or closed")
    filed_at: datetime
    closed_at: datetime | None
    page_url: str = Field(description="Its page in the portal (reading it there is audited)")


class RoutedComplaintPage(Schema):
    results: list[RoutedComplaintSchema]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


def _regulator(request: HttpRequest, regulator: Regulator) -> dict[str, object]:
    slug = {"regulator": regulator.slug}
    return {
        "slug": regulator.slug,
        "name": regulator.name,
        "jurisdiction": regulator.jurisdiction.code,
        "registrants_url": request.build_absolute_uri(
            reverse("api:oversight_registrants", kwargs=slug)
        ),
        "complaints_url": request.build_absolute_uri(
            reverse("api:oversight_complaints", kwargs=slug)
        ),
    }


@router.get(
    "/oversight/regulators",
    response={200: list[PortalRegulatorSchema], 401: Problem, 403: Problem},
    summary="The regulators you act for (officers)",
    description="Officers see the regulators they were invited to, Casework's administrators "
    "every one; anyone else is refused (403).",
    auth=person_auth("oversight", "read"),
    url_name="oversight_regulators",
)
def my_regulators(request: HttpRequest) -> Status[object]:
    person = _officer(request)
    if person is None:
        return _refused()
    return Status(200, [_regulator(request, r) for r in portal_regulators(person)])


@router.get(
    "/oversight/regulators/{regulator}/registrants",
    response={200: RegistrantPage, 400: Problem, 401: Problem, 403: Problem, 404: Problem},
    summary="The regulator's registrants on Casework, by registration number (officers)",
    description="Every live claim on the regulator's register, with its proof and listing "
    "state, as the portal's dashboard lists them. A regulator you do not act for answers "
    "404, as a missing one does; anyone but officers and administrators is refused (403).",
    auth=person_auth("oversight", "read"),
    url_name="oversight_registrants",
)
def registrants(
    request: HttpRequest, regulator: str, query: Query[cursors.PageQuery]
) -> Status[object]:
    person = _officer(request)
    if person is None:
        return _refused()
    try:
        found = get_regulator_for_officer(person, regulator)
    except Http404:
        return problem(404, _("You act for no regulator with this name."))
    page = cursors.after_row(
        queries.claims_of(found),
        belongs_to=f"oversight.registrants:{found.pk}",
        order=("registration_number", "id"),
        cursor=query.cursor,
        limit=PAGE_SIZE,
    )
    if page is None:
        return cursors.refused()
    claims, next_cursor = page
    return Status(
        200,
        {
            "results": [
                {
                    "registration_number": claim.registration_number,
                    "name_on_register": claim.entry.name if claim.entry else "",
                    "register_status": claim.entry.status if claim.entry else "",
                    "claim_state": claim.state,
                    "proof_route": claim.proof_route,
                    "proved_at": claim.proved_at,
                    "in_dispute": claim.in_dispute,
                    "listing": queries.listing_state(claim),
                    "conditions_on_platform": bool(getattr(claim, "conditions_here", False)),
                    "page_url": request.build_absolute_uri(
                        reverse("oversight:registration", kwargs={"entry_id": claim.entry_id})
                    )
                    if claim.entry_id
                    else None,
                }
                for claim in claims
            ],
            "next_cursor": next_cursor,
        },
    )


@router.get(
    "/oversight/regulators/{regulator}/complaints",
    response={200: RoutedComplaintPage, 400: Problem, 401: Problem, 403: Problem, 404: Problem},
    summary="The complaints routed to the regulator, newest first (officers)",
    description="What each complaint is about and where it stands; its words and evidence "
    "are read on its portal page, where each reading is audited. A regulator you do not act "
    "for answers 404, as a missing one does; anyone but officers and administrators is "
    "refused (403).",
    auth=person_auth("oversight", "read"),
    url_name="oversight_complaints",
)
def routed_complaints(
    request: HttpRequest, regulator: str, query: Query[cursors.PageQuery]
) -> Status[object]:
    person = _officer(request)
    if person is None:
        return _refused()
    try:
        found = get_regulator_for_officer(person, regulator)
    except Http404:
        return problem(404, _("You act for no regulator with this name."))
    page = cursors.after_row(
        queries.complaints_to(found).select_related("practitioner"),
        belongs_to=f"oversight.complaints:{found.pk}",
        order=("-created_at", "-id"),
        cursor=query.cursor,
        limit=PAGE_SIZE,
    )
    if page is None:
        return cursors.refused()
    complaints, next_cursor = page
    return Status(
        200,
        {
            "results": [
                {
                    "id": c.pk,
                    "reference": c.reference,
                    "practitioner": c.practitioner.display_name,
                    "category": c.category,
                    "source": c.source,
                    "state": c.state,
                    "filed_at": c.created_at,
                    "closed_at": c.closed_at,
                    "page_url": request.build_absolute_uri(
                        reverse("complaints:detail", kwargs={"complaint_id": c.pk})
                    ),
                }
                for c in complaints
            ],
            "next_cursor": next_cursor,
        },
    )
