from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

from casework.shell import navigation


@lru_cache(maxsize=8)
def _language_options(codes: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Each language named in itself ("Español", not "Spanish"), the same on every page in
    every language: worked out once per process rather than by switching the active
    language for each option of every page's language switch."""
    names = dict(settings.LANGUAGES)
    named = []
    for code in codes:
        with translation.override(code):
            named.append((code, str(names[code])))  # a lazy name, read in its own language
    return tuple(named)


def shell(request: HttpRequest) -> dict[str, Any]:
    return {
        "nav_items": navigation.items_for(request),
        "account_nav_items": navigation.account_items_for(request),
        "live_url": settings.LIVE_URL,
        "site_languages": _language_options(tuple(code for code, _name in settings.LANGUAGES)),
    }
