"""Pages of search results, counted up to a cap.

Counting every match of a broad search ("everyone, anywhere") costs as much as the search
itself; counting up to a cap lets the database stop early. Nobody pages past the cap: the
page asks them to narrow the search instead.
"""

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet

# Django's, not functools': on Python 3.11 functools.cached_property holds one lock for every
# instance, so concurrent searches counted one after the other (a slow count held up all).
from django.utils.functional import cached_property

RESULTS_CAP = 1000


class CappedPaginator(Paginator):  # type: ignore[type-arg]
    def __init__(self, object_list: QuerySet[Any], per_page: int, cap: int | None = None) -> None:
        super().__init__(object_list, per_page)
        self.cap = RESULTS_CAP if cap is None else cap

    @cached_property
    def _counted(self) -> int:
        queryset: QuerySet[Any] = self.object_list  # type: ignore[assignment]
        # The order does not change the count: without it the database need not sort.
        return queryset.order_by()[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @cached_property
    def more(self) -> bool:
        """Whether more than ``count`` match (the count stopped at the cap)."""
        return self._counted > self.cap
