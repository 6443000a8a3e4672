"""When the database or Redis (the cache) does not answer: what a request does instead of a 500.

A page that needed the database while it was down, frozen or too slow answers 503 with
``Retry-After`` (and the API its JSON error): the request's transaction was rolled back, so
nothing was half done. The page is drawn without the database: no menu, no account.

Rate limits of sign-in, password reset and second-factor codes, and the record of used TOTP
codes, live in the cache. Without it they cannot be checked, so those requests are refused
with a clear 503 (fail closed: an outage must not open the door to guessing). Reading public
pages and lists is not worth refusing: their rate limits let the request through (fail open).
"""

import importlib
import logging
import sys

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django_ratelimit import ALL
from django_ratelimit.core import (
    _SIMPLE_KEYS,  # django-ratelimit's own key, window and rate: the same counters as its
    EXPIRATION_FUDGE,  # ``is_ratelimited``, counted in one round trip instead of two.
    _get_window,
    _make_cache_key,
    _split_rate,
)

from casework.problems import error_response

logger = logging.getLogger(__name__)


def cache_outages() -> tuple[type[Exception], ...]:
    """Redis's connection and timeout errors. A web process without Redis (the embedded layout)
    never loads the client (about 9 MiB): the errors are looked up, and imported only when a
    cache is Redis. Its client loads on the cache's first use, which may come after
    ``suppress(*cache_outages())`` has named what to pass over.

    A module another thread is still importing is in ``sys.modules`` before its names are
    (a web worker's threads load the client together on their first requests): only a fully
    loaded one is read directly; otherwise ``import_module`` waits for that import to end."""
    exceptions = sys.modules.get("redis.exceptions")
    if exceptions is None or getattr(exceptions.__spec__, "_initializing", False):
        if not any("redis" in str(cache["BACKEND"]).lower() for cache in settings.CACHES.values()):
            return ()
        exceptions = importlib.import_module("redis.exceptions")
    errors: tuple[type[Exception], ...] = (exceptions.ConnectionError, exceptions.TimeoutError)
    return errors


# Refused, lost or timed-out connections, statement and lock timeouts, deadlocks: each a
# "try again", none a fault of the request. (Bad SQL is a ProgrammingError, still a 500.)
DATABASE_OUTAGES = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def is_outage(error: BaseException | None) -> bool:
    return isinstance(error, cache_outages() + DATABASE_OUTAGES)


def over_reading_limit(request: HttpRequest, *, group: str, rate: str) -> bool:
    """Per-address rate limit of a public read; lets the request through if the cache is down.

    A request is counted once per group, however often it is asked (an operation that answers
    a kept answer before its view runs asks, and the view asks again): the verdict is kept on
    the request."""
    verdicts: dict[str, bool] | None = getattr(request, "_casework_reading_limits", None)
    if verdicts is None:
        verdicts = {}
        request._casework_reading_limits = verdicts  # type: ignore[attr-defined]
    if group not in verdicts:
        try:
            verdicts[group] = _count_reading(request, group=group, rate=rate)
        except cache_outages() as error:
            logger.warning(
                "cache unavailable: %s not rate limited (%s)", group, type(error).__name__
            )
            verdicts[group] = False
    return verdicts[group]


def _count_reading(request: HttpRequest, *, group: str, rate: str) -> bool:
    """django-ratelimit's ``is_ratelimited(key="ip", increment=True)``: the same counter under
    the same key, in one round trip to Redis (``KeptRedisCache.count``) instead of its two
    (``add``, then ``incr``: a third of a kept answer's time on the scaled layout)."""
    if not getattr(settings, "RATELIMIT_ENABLE", True):
        return False
    limit: int
    period: int
    limit, period = _split_rate(rate)
    address = _SIMPLE_KEYS["ip"](request)
    window = _get_window(address, period)
    key = _make_cache_key(group, window, rate, address, ALL)
    cache = caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]
    count = _count(cache, key, period + EXPIRATION_FUDGE)
    if count is None:  # the cache lost the counter between the two steps
        return not bool(getattr(settings, "RATELIMIT_FAIL_OPEN", False))
    return count > limit


def _count(cache: BaseCache, key: str, timeout: int) -> int | None:
    counter = getattr(cache, "count", None)
    if counter is not None:
        counted: int = counter(key, timeout)
        return counted
    # Other caches (the embedded layout's memory), as django-ratelimit counts.
    if cache.add(key, 1, timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:
        return None


def unavailable(request: HttpRequest) -> HttpResponse:
    message = _(
        "This is not available for a moment. Nothing was changed: please try again in a minute."
    )
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = error_response(503, message)
    else:
        # No request context: its processors (the menu, the person) would ask the database.
        page = render_to_string("shell/unavailable.html", {"message": message})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
