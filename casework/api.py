"""/api/v1: one API object, one router per app, one OpenAPI schema at /api/v1/openapi.json."""

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.parser import Parser

from casework.directory.api import router as directory_router
from casework.messaging.api import router as messaging_router
from casework.registry.api import router as registry_router
from casework.scheduling.api import router as scheduling_router


class NotText(ValueError):
    """A JSON string that is no text: it holds a lone surrogate."""


def _refuse_what_is_not_text(value: Any) -> None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise NotText(
                "The request holds a string that is not text (a lone surrogate such as "
                "\\ud800): send Unicode text."
            ) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_what_is_not_text(key)
            _refuse_what_is_not_text(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_what_is_not_text(item)


class TextOnlyParser(Parser):
    """JSON bodies whose every string is text. JSON may escape half of a surrogate pair
    ("\\ud800"), which no text encoding can store or seal: refused here, at the edge, with a
    clear 400, so no service ever meets it."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        _refuse_what_is_not_text(data)
        return data


api = NinjaAPI(
    title="Casework API",
    version="1",
    description="Check registrations, find a social worker who may practise where you are, book.",
    urls_namespace="api",
    docs_url=None,  # the interactive docs page would load assets from a CDN
    openapi_url="/openapi.json",
    parser=TextOnlyParser(),
)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    # django-ninja answers every unreadable body "Cannot parse request body": say why when
    # the reason is ours to give.
    cause = error.__cause__
    detail = str(cause) if isinstance(cause, NotText) else error.message
    return api.create_response(request, {"detail": detail}, status=error.status_code)


api.add_router("/", registry_router)
api.add_router("/", directory_router)
api.add_router("/", scheduling_router)
api.add_router("/", messaging_router)


def public_urls() -> list[URLPattern | URLResolver]:
    """The API authenticates per operation (and answers 401 JSON, never a sign-in redirect),
    so the site's LoginRequiredMiddleware stands aside for its routes."""
    patterns, app_name, namespace = api.urls
    wrapped = [
        URLPattern(p.pattern, login_not_required(p.callback), p.default_args, p.name)
        for p in patterns
        if isinstance(p, URLPattern)
    ]
    return [path("", include((wrapped, app_name), namespace=namespace))]
