import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers

from casework.shell import outages
from casework.shell.postgresql.patience import answer_within
from casework.shell.request_gate import RequestGate

logger = logging.getLogger(__name__)

LIVENESS_PATH = "/healthz"


class PermissionsPolicyMiddleware:
    """Browser features the site does not use are switched off for every page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class OutageMiddleware:
    """A dependency's outage answers 503, never a 500 nor a hang.

    ``/healthz`` is answered here, before anything that could ask the database or the cache:
    it says the process runs, even while they are out. Every other request passes the
    process's gate (request_gate.py: at most ``DATABASE_REQUESTS_AT_ONCE`` inside, so threads
    stay free while the database hangs; refused with the 503 page when it stays full), then
    waits at most ``DATABASE_REQUEST_ANSWER_SECONDS`` for any one answer from the database; a
    view that met an outage answers 503 with a clear message (see outages.py). An outage met by
    another middleware reaches ``server_error`` (views.py), which answers the same.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.gate = RequestGate(settings.DATABASE_REQUESTS_AT_ONCE)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == LIVENESS_PATH and request.method in ("GET", "HEAD"):
            response = JsonResponse({"status": "ok"})
            add_never_cache_headers(response)
            return response
        if not self.gate.enter():
            logger.warning("request gate full: 503")
            return outages.unavailable(request)
        try:
            with answer_within(settings.DATABASE_REQUEST_ANSWER_SECONDS):
                return self.get_response(request)
        finally:
            self.gate.leave()

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not outages.is_outage(exception):
            return None
        # The view's name, not the path or the exception's text: either may carry data.
        view = request.resolver_match.view_name if request.resolver_match else "?"
        logger.warning("dependency unavailable in %s (%s): 503", view, type(exception).__name__)
        return outages.unavailable(request)
