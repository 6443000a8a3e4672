"""The verification API: the same lookups and plain-word answers as /verify/, as JSON."""

from collections.abc import Callable
from datetime import date, datetime
from functools import partial, wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view

from casework.accounts.tokens import open_to_anyone
from casework.problems import Error as Problem
from casework.problems import form_fields, problem
from casework.registry.forms import VerifySearchForm
from casework.registry.models import Jurisdiction
from casework.registry.standing import lets_practise, may_practise_under, platform_orders
from casework.registry.verification import find_entries, meaning_of
from casework.shell.outages import over_reading_limit
from casework.shell.page_cache import kept_answer, kept_response

router = Router(tags=["verification"])


class PracticeSchema(Schema):
    verdict: str = Field(description="may_practise, may_not_practise, unregulated or unknown")
    reason: str


class RegulatorSchema(Schema):
    slug: str
    name: str
    label: str = Field(
        description="The name to show people: followed by the place it regulates when another "
        "regulator has the same name (e.g. Social Workers Registration Board (New Zealand))"
    )
    jurisdiction: str = Field(description="ISO 3166-1 or 3166-2 code")
    website: str
    registration_mandatory: bool
    register_read_at: datetime | None = Field(description="When we last read the register")


class RegistrationSchema(Schema):
    registration_number: str
    name: str
    status: str = Field(
        description="registered, conditions, suspended, lapsed, removed, or absent (not in the "
        "latest reading of the register)"
    )
    status_meaning: str = Field(
        description="What the standing means for a client; while `suspended_on_casework`, "
        "that the listing here is suspended"
    )
    conditions: str = Field(description="Conditions the register lists")
    suspended_on_casework: bool = Field(
        description="The regulator suspended this registration's listing on Casework: the "
        "person takes no new clients here, whatever `status` the register shows"
    )
    conditions_on_casework: str = Field(
        description="Conditions of practice the regulator set on Casework (empty when none)"
    )
    practising: bool = Field(
        description="The register's status lets the person practise and no suspension on "
        "Casework is in force"
    )
    valid_until: date | None
    regulator: RegulatorSchema
    on_casework: bool = Field(description="A practitioner on Casework showed it is theirs")
    verification_url: str
    practice: PracticeSchema | None = Field(
        None, description="Whether this person may work with a client in `where`"
    )


class VerifyQuery(Schema):
    regulator: str | None = Field(None, description="Regulator slug, e.g. social-work-england")
    number: str | None = Field(None, description="Registration number")
    name: str | None = Field(None, description="Name, or part of it (three letters at least)")
    where: str | None = Field(None, description="Client's ISO 3166 code, e.g. GB-ENG or US-CA")


def _counted_then_kept(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """The operation's whole answer kept for visitors (``page_cache.kept_response``): a repeated
    ask is counted against the limit, then answered as sent before, without the query's and
    the answer's parsing, checks and serializing (most of a kept answer's time)."""

    @wraps(run)
    def run_counted_then_kept(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
        # Who brings a token or is signed in is answered by the operation, which checks them
        # before it counts: so is every request that is not a GET.
        if (
            request.method != "GET"
            or "Authorization" in request.headers
            or request.user.is_authenticated
            # Counted here once; the view asks again and gets the same verdict (outages.py),
            # and answers the refusal in its one shape.
            or over_reading_limit(request, group="api.verify", rate=settings.VERIFY_API_RATE)
        ):
            return run(request, **kwargs)
        return kept_response(request, partial(run, request, **kwargs))

    return run_counted_then_kept


@router.get(
    "/verify",
    response={200: list[RegistrationSchema], 400: Problem, 429: Problem},
    summary="Check a social worker's registration",
    description="Open to anyone; a personal access token (any scope) or the session may be "
    "sent too, and a token that is wrong, expired or revoked answers 401.",
    **open_to_anyone(None),
)
@decorate_view(_counted_then_kept)
def verify(request: HttpRequest, query: Query[VerifyQuery]) -> Status[object]:
    rate = settings.VERIFY_API_RATE
    if over_reading_limit(request, group="api.verify", rate=rate):
        return problem(429, _("Too many requests: try again in a minute."))
    form = VerifySearchForm({k: v for k, v in query.dict().items() if v is not None})
    if not form.is_valid():
        errors = [str(message) for messages in form.errors.values() for message in messages]
        return problem(400, " ".join(errors), fields=form_fields(form.errors))
    where = form.cleaned_data.get("where")
    # The same answer for everyone who asks the same: kept like a visitor's page, under the
    # public pages' version (shell/page_cache.py); the limit above counts every request.
    return Status(200, kept_answer(request, partial(_results, request, form, where)))


def _results(
    request: HttpRequest, form: VerifySearchForm, where: Jurisdiction | None
) -> list[dict[str, object]]:
    results: list[dict[str, object]] = []
    for entry in find_entries(
        regulator=form.cleaned_data["regulator"],
        number=form.cleaned_data["number"],
        name=form.cleaned_data["name"],
    ):
        orders = platform_orders(entry)  # annotated by find_entries: no query
        practice = may_practise_under(entry, orders, where) if where else None
        results.append(
            {
                "registration_number": entry.registration_number,
                "name": entry.name,
                "status": entry.status,
                "status_meaning": str(meaning_of(entry, orders)),
                "conditions": entry.conditions,
                "suspended_on_casework": orders.suspended,
                "conditions_on_casework": orders.conditions,
                "practising": lets_practise(entry, orders),
                "valid_until": entry.valid_until,
                "regulator": {
                    "slug": entry.regulator.slug,
                    "name": entry.regulator.name,
                    "label": str(entry.regulator),
                    "jurisdiction": entry.regulator.jurisdiction_id,
                    "website": entry.regulator.website,
                    "registration_mandatory": entry.regulator.registration_mandatory,
                    "register_read_at": entry.regulator.register_read_at,
                },
                # Annotated by find_entries.
                "on_casework": entry.on_casework,  # type: ignore[attr-defined]
                "verification_url": request.build_absolute_uri(
                    f"/verify/{entry.regulator.slug}/{entry.registration_number}/"
                ),
                "practice": (
                    {"verdict": str(practice.verdict), "reason": practice.reason}
                    if practice
                    else None
                ),
            }
        )
    return results
