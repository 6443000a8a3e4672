import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from casework.shell import outages

logger = logging.getLogger(__name__)


class PermissionsPolicyMiddleware:
    """Browser features the site does not use are switched off for every page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class CacheOutageMiddleware:
    """A view that needed the cache while Redis was down answers 503 with a clear message
    (see outages.py), never a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not outages.is_outage(exception):
            return None
        # The view's name, not the path or the exception's text: either may carry data.
        view = request.resolver_match.view_name if request.resolver_match else "?"
        logger.warning("cache unavailable in %s (%s): 503", view, type(exception).__name__)
        return outages.unavailable(request)
