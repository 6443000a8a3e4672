"""The directory search: free text, every filter, sorting, pages, the no-JavaScript form and
its htmx enhancement, and searches that leave nothing behind."""

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.test import Client

from casework.accounts.models import User
from casework.directory.cards import refresh_cards
from casework.directory.models import Modality, PractitionerProfile
from casework.directory.queries import SearchCriteria, find_practitioners
from casework.directory.search import finds_likely_names
from casework.directory.services import refresh_search_documents
from casework.privacy.models import AuditEvent
from casework.registry.models import Jurisdiction
from casework.registry.standing import may_practise_where
from casework.scheduling.models import PractitionerSchedule
from casework.shell.page_cache import renew_public_pages
from casework.testing.directory import listed_practitioner

pytestmark = pytest.mark.usefixtures("reference")

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def names(query: str = "", client: Client | None = None) -> list[str]:
    """Display names on the first page of the search page for ``query``, in order; the JSON
    endpoint must answer the same for the same query string."""
    response = (client or Client()).get(f"/find/?{query}")
    assert response.status_code == 200
    page = [card.display_name for card in response.context["cards"]]
    api = Client().get(f"/api/v1/practitioners?{query}")
    assert api.status_code == 200, api.content
    assert [item["display_name"] for item in api.json()["results"]] == page
    return page


def free_at(profile: PractitionerProfile, when: datetime | None) -> None:
    PractitionerSchedule.objects.update_or_create(
        practitioner=profile.practitioner, defaults={"next_free_at": when}
    )


# Free text


def test_free_text_finds_names_specialties_languages_and_bio_words() -> None:
    listed_practitioner(
        legal_name="José Martínez",
        specialties=["grief"],
        languages=["es", "cy"],
        bio_source="I walk beside families after a bereavement.",
    )
    listed_practitioner(legal_name="Ewan MacLeod", specialties=["substance-use"])
    assert names("q=Martinez") == ["José Martínez"]
    assert names("q=jose") == ["José Martínez"]
    assert names("q=grief") == ["José Martínez"]
    assert names("q=welsh") == ["José Martínez"]
    assert names("q=bereave") == ["José Martínez"]  # a word's beginning is enough
    assert names("q=drug") == ["Ewan MacLeod"]
    assert names("q=grief+macleod") == []  # every word must match
    assert names("q=zebra") == []


def test_the_spanish_name_of_a_language_finds_its_speakers() -> None:
    listed_practitioner(legal_name="Ana Costa", languages=["de"])
    assert names("q=alem%C3%A1n") == ["Ana Costa"]


@pytest.mark.parametrize(
    "query",
    ['"', "NEAR(", "a OR b", "*", "-x", ":*", "&|!", "'; DROP TABLE x; --", "\x00", "ü" * 500],
)
def test_search_syntax_and_odd_text_are_just_words(query: str) -> None:
    listed_practitioner()
    response = Client().get("/find/", {"q": query})
    assert response.status_code == 200
    assert Client().get("/api/v1/practitioners", {"q": query}).status_code in (200, 400)


def test_better_matches_come_first() -> None:
    listed_practitioner(
        legal_name="Fiona Lamont",
        specialties=["housing"],
        bio_source="Mostly housing work; some trauma.",
    )
    listed_practitioner(
        legal_name="Rosa Delgado",
        specialties=["trauma"],
        bio_source="Trauma-informed practice: trauma is my whole work.",
    )
    assert names("q=trauma") == ["Rosa Delgado", "Fiona Lamont"]


# Where the client is


def test_where_shows_only_who_may_practise_there() -> None:
    listed_practitioner(legal_name="Amara Okafor", regulator="social-work-england")
    listed_practitioner(legal_name="Ewan MacLeod", regulator="sssc")
    listed_practitioner(legal_name="Rosa Delgado", regulator="us-ca-bbs")
    # The UK's temporary-practice arrangement lets a Scottish registration count in England.
    assert names("where=GB-ENG") == ["Amara Okafor", "Ewan MacLeod"]
    assert names("where=US-CA") == ["Rosa Delgado"]
    assert names("where=US-NY") == []
    # Unregulated: anyone listed may practise there.
    assert names("where=AU") == ["Amara Okafor", "Ewan MacLeod", "Rosa Delgado"]
    page = Client().get("/find/?where=AU").content.decode()
    assert "not regulated as a profession in Australia" in page


def test_the_uk_allowance_runs_one_way_into_england() -> None:
    listed_practitioner(legal_name="Amara Okafor", regulator="social-work-england")
    listed_practitioner(legal_name="Ewan MacLeod", regulator="sssc")
    listed_practitioner(legal_name="Cerys Pugh", regulator="social-care-wales")
    listed_practitioner(legal_name="Niamh Kelly", regulator="niscc")
    assert names("where=GB-ENG") == ["Amara Okafor", "Cerys Pugh", "Ewan MacLeod", "Niamh Kelly"]
    # An England-only registrant is never listed for a client elsewhere in the UK.
    assert names("where=GB-SCT") == ["Ewan MacLeod"]
    assert names("where=GB-WLS") == ["Cerys Pugh"]
    assert names("where=GB-NIR") == ["Niamh Kelly"]


def test_an_england_only_profile_says_it_may_not_serve_a_client_in_scotland() -> None:
    profile = listed_practitioner(legal_name="Amara Okafor", regulator="social-work-england")
    page = Client().get(f"/practitioners/{profile.slug}/?where=GB-SCT")
    assert not page.context["practice"].allowed
    assert "registration with Scottish Social Services Council is required" in (
        page.content.decode()
    )


def test_a_place_without_reviewed_facts_shows_only_registrations_covering_it() -> None:
    listed_practitioner(legal_name="Amara Okafor")
    assert names("where=FR") == []
    page = Client().get("/find/?where=FR").content.decode()
    assert "We hold no reviewed facts" in page


def test_the_place_filter_agrees_with_booking_everywhere() -> None:
    """For every seeded place: listed for a client there exactly when booking would allow it."""
    profiles = [
        listed_practitioner(legal_name="Amara Okafor", regulator="social-work-england"),
        listed_practitioner(legal_name="Ewan MacLeod", regulator="sssc"),
        listed_practitioner(legal_name="Rosa Delgado", regulator="us-ca-bbs"),
        listed_practitioner(legal_name="Siobhán Ní Bhriain", regulator="coru-swrb"),
    ]
    disagreements = []
    for place in Jurisdiction.objects.select_related("country"):
        found = {
            profile.pk
            for profile in find_practitioners(SearchCriteria(where=place), now=NOW).profiles
        }
        for profile in profiles:
            allowed = may_practise_where(profile.practitioner, place).allowed
            if (profile.pk in found) != allowed:
                disagreements.append(f"{place.code} {profile.display_name}: booking {allowed}")
    assert not disagreements, disagreements[:10]


def test_profile_links_carry_the_place_on_to_the_profile() -> None:
    profile = listed_practitioner()
    page = Client().get("/find/?where=GB-ENG").content.decode()
    assert f'href="/practitioners/{profile.slug}/?where=GB-ENG"' in page
    answer = Client().get(f"/practitioners/{profile.slug}/?where=GB-ENG").context["practice"]
    assert answer.allowed


# Facets


def test_language_specialty_and_modality_filters() -> None:
    listed_practitioner(
        legal_name="Amara Okafor",
        languages=["en", "yo"],
        specialties=["trauma"],
        modalities=[Modality.VIDEO],
    )
    listed_practitioner(
        legal_name="Marie-Claire Tremblay",
        languages=["fr", "en"],
        specialties=["older-adults", "trauma"],
        modalities=[Modality.PHONE, Modality.IN_PERSON],
        in_person_place="Toronto",
    )
    assert names("language=yo") == ["Amara Okafor"]
    assert names("language=en") == ["Amara Okafor", "Marie-Claire Tremblay"]
    assert names("specialty=older-adults") == ["Marie-Claire Tremblay"]
    assert names("specialty=trauma&language=fr") == ["Marie-Claire Tremblay"]
    assert names("modality=in_person") == ["Marie-Claire Tremblay"]
    assert names("modality=chat") == []


def test_available_within_n_days_reads_the_next_free_slot() -> None:
    soon = listed_practitioner(legal_name="Amara Okafor")
    later = listed_practitioner(legal_name="Ewan MacLeod")
    stale = listed_practitioner(legal_name="Fiona Lamont")
    listed_practitioner(legal_name="Rosa Delgado")  # no schedule at all
    free_at(soon, NOW + timedelta(days=2))
    free_at(later, NOW + timedelta(days=10))
    free_at(stale, NOW - timedelta(hours=1))  # already past: not free
    with time_machine.travel(NOW, tick=False):
        assert names("available_within=7") == ["Amara Okafor"]
        assert names("available_within=14") == ["Amara Okafor", "Ewan MacLeod"]
        assert names("available_within=1") == []


def test_sort_by_next_free_slot_puts_unknown_last() -> None:
    first = listed_practitioner(legal_name="Zoe Adams")
    second = listed_practitioner(legal_name="Amara Okafor")
    listed_practitioner(legal_name="Bea Brown")
    free_at(first, NOW + timedelta(hours=3))
    free_at(second, NOW + timedelta(days=3))
    with time_machine.travel(NOW, tick=False):
        assert names("sort=next_free") == ["Zoe Adams", "Amara Okafor", "Bea Brown"]
        page = Client().get("/find/?sort=next_free").content.decode()
    assert 'datetime="2026-03-02T12:00:00+00:00"' in page


def test_fee_range_in_a_currency_includes_funded_practice() -> None:
    listed_practitioner(legal_name="Amara Okafor", fee=Decimal("40"), fee_currency="GBP")
    listed_practitioner(legal_name="Ewan MacLeod", fee=Decimal("80"), fee_currency="GBP")
    listed_practitioner(legal_name="Fiona Lamont", funded=True, fee=None, fee_currency="")
    listed_practitioner(legal_name="Siobhán Ní Bhriain", fee=Decimal("50"), fee_currency="EUR")
    assert names("fee_max=60&currency=GBP") == ["Amara Okafor", "Fiona Lamont"]
    assert names("fee_min=50&currency=GBP") == ["Ewan MacLeod"]
    assert names("fee_min=30&fee_max=90&currency=EUR") == ["Siobhán Ní Bhriain"]
    assert names("fee_max=0&currency=EUR") == ["Fiona Lamont"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("fee_min=-5&currency=GBP", "A fee cannot be negative."),
        ("fee_max=50", "Choose the currency of the fee range."),
        ("fee_max=50&currency=XYZ", "XYZ is not a currency we know (ISO 4217)."),
        ("fee_min=90&fee_max=10&currency=GBP", "The highest fee is below the lowest."),
        ("fee_max=lots&currency=GBP", "Enter a number."),
        ("language=klingon", "klingon is not one of the choices."),
        ("specialty=astrology", "astrology is not one of the choices."),
        ("modality=telepathy", "telepathy is not one of the choices."),
        ("available_within=0", "greater than or equal to 1"),
        ("available_within=1000", "less than or equal to 90"),
        ("where=XX-NOWHERE", "We do not know “XX-NOWHERE” as a country or region."),
        ("sort=random", "Select a valid choice."),
    ],
)
def test_bad_filters_get_a_clear_message(query: str, message: str) -> None:
    listed_practitioner()
    response = Client().get(f"/find/?{query}")
    assert response.status_code == 200
    assert response.context["page"] is None
    page = response.content.decode()
    assert "Please check the search" in page
    assert message in page.replace("&#x27;", "'")
    api = Client().get(f"/api/v1/practitioners?{query}")
    assert api.status_code == 400
    assert message in api.json()["error"]["message"]


# Pages


def test_results_come_in_pages_that_keep_the_filters() -> None:
    for number in range(23):
        listed_practitioner(legal_name=f"Person {number:02d}", languages=["en"])
    response = Client().get("/find/?language=en")
    assert len(response.context["cards"]) == 20
    page = response.content.decode()
    assert "Page 1 of 2" in page
    assert 'href="?language=en&amp;page=2"' in page
    second = Client().get("/find/?language=en&page=2")
    assert [s.display_name for s in second.context["cards"]] == [
        "Person 20",
        "Person 21",
        "Person 22",
    ]
    assert Client().get("/find/?page=abc").context["page"].number == 1
    assert Client().get("/find/?page=99").context["page"].number == 2
    api = Client().get("/api/v1/practitioners?language=en").json()
    assert (api["count"], api["page"], api["pages"]) == (23, 1, 2)
    # The next page is named by a cursor, signed for this search, that keeps its filters.
    assert api["next"].startswith("http://testserver/api/v1/practitioners?language=en&cursor=")
    assert api["previous"] is None
    following = Client().get(api["next"].removeprefix("http://testserver")).json()
    assert following["page"] == 2
    assert len(following["results"]) == 3


def test_broad_searches_are_counted_up_to_a_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("casework.directory.paging.RESULTS_CAP", 3)
    listed_practitioner(legal_name="Amara Okafor")
    for number in range(4):
        listed_practitioner(legal_name=f"Person {number}")
    response = Client().get("/find/")
    assert "More than 3 social workers" in response.content.decode()
    assert len(response.context["cards"]) == 3
    api = Client().get("/api/v1/practitioners").json()
    assert (api["count"], api["more"], len(api["results"])) == (3, True, 3)
    narrow = Client().get("/api/v1/practitioners?q=okafor").json()
    assert (narrow["count"], narrow["more"]) == (1, False)


def test_the_number_of_queries_does_not_grow_with_the_page(
    django_assert_num_queries: Callable[[int], Any],
) -> None:
    def search() -> None:
        response = Client().get(
            "/find/?q=okafor&where=GB-ENG&language=en&specialty=mental-health"
            "&modality=video&available_within=90&fee_max=100&currency=GBP&sort=next_free"
        )
        assert response.status_code == 200

    profile = listed_practitioner(legal_name="Amara Okafor")
    free_at(profile, datetime.now(UTC) + timedelta(days=1))
    # Warms the cached select of places, and what the place asks of practitioners and who
    # covers it (its regulators, operational agreements, their members and the regulators of
    # those members: kept for a minute, ``queries.place_rules``).
    search()
    kept_page = 1  # the public pages' version: the page is kept whole (shell/page_cache.py)
    kept_cards = (
        1  # the public pages' version, then the page is rendered:
        + 1  # the place chosen, for the form
        + 1  # count of results (the full-text matches)
        + finds_likely_names("default")  # with the names only like the words
        + 1  # the page's ids, ranked and sorted by the words and the slot
        + 1  # the page's profiles, with practitioner and next free slot
        + 1  # the cards' version
    )
    cards_to_render = (
        kept_cards
        + 3  # languages, specialties and modalities of the profiles whose cards are not kept
        + 1  # their verified registrations with regulators and entries
    )
    with django_assert_num_queries(kept_page):
        search()
    renew_public_pages()
    with django_assert_num_queries(kept_cards):
        search()
    refresh_cards()  # renews the kept pages too
    with django_assert_num_queries(cards_to_render):
        search()
    for number in range(20):
        profile = listed_practitioner(legal_name=f"Amara Okafor {number}")
        free_at(profile, datetime.now(UTC) + timedelta(days=1))
    with django_assert_num_queries(cards_to_render):
        search()
    renew_public_pages()
    with django_assert_num_queries(kept_cards):
        search()
    with django_assert_num_queries(kept_page):
        search()


def test_the_page_without_filters_costs_one_query_kept_and_four_once_its_cards_are_kept(
    django_assert_num_queries: Callable[[int], Any],
) -> None:
    for number in range(5):
        listed_practitioner(legal_name=f"Person {number}")
    Client().get("/find/")  # warms the cached select of places
    refresh_cards()
    # pages' version; count; page; cards' version; languages; specialties; modalities;
    # verified registrations.
    with django_assert_num_queries(8):
        Client().get("/find/")
    # The page is kept for visitors: the pages' version.
    with django_assert_num_queries(1):
        Client().get("/find/")
    renew_public_pages()
    # pages' version; count; page; cards' version: the cards are kept.
    with django_assert_num_queries(4):
        Client().get("/find/")


# The page itself


def test_the_search_is_a_plain_get_form_that_works_without_javascript() -> None:
    listed_practitioner()
    page = Client().get("/find/").content.decode()
    assert '<form method="get" action="/find/"' in page
    assert 'role="search"' in page
    assert "Amara Okafor" in page


def test_a_shared_address_shows_the_same_search_filled_in() -> None:
    listed_practitioner()
    page = (
        Client()
        .get(
            "/find/?q=okafor&where=GB-ENG&language=en&specialty=mental-health"
            "&modality=video&available_within=7&fee_max=70&currency=GBP&sort=next_free"
        )
        .content.decode()
    )
    assert 'value="okafor"' in page
    assert '<option value="GB-ENG" selected>' in page
    assert '<option value="mental-health" selected>' in page
    assert '<option value="video" selected>' in page
    assert '<option value="7" selected>' in page
    assert '<option value="GBP" selected>' in page
    assert '<option value="next_free" selected>' in page
    assert 'value="70"' in page


def test_htmx_gets_only_the_results() -> None:
    listed_practitioner()
    response = Client().get("/find/?q=okafor", headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="search-results"')
    assert "<html" not in page
    assert "HX-Request" in response["Vary"]


def test_the_count_is_announced_in_a_live_region_the_results_do_not_replace() -> None:
    listed_practitioner()
    page = Client().get("/find/?q=okafor").content.decode()
    status = page.index('<p id="results-status"')
    assert 'role="status" aria-live="polite"' in page[status : page.index("</p>", status)]
    assert status < page.index('<section id="search-results"')
    assert page.count('id="results-status"') == 1  # the page itself fills nothing out of band

    answer = Client().get("/find/?q=okafor", headers={"HX-Request": "true"}).content.decode()
    results_end = answer.index("</section>")
    out_of_band = answer[results_end:]
    assert '<p id="results-status" hx-swap-oob="innerHTML">1 social worker</p>' in out_of_band
    assert "aria-live" not in answer[:results_end]  # nothing live inside what is swapped


def test_a_visitors_search_leaves_nothing_behind() -> None:
    listed_practitioner()
    sessions, events = Session.objects.count(), AuditEvent.objects.count()
    client = Client()
    response = client.get("/find/?q=okafor&where=GB-ENG&language=en")
    api = client.get("/api/v1/practitioners?q=okafor&where=GB-ENG")
    assert response.status_code == api.status_code == 200
    # No session, so nothing to keep a search in (the CSRF cookie is a random token).
    assert "sessionid" not in response.cookies
    assert not api.cookies
    assert Session.objects.count() == sessions
    assert AuditEvent.objects.count() == events


def test_a_signed_in_persons_search_is_not_kept_with_them(client_person: User) -> None:
    listed_practitioner()
    client = Client()
    client.force_login(client_person)
    before = dict(client.session.items())
    events = AuditEvent.objects.count()
    client.get("/find/?q=okafor&where=GB-ENG")
    assert dict(client.session.items()) == before
    assert AuditEvent.objects.count() == events


def test_search_documents_are_rebuilt_on_demand() -> None:
    profile = listed_practitioner(specialties=["grief"])
    PractitionerProfile.objects.filter(pk=profile.pk).update(search_document="")
    assert names("q=grief") == []
    call_command("refresh_directory_search", stdout=io.StringIO())
    assert names("q=grief") == ["Amara Okafor"]
    assert refresh_search_documents() == 0


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="trigram name matching is PostgreSQL's (pg_trgm)"
)
def test_a_misspelt_name_still_finds_its_person_on_postgresql() -> None:
    listed_practitioner(legal_name="Amara Okafor", bio_source="Adults and families.")
    listed_practitioner(legal_name="Ewan MacLeod", bio_source="Adults and families.")
    assert names("q=okafr") == ["Amara Okafor"]
    assert names("q=families") == ["Amara Okafor", "Ewan MacLeod"]


def test_past_the_cap_the_soonest_free_full_text_matches_are_ranked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A common word matches more than anyone pages through: the cap's soonest free of its
    full-text matches are shown, best match first, and a name only like the words (found by
    its trigrams on PostgreSQL) is not one of them."""
    monkeypatch.setattr("casework.directory.paging.RESULTS_CAP", 2)
    soon = datetime.now(UTC) + timedelta(hours=2)
    often = listed_practitioner(
        legal_name="Often Named", bio_source="Okafr work, okafr care, okafr help."
    )
    free_at(often, soon + timedelta(days=3))  # the best match, but the latest free
    twice = listed_practitioner(legal_name="Twice Named", bio_source="Okafr work, okafr care.")
    free_at(twice, soon + timedelta(days=1))
    soonest = listed_practitioner(
        legal_name="Soonest Named", bio_source="Care and okafr work with adults and families."
    )
    free_at(soonest, soon)  # the soonest free, and the worst match
    likely = listed_practitioner(legal_name="Amara Okafor", bio_source="Adults and families.")
    free_at(likely, soon - timedelta(hours=1))
    assert names("q=okafr") == ["Twice Named", "Soonest Named"]
    page = Client().get("/find/?q=okafr").content.decode()
    assert "More than 2 social workers" in page
    assert "We show the 2 with the soonest free slots" in page
    assert names("q=okafr&sort=next_free") == ["Soonest Named", "Twice Named"]
    api = Client().get("/api/v1/practitioners?q=okafr").json()
    assert (api["count"], api["more"], api["pages"]) == (2, True, 1)
    # Within the cap, every match is ranked, the best first; the likely name after them.
    monkeypatch.setattr("casework.directory.paging.RESULTS_CAP", 4)
    renew_public_pages()
    assert names("q=okafr") == [
        "Often Named",
        "Twice Named",
        "Soonest Named",
        *(["Amara Okafor"] if finds_likely_names("default") else []),
    ]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="trigram name matching is PostgreSQL's (pg_trgm)"
)
def test_names_only_like_the_words_fill_the_cap_after_fewer_full_text_matches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("casework.directory.paging.RESULTS_CAP", 2)
    soon = datetime.now(UTC) + timedelta(hours=2)
    free_at(listed_practitioner(legal_name="Bio Named", bio_source="Okafr work."), soon)
    later = listed_practitioner(legal_name="Amara Okafor", bio_source="Adults and families.")
    free_at(later, soon + timedelta(days=1))
    sooner = listed_practitioner(legal_name="Ngozi Okafor", bio_source="Adults and families.")
    free_at(sooner, soon)
    assert names("q=okafr") == ["Bio Named", "Ngozi Okafor"]
    assert "More than 2 social workers" in Client().get("/find/?q=okafr").content.decode()


def test_the_former_list_address_leads_to_the_search_with_its_filters() -> None:
    response = Client().get("/practitioners/?where=GB-ENG&language=en")
    assert response.status_code == 301
    assert response["Location"] == "/find/?where=GB-ENG&language=en"
