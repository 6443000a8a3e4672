"""Pages of search results, counted up to a cap.

Counting every match of a broad search ("everyone, anywhere") costs as much as the search
itself; counting up to a cap lets the database stop early. Nobody pages past the cap: the
page asks them to narrow the search instead.

A search without words is ordered soonest free slot first (``SoonestFirst``): read as two
index ranges in order, stopped at the page, instead of sorting every match. A search with
words sorts its matches by their rank, but only their ids (``BestMatchFirst``). Where more match
than the cap, it ranks the cap's soonest free of them: ranking every match of a common word
(a quarter of a million of a million profiles) took seconds, for pages nobody reads past the
cap.
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet

# Django's, not functools': on Python 3.11 functools.cached_property holds one lock for every
# instance, so concurrent searches counted one after the other (a slow count held up all).
from django.utils.functional import cached_property

from casework.directory import search
from casework.directory.models import PractitionerProfile

RESULTS_CAP = 1000

# Deeper than this, a page of a broad search is read by sorting its matches: reading the
# soonest-first index in order up to it could walk most of the listed profiles.
ORDERED_READ_DEPTH = 200
# Read in order when at least one profile in this many is a match (see ``_reads_in_order``).
DENSE_ENOUGH = 20


@dataclass
class SoonestFirst:
    """The matches of a search in the order "next free slot first, soonest first, then by name",
    where a slot already past reads as none, without sorting them all.

    ``free`` are the matches whose stored slot (``free_slot_at``) is after ``now``, ordered by
    slot, name and id: the ``directory_listed_soonest`` index, read from ``now`` on and
    stopped at the page. ``rest`` are the others (no slot, or one already past), ordered by
    name and id: the ``directory_listed_by_name`` index. One before the other is exactly the
    order of ``queries.find_practitioners``'s soonest-first sort. The filters of both are
    checks of each profile read in order; ``counting`` has them as the search starts from its
    smallest filter, for the count, and so have ``sorted_free`` and ``sorted_rest``, for a page
    where reading in order would not pay (few matches, or deep in a broad search)."""

    free: QuerySet[PractitionerProfile]
    rest: QuerySet[PractitionerProfile] | None  # None when the search asks for a free slot
    counting: QuerySet[PractitionerProfile]
    sorted_free: QuerySet[PractitionerProfile]
    sorted_rest: QuerySet[PractitionerProfile] | None
    now: datetime
    # Fetches what the cards or the API show, for the rows of a page (one query per kind).
    details: Callable[[Sequence[PractitionerProfile]], None] = field(default=lambda rows: None)
    # (matches, with a slot to come), once the count has found them all.
    _counts: tuple[int, int] | None = field(default=None, init=False)

    def counted(self, cap: int) -> int:
        """Matches up to ``cap`` + 1, and, when they are all counted, how many have a slot
        to come: one query, which tells a page where the free ones end."""
        counts = self.counting.order_by()[: cap + 1].aggregate(
            total=Count("pk"), free=Count("pk", filter=Q(free_slot_at__gt=self.now))
        )
        total, free = int(counts["total"]), int(counts["free"])
        self._counts = (total, free) if total <= cap else None
        return total

    def __getitem__(self, page: slice) -> list[PractitionerProfile]:
        start, stop = page.start or 0, page.stop
        if stop is None or page.step is not None:
            raise TypeError("SoonestFirst gives pages: slices with an end and no step")
        rows = self._rows(start, stop)
        self.details(rows)
        return rows

    def __iter__(self) -> Iterator[PractitionerProfile]:
        """Every match, in order (for tests and small lists: a page reads a slice)."""
        rows = list(self.sorted_free)
        if self.sorted_rest is not None:
            rows += list(self.sorted_rest)
        self.details(rows)
        return iter(rows)

    def _reads_in_order(self, stop: int) -> bool:
        """Whether reading the indexes in order reaches ``stop`` matches soon (it stops there,
        where a sort reads and sorts every match). It does when matches are many: all counted,
        at least ``DENSE_ENOUGH`` times the page's end, so that it passes at most about a
        twentieth of the listed profiles; more than the cap, for pages ending within
        ``ORDERED_READ_DEPTH`` (at 100,000 listed and a thousand matches, about 18,000 rows at
        worst). A few matches, counted from the smallest filter, are sorted in no time, where
        reading in order could walk every listed profile to find them."""
        if self._counts is None:
            return stop <= ORDERED_READ_DEPTH
        return self._counts[0] >= DENSE_ENOUGH * stop

    def _rows(self, start: int, stop: int) -> list[PractitionerProfile]:
        ordered = self._reads_in_order(stop)
        free, rest = (self.free, self.rest) if ordered else (self.sorted_free, self.sorted_rest)
        if self._counts is not None:
            # All counted: read only the parts the page shows.
            free_count = self._counts[1]
            rows = list(free[start:stop]) if start < free_count else []
        else:
            rows = list(free[start:stop])
            if len(rows) == stop - start:
                return rows
            free_count = start + len(rows) if rows or not start else free.count()
        if rest is None or stop <= free_count:
            return rows
        return rows + list(rest[max(start - free_count, 0) : stop - free_count])


@dataclass(frozen=True)
class BestMatchFirst:
    """The matches of a search with words, in the order of ``ranked`` (best match first, or
    soonest free first then best match), without sorting whole rows: the database ranks and
    sorts the matches by their id and sort keys alone, then the page's own rows are read by id
    from ``rows`` and put in that order.

    Counted past the cap, the matches shown are those of ``past_the_cap``: the cap's soonest
    free of the full-text matches (``soonest_free``, then ``soonest_rest``: the order of a
    search without words), ranked in the order of ``full_text``. The database reads the free
    slots' index in order, checking each profile, then ranks a thousand, where ranking every
    match of a common word read and ranked each one's document. Who is shown depends on nothing
    but the matches, the schedules, the names and the ids, so the pages of one search agree. A
    name found only by its likeness to the words (``search.matching``'s ``likely_names``) ranks
    after every full-text match, so past the cap it would never be shown and is not looked for.

    ``rows`` are the listed profiles, so a profile no longer listed by the time its row is
    read is left out of the page rather than shown."""

    ranked: QuerySet[PractitionerProfile]
    rows: QuerySet[PractitionerProfile]
    full_text: QuerySet[PractitionerProfile] | None = None
    soonest_free: QuerySet[PractitionerProfile] | None = None
    soonest_rest: QuerySet[PractitionerProfile] | None = None  # None when a slot is asked for

    def counted(self, cap: int) -> int:
        """Matches up to ``cap`` + 1. Neither the order nor the rank changes the count, so the
        database neither sorts nor ranks for it. The full-text matches are counted first: when
        they pass the cap, those found only by their name's likeness need not be looked for."""
        if self.full_text is None:
            return _capped_count(self.ranked, cap)
        found = _capped_count(self.full_text, cap)
        if found > cap or not search.finds_likely_names(self.ranked.db):
            return found
        return _capped_count(self.ranked, cap)

    def past_the_cap(self, cap: int) -> "BestMatchFirst":
        """The matches shown when more than ``cap`` match: the ``cap`` soonest free of the
        full-text matches, in this search's order. Where the full-text matches are fewer (names
        only like the words made up the rest), every match is ranked: the full-text ones come
        first, as many as there are, and then the names, up to the cap."""
        if self.full_text is None or self.soonest_free is None:
            return self
        shown = list(self.soonest_free.values_list("pk", flat=True)[:cap])
        if len(shown) < cap and self.soonest_rest is not None:
            shown += list(self.soonest_rest.values_list("pk", flat=True)[: cap - len(shown)])
        if len(shown) < cap:
            return self
        return BestMatchFirst(ranked=self.full_text.filter(pk__in=shown), rows=self.rows)

    def __getitem__(self, page: slice) -> list[PractitionerProfile]:
        start, stop = page.start or 0, page.stop
        if stop is None or page.step is not None:
            raise TypeError("BestMatchFirst gives pages: slices with an end and no step")
        if stop <= start:
            return []
        return self._read(search.sorted_ids(self.ranked, start, stop))

    def __iter__(self) -> Iterator[PractitionerProfile]:
        """Every match, in order (for tests and small lists: a page reads a slice)."""
        return iter(self._read(search.sorted_ids(self.ranked, 0, None)))

    def _read(self, ids: list[int]) -> list[PractitionerProfile]:
        if not ids:
            return []
        found = {row.pk: row for row in self.rows.filter(pk__in=ids).order_by()}
        return [found[pk] for pk in ids if pk in found]


def _capped_count(matches: QuerySet[Any], cap: int) -> int:
    """Rows up to ``cap`` + 1. The order does not change the count: without it the database
    need not sort; nor do the annotations (a text match's rank, worked out for each row)."""
    return matches.order_by().values("pk")[: cap + 1].count()


class CappedPaginator(Paginator):  # type: ignore[type-arg]
    def __init__(
        self,
        object_list: QuerySet[Any] | SoonestFirst | BestMatchFirst,
        per_page: int,
        cap: int | None = None,
    ) -> None:
        # These have no length: only their count (below) and slices of them are read.
        super().__init__(object_list, per_page)  # type: ignore[arg-type]
        self.cap = RESULTS_CAP if cap is None else cap

    @cached_property
    def _counted(self) -> int:
        if isinstance(self.object_list, SoonestFirst | BestMatchFirst):
            counted = self.object_list.counted(self.cap)
            if isinstance(self.object_list, BestMatchFirst) and counted > self.cap:
                # The pages offered are the matches shown past the cap (read after the count).
                self.object_list = self.object_list.past_the_cap(self.cap)
            return counted
        queryset: QuerySet[Any] = self.object_list  # type: ignore[assignment]
        return _capped_count(queryset, self.cap)

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @cached_property
    def more(self) -> bool:
        """Whether more than ``count`` match (the count stopped at the cap)."""
        return self._counted > self.cap
