from typing import Any

from django.conf import settings
from django.http import HttpRequest

from casework.shell import navigation


def shell(request: HttpRequest) -> dict[str, Any]:
    return {
        "nav_items": navigation.items_for(request),
        "account_nav_items": navigation.account_items_for(request),
        "live_url": settings.LIVE_URL,
        "site_languages": settings.LANGUAGES,
    }
