"""The one shape of every failure under /api/: ``{"error": {"code", "message", "fields"}}``.

Operations answer with ``problem(...)``; ninja's own refusals (validation, authentication, an
unreadable body) go through the API's exception handlers; and whatever Django answers under
/api/ without the API (an unknown address, a method the route does not take, a CSRF refusal, a
500, the cache outage's 503) is rewritten by ``ApiErrorsMiddleware``: never an HTML page, never
a trace.
"""

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema, Status

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"

# The code of each status, when an operation gives none more precise.
CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}

# In the request's language (LocaleMiddleware reads Accept-Language under /api/ too).
MESSAGES: dict[int, str | Promise] = {
    400: _("The request cannot be read."),
    401: _(
        "Sign in, or send a valid personal access token: Authorization: Bearer <token>. A "
        "token that is expired or revoked no longer signs you in."
    ),
    403: _("You may not do this."),
    404: _("Nothing is here."),
    405: _("This address does not take this method."),
    409: _("This conflicts with the current state."),
    413: _("The request is too large."),
    415: _("Send JSON (Content-Type: application/json)."),
    422: _("The request does not follow the schema."),
    429: _("Too many requests: try again in a minute."),
    500: _("Something went wrong on our side; it was logged. Nothing was changed."),
    503: _(
        "This is not available for a moment. Nothing was changed: please try again in a minute."
    ),
}

RETRY_AFTER_SECONDS = 60


class ErrorDetail(Schema):
    code: str = Field(
        description="Stable, for programs: bad_request, unauthenticated, forbidden, not_found, "
        "method_not_allowed, conflict, invalid, rate_limited, unavailable, server_error, or "
        "one an operation names (e.g. flagged, idempotency_key_reused)"
    )
    message: str = Field(description="For people: why, and what to do")
    fields: dict[str, list[str]] = Field(
        description="Per input field (e.g. `body`, `query.where`), what is wrong with it; "
        "empty when the failure is not about one field"
    )


class Error(Schema):
    """Every failure's body."""

    error: ErrorDetail

    model_config = {
        "json_schema_extra": {
            "example": {
                "error": {
                    "code": "not_found",
                    "message": "No such conversation.",
                    "fields": {},
                }
            }
        }
    }


def error_body(
    status: int,
    message: str | Promise | None = None,
    *,
    code: str | None = None,
    fields: dict[str, list[str]] | None = None,
    **extra: object,
) -> dict[str, Any]:
    return {
        "error": {
            "code": code or CODES.get(status, HTTPStatus(status).phrase.lower().replace(" ", "_")),
            "message": str(message or MESSAGES.get(status, HTTPStatus(status).phrase)),
            "fields": fields or {},
            **extra,
        }
    }


def problem(
    status: int,
    message: str | Promise | None = None,
    *,
    code: str | None = None,
    fields: dict[str, list[str]] | None = None,
    **extra: object,
) -> Status[object]:
    """An operation's refusal, in the one shape."""
    return Status(status, error_body(status, message, code=code, fields=fields, **extra))


def error_response(
    status: int,
    message: str | Promise | None = None,
    *,
    code: str | None = None,
    fields: dict[str, list[str]] | None = None,
) -> JsonResponse:
    response = JsonResponse(error_body(status, message, code=code, fields=fields), status=status)
    if status in (429, 503):
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def form_fields(errors: Mapping[str, Iterable[object]]) -> dict[str, list[str]]:
    """A Django form's errors as ``fields`` (the form-wide ones under ``__all__``)."""
    return {name: [str(m) for m in messages] for name, messages in errors.items()}


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _is_error_shaped(response: HttpResponseBase) -> bool:
    if not response.get("Content-Type", "").startswith("application/json"):
        return False
    if not isinstance(response, HttpResponse):
        return False
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    return isinstance(body, dict) and isinstance(body.get("error"), dict)


class ApiErrorsMiddleware:
    """Under /api/, a failure that is not in the one shape is put into it, its status and
    headers (``Allow``, ``Retry-After``...) kept: Django's 404, 405, CSRF 403 and 500 pages,
    the cache outage's 503. Outside /api/, nothing changes."""

    DROP_HEADERS = frozenset({"content-type", "content-length", "content-language"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not is_api(request) or response.status_code < 400:
            return response
        if _is_error_shaped(response):
            if response.status_code in (429, 503) and "Retry-After" not in response:
                response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        message = None
        if response.status_code == 503 and response.get("Content-Type", "").startswith(
            "application/json"
        ):
            message = MESSAGES[503]
        shaped = error_response(response.status_code, message)
        for header, value in response.items():
            if header.lower() not in self.DROP_HEADERS:
                shaped[header] = value
        if response.status_code in (429, 503) and "Retry-After" not in shaped:
            shaped["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return shaped
