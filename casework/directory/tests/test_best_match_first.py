"""A search with words sorts its matches' ids alone and reads the page's rows afterwards
(``paging.BestMatchFirst``): every page, however it is read, is the order worked out afresh
from each match's rank, the schedules, the names and the ids."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client

from casework.directory import search
from casework.directory.models import Modality, PractitionerProfile
from casework.directory.paging import BestMatchFirst, CappedPaginator
from casework.directory.queries import SearchCriteria, Sort, find_practitioners, listed_profiles
from casework.scheduling.models import PractitionerSchedule
from casework.testing.directory import listed_practitioner

pytestmark = pytest.mark.usefixtures("reference")

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WORDS = "trauma"


def _worked_out_afresh(
    text: str, *, sort: Sort, modality: str | None, cap: int | None = None
) -> list[int]:
    """The order of a search with words, from the listing worked out afresh (not the stored
    flag), each match's rank read on its own, and the schedules: best match first, then
    soonest free slot (one already past reads as none), name and id; or soonest free first,
    then best match, name and id. Past ``cap`` matches, only the ``cap`` soonest free (then
    by name and id) are in it."""
    matches = search.matching(listed_profiles(), text)
    if modality is not None:
        matches = matches.filter(modality_rows__modality=modality)
    slots = dict(PractitionerSchedule.objects.values_list("practitioner_id", "next_free_at"))
    keyed = []
    soonest_of: dict[int, tuple[Any, ...]] = {}  # soonest free, then by name and id
    # ``text_rank`` is annotated by ``search.matching``, which the plugin does not follow.
    ranked = matches.values_list(  # type: ignore[misc]
        "pk", "practitioner_id", "display_name", "text_rank"
    )
    for pk, practitioner, name, rank in ranked:
        slot = slots.get(practitioner)
        slot = slot if slot is not None and slot > NOW else None
        soonest = (slot is None, slot or NOW)
        best = -rank
        soonest_of[pk] = (*soonest, name, pk)
        keyed.append(
            (*soonest, best, name, pk) if sort == Sort.NEXT_FREE else (best, *soonest, name, pk)
        )
    if cap is not None and len(keyed) > cap:
        keyed = sorted(keyed, key=lambda key: soonest_of[key[-1]])[:cap]
    return [key[-1] for key in sorted(keyed)]


def _practitioners() -> list[PractitionerProfile]:
    """Matches with ranks apart and ranks tied (the same words in documents of the same length),
    slots apart, tied and past, names tied; and profiles that must not be found."""
    once = "I work with adults after trauma."
    twice = "Trauma work: trauma and its aftermath."
    people: list[tuple[str, str, Any, list[str]]] = [
        ("Person A", once, NOW + timedelta(hours=3), ["video"]),
        ("Person B", once, NOW + timedelta(hours=3), ["video", "phone"]),  # tie: by name
        ("Person C", once, NOW + timedelta(days=2), ["video"]),
        ("Person D", twice, NOW + timedelta(days=1), ["video", "phone"]),
        ("Person E", twice, None, ["video"]),
        ("Person F", once, NOW - timedelta(hours=1), ["phone"]),  # already past: as if none
        ("Person F", once, "no schedule", ["video", "phone"]),  # same name: by id
        ("Person G", twice, NOW + timedelta(days=1), ["video"]),
        ("Person H", "I help with housing.", NOW + timedelta(hours=1), ["video"]),  # no match
    ]
    profiles = []
    for name, bio, slot, ways in people:
        profile = listed_practitioner(
            legal_name=name, bio_source=bio, modalities=[Modality(way) for way in ways]
        )
        if slot != "no schedule":
            PractitionerSchedule.objects.update_or_create(
                practitioner=profile.practitioner, defaults={"next_free_at": slot}
            )
        profiles.append(profile)
    hidden = listed_practitioner(legal_name="Person I", bio_source=twice)
    PractitionerProfile.objects.filter(pk=hidden.pk).update(published=False)  # not listed
    return profiles


@pytest.mark.parametrize("read", ["page by page", "counted to a cap"])
@pytest.mark.parametrize("modality", [None, "phone"])
@pytest.mark.parametrize("sort", [Sort.RELEVANCE, Sort.NEXT_FREE])
def test_every_page_of_a_search_with_words_is_the_order_worked_out_afresh(
    read: str, modality: str | None, sort: Sort
) -> None:
    _practitioners()
    expected = _worked_out_afresh(WORDS, sort=sort, modality=modality)
    assert len(expected) == (8 if modality is None else 4)
    criteria = SearchCriteria(text=WORDS, modality=modality or "", sort=sort)
    for details in (True, False):
        result = find_practitioners(criteria, now=NOW, details=details)
        assert isinstance(result.profiles, BestMatchFirst)
        assert [profile.pk for profile in result.profiles] == expected
        for per_page in (1, 2, 3, 5):
            # Counted to a cap of 3, the last pages are not offered, and the pages offered
            # rank the 3 soonest free matches.
            cap = 3 if read == "counted to a cap" else None
            shown = expected
            if cap is not None:
                shown = _worked_out_afresh(WORDS, sort=sort, modality=modality, cap=cap)
            paginator = CappedPaginator(result.profiles, per_page, cap=cap)
            read_in_pages = []
            for number in paginator.page_range:
                page = paginator.page(number)
                rows = list(page)
                assert all(row.practitioner_id == row.practitioner.pk for row in rows)
                read_in_pages += [row.pk for row in rows]
            assert read_in_pages == shown
            assert len(read_in_pages) == min(len(expected), paginator.cap)
            assert paginator.more == (len(expected) > paginator.cap)
        # Deep and odd slices: past the end, empty, and one spanning the end.
        assert result.profiles[len(expected) : len(expected) + 5] == []
        assert result.profiles[3:3] == []
        assert [row.pk for row in result.profiles[6:20]] == expected[6:20]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("sort", ["", "next_free"])
def test_the_api_and_the_page_follow_the_order_by_cursor_and_by_number(
    sort: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    profiles = {profile.pk: profile.slug for profile in _practitioners()}
    expected = [
        profiles[pk]
        for pk in _worked_out_afresh(
            WORDS, sort=Sort.NEXT_FREE if sort else Sort.RELEVANCE, modality=None
        )
    ]
    monkeypatch.setattr("casework.directory.api.PAGE_SIZE", 3)
    query: dict[str, str] = {"q": WORDS, **({"sort": sort} if sort else {})}
    with_cursor: list[str] = []
    answer = Client().get("/api/v1/practitioners", query).json()
    while True:
        with_cursor += [found["slug"] for found in answer["results"]]
        assert answer["count"] == len(expected)
        if answer["next_cursor"] is None:
            break
        answer = (
            Client().get("/api/v1/practitioners", {**query, "cursor": answer["next_cursor"]}).json()
        )
    assert with_cursor == expected
    by_number = [
        found["slug"]
        for number in (1, 2, 3)
        for found in Client()
        .get("/api/v1/practitioners", {**query, "page": str(number)})
        .json()["results"]
    ]
    assert by_number == expected
    # A page past the last is the last, as before.
    last = Client().get("/api/v1/practitioners", {**query, "page": "99"}).json()
    assert [found["slug"] for found in last["results"]] == expected[6:]
    monkeypatch.setattr("casework.directory.views.PAGE_SIZE", 3)
    pk_of = {slug: pk for pk, slug in profiles.items()}
    on_pages = []
    for number in (1, 2, 3):
        response = Client().get("/find/", {**query, "page": str(number)})
        on_pages += [card.profile_id for card in response.context["cards"]]
    assert on_pages == [pk_of[slug] for slug in expected]


def test_a_profile_unlisted_between_the_ids_and_the_rows_is_left_out_of_the_page() -> None:
    _practitioners()
    expected = _worked_out_afresh(WORDS, sort=Sort.RELEVANCE, modality=None)
    result = find_practitioners(SearchCriteria(text=WORDS), now=NOW)
    unlisted = expected[1]
    done: list[bool] = []

    def unlist_after_the_ids(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        answer = execute(sql, params, many, context)
        if not done and ("bm25" in sql or "ts_rank" in sql):
            done.append(True)
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE directory_practitionerprofile SET published = %s WHERE id = %s",
                    [False, unlisted],
                )
        return answer

    with connection.execute_wrapper(unlist_after_the_ids):
        page = result.profiles[0:5]
    assert done
    assert [row.pk for row in page] == [pk for pk in expected[:5] if pk != unlisted]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the index of sort keys is SQLite's")
@pytest.mark.parametrize(
    "criteria",
    [
        SearchCriteria(text=WORDS),
        SearchCriteria(text=WORDS, modality="phone", fee_max=Decimal(100), currency="GBP"),
        SearchCriteria(text=WORDS, sort=Sort.NEXT_FREE, available_within_days=7),
    ],
)
def test_on_sqlite_the_ids_are_sorted_from_the_index_of_sort_keys(
    criteria: SearchCriteria,
) -> None:
    _practitioners()
    statements: list[tuple[str, Any]] = []

    def capture(execute: Callable[..., Any], sql: str, params: Any, *args: Any) -> Any:
        statements.append((sql, params))
        return execute(sql, params, *args)

    result = find_practitioners(criteria, now=NOW)
    with connection.execute_wrapper(capture):
        list(result.profiles[0:5])
    ranked = [(sql, params) for sql, params in statements if "bm25" in sql]
    assert len(ranked) == 1
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + ranked[0][0], ranked[0][1])
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    # Every column the statement reads of the profile is in the index: no row is read.
    assert f"COVERING INDEX {search.SQLITE_SORT_KEYS_INDEX} (id=?)" in plan


def test_sorted_ids_of_a_search_nothing_can_pass_are_none_without_a_query(
    django_assert_num_queries: Callable[[int], Any],
) -> None:
    _practitioners()
    everyone = search.matching(PractitionerProfile.objects.all(), WORDS).order_by("pk")
    assert search.sorted_ids(everyone, 1, 3) == list(everyone.values_list("pk", flat=True)[1:3])
    with django_assert_num_queries(0):
        assert search.sorted_ids(everyone.filter(pk__in=[]), 0, 20) == []
