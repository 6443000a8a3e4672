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
from django.utils.translation import ngettext_lazy
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


# What is wrong with one field, by pydantic's error type, in the request's language: pydantic
# says it only in English. A type not named here gets INVALID_VALUE.
FIELD_MESSAGES: dict[str, str | Promise] = {
    "missing": _("This field is required."),
    "extra_forbidden": _("This field is not part of the request: leave it out."),
    "json_invalid": _("This is not valid JSON."),
    "model_type": _("Send an object here."),
    "model_attributes_type": _("Send an object here."),
    "dict_type": _("Send an object here."),
    "list_type": _("Send a list here."),
    "tuple_type": _("Send a list here."),
    "set_type": _("Send a list here."),
    "string_type": _("Send text here."),
    "string_unicode": _("Send text here."),
    "string_pattern_mismatch": _("This text is not in the expected form."),
    "bool_type": _("Send true or false here."),
    "bool_parsing": _("Send true or false here."),
    "int_type": _("Send a whole number here."),
    "int_parsing": _("Send a whole number here."),
    "int_from_float": _("Send a whole number here."),
    "int_parsing_size": _("This number is too large."),
    "float_type": _("Send a number here."),
    "float_parsing": _("Send a number here."),
    "decimal_type": _("Send a number here."),
    "decimal_parsing": _("Send a number here."),
    "finite_number": _("Send a finite number here."),
    "date_type": _("Send a date here, as YYYY-MM-DD."),
    "date_parsing": _("Send a date here, as YYYY-MM-DD."),
    "date_from_datetime_parsing": _("Send a date here, as YYYY-MM-DD."),
    "date_from_datetime_inexact": _("Send a date here, as YYYY-MM-DD."),
    "datetime_type": _("Send a date and time here, as ISO 8601 with its offset."),
    "datetime_parsing": _("Send a date and time here, as ISO 8601 with its offset."),
    "datetime_from_date_parsing": _("Send a date and time here, as ISO 8601 with its offset."),
    "datetime_object_invalid": _("Send a date and time here, as ISO 8601 with its offset."),
    "timezone_naive": _("Send a date and time without an offset here."),
    "timezone_aware": _("Give the date and time with its offset (e.g. +00:00)."),
    "time_type": _("Send a time here, as HH:MM."),
    "time_parsing": _("Send a time here, as HH:MM."),
    "uuid_type": _("Send an identifier (UUID) here."),
    "uuid_parsing": _("Send an identifier (UUID) here."),
    "url_type": _("Send a web address here."),
    "url_parsing": _("Send a web address here."),
    "url_syntax_violation": _("Send a web address here."),
    "url_scheme": _("Send a web address here."),
    "url_too_long": _("This web address is too long."),
    "none_required": _("Leave this field empty."),
}
INVALID_VALUE = _("This value is not valid.")


# Limits on a length or a count: pydantic's error type → its context key and the message.
COUNTED_MESSAGES: dict[str, tuple[str, Promise]] = {
    "string_too_short": (
        "min_length",
        ngettext_lazy(
            "Give at least %(count)d character.", "Give at least %(count)d characters.", "count"
        ),
    ),
    "string_too_long": (
        "max_length",
        ngettext_lazy(
            "Give at most %(count)d character.", "Give at most %(count)d characters.", "count"
        ),
    ),
    "too_short": (
        "min_length",
        ngettext_lazy("Give at least %(count)d item.", "Give at least %(count)d items.", "count"),
    ),
    "too_long": (
        "max_length",
        ngettext_lazy("Give at most %(count)d item.", "Give at most %(count)d items.", "count"),
    ),
}
# Bounds on a number: pydantic's error type → its context key and the message.
BOUND_MESSAGES: dict[str, tuple[str, Promise]] = {
    "greater_than": ("gt", _("Give a number above %(limit)s.")),
    "greater_than_equal": ("ge", _("Give a number of at least %(limit)s.")),
    "less_than": ("lt", _("Give a number below %(limit)s.")),
    "less_than_equal": ("le", _("Give a number of at most %(limit)s.")),
}


def field_message(error: Mapping[str, Any]) -> str:
    """Why pydantic refused one value, for people, in the request's language."""
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if kind == "value_error" and ctx.get("error") is not None:
        return str(ctx["error"])  # our own validator's reason, already translated
    if kind in COUNTED_MESSAGES:
        key, counted = COUNTED_MESSAGES[kind]
        return str(counted % {"count": int(ctx.get(key, 0))})
    if kind in BOUND_MESSAGES:
        key, bound = BOUND_MESSAGES[kind]
        return str(bound) % {"limit": ctx.get(key, "")}
    if kind in ("literal_error", "enum"):
        # pydantic lists the values ("'a', 'b' or 'c'"), never translated; its "or" would be.
        choices = str(ctx.get("expected", "")).replace("' or '", "', '")
        return str(_("Choose one of: %(choices)s.")) % {"choices": choices}
    return str(FIELD_MESSAGES.get(kind, INVALID_VALUE))


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
