"""The API's cursors: opaque, signed, and bound to the list they came from.

A cursor carries a position (a directory page number, or the last row a client holds) signed
with the list it belongs to, so that one taken from another list, another search or another
person's rows is refused rather than read. Lists that grow while someone pages through them
(complaints, reports) page by their last row, ``after_row``: a row filed meanwhile neither
repeats nor hides one already read.
"""

from collections.abc import Sequence
from typing import Any, TypeVar

from django.core import signing
from django.db.models import Model, Q, QuerySet

M = TypeVar("M", bound=Model)

SALT = "casework.api.cursor"
# A cursor longer than this is no cursor of ours: refused before it is unsigned.
LONGEST_CURSOR = 500


def make_cursor(belongs_to: str, position: object, *, salt: str = SALT) -> str:
    """An opaque cursor for ``position`` in the list ``belongs_to`` names."""
    return signing.dumps({"p": position, "s": belongs_to}, salt=salt, compress=True)


def read_cursor(belongs_to: str, cursor: str, *, salt: str = SALT) -> Any | None:
    """The position a cursor of ``make_cursor`` holds; None for a forged one, or one of
    another list."""
    try:
        data = signing.loads(cursor[:LONGEST_CURSOR], salt=salt)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("s") != belongs_to:
        return None
    return data.get("p")


def after_row(
    rows: QuerySet[M],
    *,
    belongs_to: str,
    order: Sequence[str],
    cursor: str | None,
    limit: int,
) -> tuple[list[M], str | None] | None:
    """Up to ``limit`` of ``rows`` in ``order`` (field names, ``-`` for descending, the last
    one unique), after the row the cursor names; with the cursor of the next page, None at the
    end. None when the cursor is not one of this list's."""
    names = [name.lstrip("-") for name in order]
    rows = rows.order_by(*order)
    if cursor is not None:
        position = read_cursor(belongs_to, cursor)
        if not isinstance(position, list) or len(position) != len(names):
            return None
        rows = rows.filter(_beyond(order, position))
    found = list(rows[: limit + 1])
    if len(found) <= limit:
        return found, None
    page = found[:limit]
    last = page[-1]
    return page, make_cursor(belongs_to, [_text(getattr(last, name)) for name in names])


def _text(value: object) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _beyond(order: Sequence[str], position: Sequence[object]) -> Q:
    """Rows after ``position`` in ``order``: the first field past it, or equal and the rest
    past it (each field's own parsing reads the stored text back)."""
    condition = Q()
    for index in reversed(range(len(order))):
        name = order[index].lstrip("-")
        lookup = f"{name}__lt" if order[index].startswith("-") else f"{name}__gt"
        past = Q(**{lookup: position[index]})
        condition = (
            past if index == len(order) - 1 else past | (Q(**{name: position[index]}) & condition)
        )
    return condition
