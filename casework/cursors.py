"""The API's cursors for lists that grow: opaque tokens, signed with the list they belong to, so
that a cursor cannot be forged or carried to another search, another list or another person's.

A search (the directory) pages by page number. A list that grows at its top while someone
pages through it (complaints, reports) pages by its last row instead, ``after_row``: a row
added meanwhile neither repeats one already read nor hides one.
"""

from collections.abc import Sequence
from typing import Any, TypeVar

from django.core import signing
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema, Status

from casework.problems import problem

# A cursor is short; anything longer is not one of ours, and is not worth unsigning.
LONGEST_CURSOR = 500


def _search_of(params: dict[str, Any]) -> str:
    return "&".join(f"{k}={params[k]}" for k in sorted(params))


def cursor_for(params: dict[str, Any], number: int, *, salt: str) -> str:
    """The cursor of page ``number`` of the search ``params``."""
    return signing.dumps({"p": number, "s": _search_of(params)}, salt=salt, compress=True)


def page_of_cursor(params: dict[str, Any], cursor: str, *, salt: str) -> int | None:
    """The page number a cursor of this search holds; None for one that is not."""
    try:
        data = signing.loads(cursor[:LONGEST_CURSOR], salt=salt)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("s") != _search_of(params):
        return None
    number = data.get("p")
    return number if isinstance(number, int) and number >= 1 else None


def page_link(request: HttpRequest, params: dict[str, Any], number: int, *, salt: str) -> str:
    """This address again, at page ``number`` (by its cursor)."""
    query = request.GET.copy()
    query.pop("page", None)
    query["cursor"] = cursor_for(params, number, salt=salt)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


M = TypeVar("M", bound=Model)
ROW_SALT = "casework.cursors.after_row"


def after_row(
    rows: QuerySet[M],
    *,
    belongs_to: str,
    order: Sequence[str],
    cursor: str | None,
    limit: int,
) -> tuple[list[M], str | None] | None:
    """Up to ``limit`` of ``rows`` in ``order`` (field names, ``-`` for descending, the last
    one unique), after the row the cursor names, with the next page's cursor (None at the
    end). None when the cursor is not one of the list ``belongs_to`` names."""
    names = [name.lstrip("-") for name in order]
    rows = rows.order_by(*order)
    if cursor is not None:
        try:
            data = signing.loads(cursor[:LONGEST_CURSOR], salt=ROW_SALT)
        except signing.BadSignature:
            return None
        if not isinstance(data, dict) or data.get("s") != belongs_to:
            return None
        position = data.get("p")
        if not isinstance(position, list) or len(position) != len(names):
            return None
        rows = rows.filter(_beyond(order, position))
    found = list(rows[: limit + 1])
    if len(found) <= limit:
        return found, None
    page = found[:limit]
    last = [_text(getattr(page[-1], name)) for name in names]
    return page, signing.dumps({"p": last, "s": belongs_to}, salt=ROW_SALT, compress=True)


def _text(value: object) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _beyond(order: Sequence[str], position: Sequence[object]) -> Q:
    """Rows past ``position`` in ``order``: past it on the first field, or equal there and past
    it on the rest (each field reads its stored text back: a time, a UUID, a number)."""
    condition = Q()
    for index in reversed(range(len(order))):
        name = order[index].lstrip("-")
        lookup = f"{name}__lt" if order[index].startswith("-") else f"{name}__gt"
        past = Q(**{lookup: position[index]})
        if index == len(order) - 1:
            condition = past
        else:
            condition = past | (Q(**{name: position[index]}) & condition)
    return condition


class PageQuery(Schema):
    """The query of an operation that answers a list by cursor pages."""

    cursor: str | None = Field(
        None, max_length=LONGEST_CURSOR, description="`next_cursor` of the previous page"
    )


def refused() -> Status[object]:
    """The API's answer to a cursor that is not one of the list's pages (forged, expired, or
    of another list or filter)."""
    message = _("This cursor does not belong to this list: start again without it.")
    return problem(400, message, fields={"query.cursor": [message]})
