"""Reads of the directory: which profiles are listed, and the search with its filters.

Listing is defined here (``listing_condition``) from the registers, the account and
moderators' decisions. A single profile reads it in its own query; the search reads it stored
on each profile (``PractitionerProfile.listed_in_search``), which database triggers recompute
in the very statement that changes any of its parts, so a register reading that suspends
someone hides them from the very next search all the same.
"""

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.expressions import OrderBy

from casework.accounts.models import Role
from casework.directory import search
from casework.directory.models import (
    PractisingJurisdiction,
    PractitionerProfile,
    ProfileLanguage,
    ProfileModality,
    ProfileSpecialty,
)
from casework.directory.paging import BestMatchFirst, SoonestFirst
from casework.registry.models import (
    PRACTISING_STATUSES,
    Jurisdiction,
    RegistrationClaim,
)
from casework.registry.practice import Verdict, jurisdictions_covering, may_practise_for
from casework.registry.standing import (
    in_good_standing_expression,
    with_platform_orders,
)
from casework.safety.restrictions import restricted_expression
from casework.shell.outages import cache_outages


def listing_condition() -> Q:
    """Published, by an active practitioner who is in good standing on a register right now
    and whom no moderator's decision in force restricts (a restricted practitioner takes no
    new enquiries or bookings, so the directory does not offer them; a suspended one is
    inactive)."""
    return (
        Q(published=True)
        & Q(practitioner__is_active=True)
        & Q(practitioner__role=Role.PRACTITIONER)
        & Q(in_good_standing_expression("practitioner_id"))
        & ~Q(restricted_expression("practitioner_id"))
    )


def profiles_with_listing() -> QuerySet[PractitionerProfile]:
    """Every profile, annotated ``listed`` (``listing_condition``)."""
    return PractitionerProfile.objects.annotate(
        listed=ExpressionWrapper(listing_condition(), output_field=BooleanField())
    )


def listed_profiles() -> QuerySet[PractitionerProfile]:
    return PractitionerProfile.objects.filter(listing_condition())


def searchable_profiles() -> QuerySet[PractitionerProfile]:
    """The listed profiles, by their stored answer (``listed_in_search``): one indexed column
    instead of the listing's checks on every row (about 140 ms of a broad search at 100,000
    profiles on SQLite)."""
    return PractitionerProfile.objects.filter(listed_in_search=True)


OFFERED_CACHE_KEY = "directory:offered-vocabulary"
OFFERED_CACHE_SECONDS = 600


def offered_vocabulary() -> tuple[frozenset[str], frozenset[str]]:
    """The languages and fee currencies of listed profiles: what the search's filters offer,
    instead of every language and currency there is (hundreds of options on every search).
    Kept in the cache for ten minutes; read afresh when the cache does not answer."""
    try:
        cached = cache.get(OFFERED_CACHE_KEY)
    except cache_outages():
        cached = None
    if cached is None:
        listed = searchable_profiles()
        languages = ProfileLanguage.objects.filter(profile__in=listed).values_list("code")
        currencies = listed.exclude(fee_currency="").values_list("fee_currency")
        cached = (
            sorted({code for (code,) in languages}),
            sorted({code for (code,) in currencies}),
        )
        with suppress(*cache_outages()):
            cache.set(OFFERED_CACHE_KEY, cached, OFFERED_CACHE_SECONDS)
    return frozenset(cached[0]), frozenset(cached[1])


def verified_claims() -> QuerySet[RegistrationClaim]:
    """Verified registrations with their live register status and the regulator's orders on
    this platform (``suspended_here``, ``conditions_here``), practising ones first. A suspended
    listing is not practising, whatever the register says."""
    return (
        with_platform_orders(
            RegistrationClaim.objects.filter(state=RegistrationClaim.State.VERIFIED).select_related(
                "regulator", "regulator__jurisdiction", "entry"
            ),
            entry_ref="entry_id",
        )
        .annotate(
            practising=ExpressionWrapper(
                Q(entry__status__in=sorted(PRACTISING_STATUSES)) & Q(suspended_here=False),
                output_field=BooleanField(),
            )
        )
        .order_by("-practising", "regulator__name", "pk")
    )


def _profile_details() -> list[Prefetch]:  # type: ignore[type-arg]
    return [
        Prefetch("language_rows", queryset=ProfileLanguage.objects.order_by("pk")),
        Prefetch("specialty_rows", queryset=ProfileSpecialty.objects.order_by("pk")),
        Prefetch("modality_rows", queryset=ProfileModality.objects.order_by("pk")),
        Prefetch(
            "practitioner__registration_claims",
            queryset=verified_claims(),
            to_attr="verified_claims",
        ),
    ]


def with_profile_details(
    queryset: QuerySet[PractitionerProfile],
) -> QuerySet[PractitionerProfile]:
    """One query per related kind for a whole page, never one per profile."""
    return queryset.select_related("practitioner").prefetch_related(*_profile_details())


def add_profile_details(profiles: Sequence[PractitionerProfile]) -> None:
    """What ``with_profile_details`` fetches, for profiles already read (with their
    practitioner): one query per related kind for all of them, none when there are none."""
    if profiles:
        prefetch_related_objects(list(profiles), *_profile_details())


def with_next_free_slot(
    queryset: QuerySet[PractitionerProfile], *, now: datetime
) -> QuerySet[PractitionerProfile]:
    """Annotate ``next_free_at``, the practitioner's next free slot as scheduling keeps it (read
    from its copy on the profile, ``free_slot_at``). A slot already past is stale until
    scheduling refreshes it, so it reads as unknown (None)."""
    return queryset.annotate(
        next_free_at=Case(
            When(free_slot_at__gt=now, then=F("free_slot_at")),
            default=Value(None, output_field=DateTimeField()),
            output_field=DateTimeField(),
        )
    )


class Sort(StrEnum):
    RELEVANCE = "relevance"
    NEXT_FREE = "next_free"


@dataclass(frozen=True)
class SearchCriteria:
    text: str = ""
    where: Jurisdiction | None = None
    language: str = ""
    specialty: str = ""
    modality: str = ""
    available_within_days: int | None = None
    fee_min: Decimal | None = None
    fee_max: Decimal | None = None
    currency: str = ""
    sort: Sort = Sort.RELEVANCE


@dataclass(frozen=True)
class SearchResult:
    # With words, ranked by the match; without, soonest free first, read in order.
    profiles: BestMatchFirst | SoonestFirst
    # What the place asks of a practitioner with no registration covering it: None without a
    # place; UNREGULATED where anyone may practise (no restriction applied); otherwise only
    # practitioners whose registrations cover the place are in ``profiles``.
    place_verdict: Verdict | None


PLACE_RULES_SECONDS = 60


def place_rules(where: Jurisdiction) -> tuple[Verdict, set[str] | None]:
    """What ``where`` asks of a practitioner with no registration there, and the
    jurisdictions whose regulators' registrations cover it (``jurisdictions_covering``).
    Both come from the reference data (regulators and practice agreements, five queries), so
    they are kept in the cache for a minute: an agreement changed by hand shows in the search
    within a minute, while booking and the profile read it afresh. Who is in good standing
    is never kept: the search reads the registers each time."""
    key = f"directory:place-rules:{where.code}"
    cached = None
    with suppress(*cache_outages()):
        cached = cache.get(key)
    if cached is None:
        covering = jurisdictions_covering(where)
        cached = (
            str(may_practise_for([], where).verdict),
            sorted(covering) if covering is not None else None,
        )
        with suppress(*cache_outages()):
            cache.set(key, cached, PLACE_RULES_SECONDS)
    verdict, codes = cached
    return Verdict(verdict), (set(codes) if codes is not None else None)


@dataclass(frozen=True)
class Narrowing:
    """A filter on rows of its own: the profiles (``profile_id``) or practitioners
    (``practitioner_id``) that have a row in ``rows``. ``key`` names its value in the cache
    of sizes."""

    key: str
    rows: QuerySet[Any]
    column: str
    # The same rows, for the check (``check``) where ``rows`` would be looked up otherwise
    # (the place's, built from its codes with ``rows`` by ``practising_in``).
    checked_rows: QuerySet[Any] | None = None

    @property
    def profile_column(self) -> str:
        """The profile's column its rows point at."""
        return "pk" if self.column == "profile_id" else self.column

    def listing(self) -> Q:
        """As the list of whom it keeps: the database starts from it (its index by value)."""
        return Q(**{f"{self.profile_column}__in": self.rows.values(self.column)})

    def check(self) -> Exists:
        """As a check of each profile's own rows (their unique index by profile)."""
        rows = self.rows if self.checked_rows is None else self.checked_rows
        return Exists(rows.filter(**{self.column: OuterRef(self.profile_column)}))

    def size(self) -> int:
        """How many rows it has: counted on the value's index, kept in the cache for ten
        minutes (only which filter is smallest matters, and that changes slowly)."""
        key = f"directory:filter-size:{self.key}"
        size = None
        with suppress(*cache_outages()):
            size = cache.get(key)
        if size is None:
            size = self.rows.count()
            with suppress(*cache_outages()):
                cache.set(key, size, FILTER_SIZES_SECONDS)
        return int(size)


FILTER_SIZES_SECONDS = 600


def narrowed(narrowing: list[Narrowing], *, text: bool) -> list[Q | Exists]:
    """The filters, written so that the search starts from the smallest of them.

    SQLite starts from a list (``IN``) and checks each profile it yields with the others'
    ``EXISTS``, so the list should be the filter that keeps fewest: from the specialty's 10,000
    profiles rather than the place's 23,000 practitioners, the search by place, language and
    specialty took half the time at 100,000 profiles. Never two lists: SQLite then looked up
    every id of the second list for each id of the first (minutes). With words, the full-text
    match is what the search starts from, and every filter is a check (with a list beside it,
    a filter everyone passes, such as video, made words + way of meeting slower). On PostgreSQL
    both forms are semi-joins that its planner orders by its own statistics."""
    if text or not narrowing:
        return [each.check() for each in narrowing]
    # Sizes only where they choose the plan: one filter is the list whatever its size, and
    # PostgreSQL's planner orders the semi-joins itself (no cache read or count per search).
    if len(narrowing) == 1 or connection.vendor != "sqlite":
        first = narrowing[0]
    else:
        first = min(narrowing, key=Narrowing.size)
    return [first.listing() if each is first else each.check() for each in narrowing]


class NotIndexed(Func):
    """The same value, which SQLite's planner does not look up by an index (its unary ``+``)."""

    template = "+%(expressions)s"


def practising_in(where: Jurisdiction, codes: list[str]) -> Narrowing:
    """The practitioners practising in any of ``codes`` (those covering ``where``): as a list,
    their rows looked up by place (``directory_practising_where``); as a check, each
    practitioner's own rows, both from the same codes. On SQLite the check compares the place
    rather than looking it up: with both columns given, its planner looks up each place's rows
    by the index led by the place one place after another, where the practitioner's own rows
    (the unique index led by the practitioner) are found in one look-up. For the 17,000 listed
    matches of a common word and a place of four jurisdictions, that check took 64-75 ms and
    takes 19-32 at 100,000 profiles. PostgreSQL's planner chooses by its own statistics."""
    rows = PractisingJurisdiction.objects.filter(jurisdiction_id__in=codes)
    checked = rows
    if connection.vendor == "sqlite":
        place = NotIndexed("jurisdiction_id", output_field=CharField())
        checked = PractisingJurisdiction.objects.alias(place=place).filter(place__in=codes)
    return Narrowing(f"place:{where.code}", rows, "practitioner_id", checked_rows=checked)


def find_practitioners(
    criteria: SearchCriteria, *, now: datetime, details: bool = True
) -> SearchResult:
    """Listed profiles matching ``criteria``, ranked, with ``next_free_at`` (the next free
    slot, or None when unknown or already past) annotated. Without ``details`` only their
    practitioner comes with them, for a caller that fetches the rest for some of them
    (``add_profile_details``), as the page does for cards not cached.

    With words the profiles come as ``BestMatchFirst``, which sorts the matches' ids and reads
    the page's rows afterwards (past the cap of a count, it ranks the cap's soonest free of the
    matches: ``BestMatchFirst.past_the_cap``). Without words the order is soonest free slot
    first, then by name: the profiles come as ``SoonestFirst``, which reads the stored slot's
    index in order and stops at the page."""
    words = search.query_words(criteria.text)
    place_verdict = None
    narrowing: list[Narrowing] = []
    if criteria.where is not None:
        place_verdict, covering = place_rules(criteria.where)
        if covering is not None:
            narrowing.append(practising_in(criteria.where, sorted(covering)))
    if criteria.language:
        languages = ProfileLanguage.objects.filter(code=criteria.language)
        narrowing.append(Narrowing(f"language:{criteria.language}", languages, "profile_id"))
    if criteria.specialty:
        specialties = ProfileSpecialty.objects.filter(code=criteria.specialty)
        narrowing.append(Narrowing(f"specialty:{criteria.specialty}", specialties, "profile_id"))
    if criteria.modality:
        ways = ProfileModality.objects.filter(modality=criteria.modality)
        narrowing.append(Narrowing(f"modality:{criteria.modality}", ways, "profile_id"))
    conditions: list[Q] = []
    if criteria.fee_min is not None or criteria.fee_max is not None:
        paid = Q(funded=False, fee_currency=criteria.currency)
        if criteria.fee_min is not None:
            paid &= Q(fee__gte=criteria.fee_min)
        if criteria.fee_max is not None:
            paid &= Q(fee__lte=criteria.fee_max)
        if not criteria.fee_min:
            # Funded or free practice costs the client nothing, whatever the currency.
            paid |= Q(funded=True)
        conditions.append(paid)
    free = Q(free_slot_at__gt=now)
    if criteria.available_within_days is not None:
        soon = now + timedelta(days=criteria.available_within_days)
        conditions.append(free & Q(free_slot_at__lte=soon))

    def matches(*, likely_names: bool = True) -> QuerySet[PractitionerProfile]:
        found = search.matching(searchable_profiles(), criteria.text, likely_names=likely_names)
        # The bio and search document are long and a result card shows neither: leaving them
        # out keeps the rows the database sorts small.
        return with_next_free_slot(found.filter(*conditions), now=now).defer(
            "bio_source", "bio_html", "search_document"
        )

    profiles = matches()
    without_slot = criteria.available_within_days is None
    by_slot = ["free_slot_at", "display_name", "pk"]
    by_name = ["display_name", "pk"]
    rest = Q(free_slot_at__isnull=True) | Q(free_slot_at__lte=now)
    if words:
        soonest = OrderBy(F("next_free_at"), nulls_last=True)
        best_match = F("text_rank").desc()
        ordering: list[OrderBy | str]
        if criteria.sort == Sort.NEXT_FREE:
            ordering = [soonest, best_match, "display_name", "pk"]
        else:
            ordering = [best_match, soonest, "display_name", "pk"]
        # The matches are ranked and sorted by their id and sort keys alone: the page's own
        # rows (with their practitioner) are read afterwards by id. Sorting whole rows read
        # each match's practitioner too and took about a third more at 100,000 profiles.
        # ``full_text`` and the soonest ones are for a search that passes the cap.
        page_rows = with_next_free_slot(searchable_profiles(), now=now).defer(
            "bio_source", "bio_html", "search_document"
        )
        checks = narrowed(narrowing, text=True)
        full_text = matches(likely_names=False).filter(*checks)
        return SearchResult(
            profiles=BestMatchFirst(
                ranked=profiles.filter(*checks).order_by(*ordering),
                rows=(
                    with_profile_details(page_rows)
                    if details
                    else page_rows.select_related("practitioner")
                ),
                full_text=full_text.order_by(*ordering),
                soonest_free=full_text.filter(free).order_by(*by_slot),
                soonest_rest=full_text.filter(rest).order_by(*by_name) if without_slot else None,
            ),
            place_verdict=place_verdict,
        )
    # Without words both sorts are soonest free first, then by name. Read in order, each
    # profile is checked against every filter until the page is full (a few dozen index
    # look-ups where a match is common); counted, or sorted where that would not pay, the
    # search starts from its smallest filter.
    profiles = profiles.select_related("practitioner")
    checked = profiles.filter(*[each.check() for each in narrowing])
    listed = profiles.filter(*narrowed(narrowing, text=False))
    return SearchResult(
        profiles=SoonestFirst(
            free=checked.filter(free).order_by(*by_slot),
            rest=checked.filter(rest).order_by(*by_name) if without_slot else None,
            counting=listed,
            sorted_free=listed.filter(free).order_by(*by_slot),
            sorted_rest=listed.filter(rest).order_by(*by_name) if without_slot else None,
            now=now,
            details=add_profile_details if details else _no_details,
        ),
        place_verdict=place_verdict,
    )


def _no_details(profiles: Sequence[PractitionerProfile]) -> None:
    """The page fetches its cards' details itself, for the cards not kept."""
