"""``@public_page``: a public page rendered once for every visitor not signed in, then kept.

The directory, a practitioner's profile and the verification pages are what a link in a
social-media post sends the public to, many visitors to one address. A visitor's page is kept
in the cache under everything it depends on:

- the address (path and query string, its parameters in a fixed order), scheme and host (the
  pages print absolute links and QR codes);
- the language and the time zone the page speaks, whether htmx asked for the partial
  (``HX-Request``), and what the view names with ``depends_on`` (the directory's place chosen
  earlier in the visit);
- the public pages' version (``PublicPagesVersion``, in the database): every change that shows
  on these pages counts it up in its own transaction, so the next request after the change is
  committed renders afresh. The domain events marked ``public`` in ``events/catalogue.py`` do
  it when emitted (bookings, standing, a regulator's orders), and the services that change a
  public page without an event call ``renew_public_pages`` (a profile or availability edit, a
  register reading, a display name's review);
- and an upper bound on age, ``PAGE_SECONDS``, for what changes with time alone (a free slot
  passes, a registration's date of expiry does): the cache's expiry, and the time it was kept,
  read against the clock, for a backend that keeps it longer.

Only what is the same for every visitor is kept: a GET or HEAD by someone not signed in, with
no message waiting for them, answered 200 by the view without cookies, without a change to the
session and without ``private`` or ``no-store``. The CSRF token is never kept: the page is
rendered with a placeholder in its place, and each response, kept or not, gets the visitor's
own token (masked anew, so the BREACH padding still holds), which also sets their CSRF cookie
as the page would. Cookies, ``Vary`` and ``Content-Language`` are added per response by the
middleware, as for any page; the headers the view set itself are kept with the page.
``Cache-Control`` to browsers is unchanged: these pages send none.

``kept_answer`` does the same for data that is the same for whoever asks (the verification
API's answer): kept under the same key, computed when missing. ``kept_response`` keeps an API
operation's whole 200 answer as it was sent, for a GET by someone not signed in and without
credentials, so that a repeated ask is answered before the API parses the query, checks it
and checks and serializes the answer: the same bytes, status and headers, for the same query
(its parameters in a fixed order) in the same language under the same version.

Without a cache (an outage) every page is rendered.

Each process also keeps the pages and answers it served last (``NEAR``, a few megabytes, least
recently used first out), under the same keys: a repeated visit then costs the version's read
and no round trip to a shared cache. The key holds the version, so a change shows as soon as it
would through the shared cache.
"""

import hashlib
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import suppress
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypedDict, TypeVar, overload
from urllib.parse import urlencode

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import get_token
from django.template.response import SimpleTemplateResponse
from django.utils import timezone
from django.utils.cache import get_max_age
from django.utils.translation import get_language

from casework.shell.models import PublicPagesVersion
from casework.shell.outages import cache_outages

# What no event announces (a free slot passing, a registration expiring, a name changed in the
# reference data) shows within this many seconds.
PAGE_SECONDS = 60
# Rendered where the CSRF token goes; letters and underscores only, so that HTML and JSON
# escaping leave it as it is.
TOKEN_PLACEHOLDER = "__casework_page_cache_csrf_token__"  # noqa: S105  (not a secret: replaced by one)
_TOKEN_BYTES = TOKEN_PLACEHOLDER.encode()

P = ParamSpec("P")
T = TypeVar("T")
View = Callable[Concatenate[HttpRequest, P], HttpResponse]


class KeptPage(TypedDict):
    kept_at: float  # the clock's timestamp
    status: int
    headers: list[tuple[str, str]]
    content: bytes


class NearCopies:
    """The pages and answers this process kept last, by key, up to ``max_bytes`` of content."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: str, value: Any, size: int) -> None:
        if size > self.max_bytes:
            return
        with self._lock:
            previous = self._items.pop(key, None)
            if previous is not None:
                self._bytes -= previous[1]
            self._items[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


NEAR = NearCopies(max_bytes=4 * 1024 * 1024)


def public_pages_version() -> str:
    """The current version (``PublicPagesVersion``: one indexed read)."""
    # Every visit of a kept page asks this, and building the query through the ORM cost 15 to
    # 20 times what the database's answer does (about 0.35 ms against 0.02 on SQLite): a
    # quarter of a kept answer. The query is fixed, so it is written once.
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL)
        row = cursor.fetchone()
    return str(row[0] if row else 0)


# Standard SQL quoting, which SQLite and PostgreSQL both read.
_VERSION_SQL = f'SELECT "number" FROM "{PublicPagesVersion._meta.db_table}" WHERE "id" = 1'  # noqa: S608  (no input)


def renew_public_pages() -> None:
    """Every public page kept so far is rendered again on its next visit: the version counts up
    in the caller's transaction, so it moves exactly when the change is kept."""
    if not PublicPagesVersion.objects.filter(pk=1).update(number=F("number") + 1):
        PublicPagesVersion.objects.get_or_create(pk=1, defaults={"number": 1})


def _may_share(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        # A message waiting (say, after signing out) is this visitor's alone: render it.
        and not len(get_messages(request))
    )


def _key(request: HttpRequest, depends_on: Callable[[HttpRequest], str] | None) -> str:
    shown = (
        public_pages_version(),
        request.scheme,
        request.get_host(),
        request.path,
        urlencode(sorted(request.GET.lists()), doseq=True),
        get_language(),
        timezone.get_current_timezone_name(),
        request.headers.get("HX-Request", ""),
        depends_on(request) if depends_on is not None else "",
    )
    digest = hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest()
    return f"page:{digest}"


def _is_shareable(request: HttpRequest, response: HttpResponseBase) -> bool:
    cache_control = response.get("Cache-Control", "")
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and isinstance(response, HttpResponse)
        and not response.cookies
        and "private" not in cache_control
        and "no-store" not in cache_control
        and get_max_age(response) != 0
        and not (session is not None and session.modified)
        and not len(get_messages(request))
        # Something rendered the real token (not through the template's ``csrf_token``): the
        # page holds this visitor's token, so it is not kept.
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not request.user.is_authenticated
    )


def _with_own_token(request: HttpRequest, content: bytes) -> bytes:
    if _TOKEN_BYTES not in content:
        return content
    return content.replace(_TOKEN_BYTES, get_token(request).encode())


def _fresh(kept_at: float) -> bool:
    return timezone.now().timestamp() - kept_at <= PAGE_SECONDS


def kept_answer(request: HttpRequest, compute: Callable[[], T]) -> T:
    """``compute()``, kept under the request's address, language and the public pages' version
    as a page is: for answers that are the same whoever asks (signed in or not)."""
    key = f"answer:{_key(request, None)}"
    # Near copies are pickled: each caller gets its own objects, as from the shared cache.
    near: tuple[float, bytes] | None = NEAR.get(key)
    if near is not None and _fresh(near[0]):
        answer: T = pickle.loads(near[1])  # noqa: S301  (written by this process just above)
        return answer
    with suppress(*cache_outages()):
        kept: tuple[float, T] | None = cache.get(key)
        if kept is not None and _fresh(kept[0]):
            _keep_near(key, kept[0], kept[1])
            return kept[1]
    answer = compute()
    kept_at = timezone.now().timestamp()
    with suppress(*cache_outages()):
        cache.set(key, (kept_at, answer), PAGE_SECONDS)
    _keep_near(key, kept_at, answer)
    return answer


def _keep_near(key: str, kept_at: float, answer: object) -> None:
    pickled = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    NEAR.put(key, (kept_at, pickled), len(pickled))


def kept_response(
    request: HttpRequest, respond: Callable[[], HttpResponseBase]
) -> HttpResponseBase:
    """``respond()``, kept whole for the next GET of the same address by someone not signed in
    and bringing no credentials (see the module's docstring). The caller counts the request
    against its rate limit first: a kept response is an answer like any other."""
    if (
        request.method != "GET"
        # A token is checked by the operation (401 when wrong), and answers its own person.
        or "Authorization" in request.headers
        or not _may_share(request)
    ):
        return respond()
    key = f"response:{_key(request, None)}"
    kept = _kept_under(key)
    if kept is not None:
        # An API's answer holds no CSRF token: sent as it was kept.
        return _sent_again(kept, kept["content"])
    response = respond()
    if _is_shareable(request, response):
        assert isinstance(response, HttpResponse)  # noqa: S101  (checked by _is_shareable)
        _keep_under(key, response)
    return response


def _kept_under(key: str) -> KeptPage | None:
    """The page or answer kept under ``key`` while fresh: this process's near copy, else the
    shared cache's (then copied near)."""
    kept: KeptPage | None = NEAR.get(key)
    if kept is not None and _fresh(kept["kept_at"]):
        return kept
    kept = None
    with suppress(*cache_outages()):
        kept = cache.get(key)
    if kept is not None and _fresh(kept["kept_at"]):
        NEAR.put(key, kept, len(kept["content"]))
        return kept
    return None


def _keep_under(key: str, response: HttpResponse) -> None:
    kept: KeptPage = {
        "kept_at": timezone.now().timestamp(),
        "status": response.status_code,
        "headers": list(response.headers.items()),
        "content": response.content,
    }
    with suppress(*cache_outages()):
        cache.set(key, kept, PAGE_SECONDS)
    NEAR.put(key, kept, len(kept["content"]))


def _sent_again(kept: KeptPage, content: bytes) -> HttpResponse:
    response = HttpResponse(content, status=kept["status"])
    for name, value in kept["headers"]:
        response[name] = value
    return response


def _replay(request: HttpRequest, kept: KeptPage) -> HttpResponse:
    return _sent_again(kept, _with_own_token(request, kept["content"]))


@overload
def public_page(view: View[P], /) -> View[P]: ...


@overload
def public_page(
    *, depends_on: Callable[[HttpRequest], str] | None = None
) -> Callable[[View[P]], View[P]]: ...


def public_page(
    view: View[P] | None = None, /, *, depends_on: Callable[[HttpRequest], str] | None = None
) -> View[P] | Callable[[View[P]], View[P]]:
    """Keep the view's page for visitors not signed in (see the module's docstring).
    ``depends_on(request)`` names what else the page is made of, read from the visit."""

    def decorate(view: View[P]) -> View[P]:
        @wraps(view)
        def kept_for_visitors(
            request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs
        ) -> HttpResponse:
            if not _may_share(request):
                return view(request, *args, **kwargs)
            key = _key(request, depends_on)
            kept = _kept_under(key)
            if kept is not None:
                return _replay(request, kept)
            response = view(request, *args, **kwargs)
            if not isinstance(response, SimpleTemplateResponse) or response.is_rendered:
                return response
            response.context_data = {
                **(response.context_data or {}),
                "csrf_token": TOKEN_PLACEHOLDER,
            }
            response.render()
            if _is_shareable(request, response):
                _keep_under(key, response)
            response.content = _with_own_token(request, response.content)
            return response

        return kept_for_visitors

    return decorate(view) if view is not None else decorate
