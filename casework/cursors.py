"""The API's cursors for lists that grow: an opaque token holding a page number, signed with
the search it belongs to, so that a cursor cannot be forged or carried to another search."""

from typing import Any

from django.core import signing
from django.http import HttpRequest

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
