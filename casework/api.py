"""/api/v1: one API object, one router per app, one OpenAPI schema at /api/v1/openapi.json,
its index at /api/v1/ and its browsable docs at /api/v1/docs."""

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, get_script_prefix, include, path, reverse
from django.utils import translation
from django.utils.datastructures import MultiValueDict
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser

from casework import api_links, problems
from casework.care.api import router as care_router
from casework.community.api import router as community_router
from casework.complaints.api import router as complaints_router
from casework.directory.api import router as directory_router
from casework.messaging.api import router as messaging_router
from casework.oversight.api import router as oversight_router
from casework.privacy.api import router as privacy_router
from casework.registry.api import router as registry_router
from casework.safety.api import router as safety_router
from casework.scheduling.api import router as scheduling_router


class NotText(ValueError):
    """A JSON string that is no text: it holds a lone surrogate, or a NUL character (which
    PostgreSQL cannot store in a text column). ``field`` names where, as a form would."""

    def __init__(self, message: str, field: str = "body") -> None:
        super().__init__(message)
        self.field = field


class NotAnObject(ValueError):
    """A JSON body that is not an object: every operation's body is one. (ninja reads each
    field from the top of the body, so a number or a list would pass for an empty object.)"""


def _refuse_what_is_not_text(value: Any, field: str = "body") -> None:
    """Raise ``NotText`` for the first string in ``value`` that is no text, naming its field
    (the top-level key it is under, as the operation's form would)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise NotText(
                _("The request holds a NUL character (\\u0000), which no text keeps: remove it."),
                field,
            )
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise NotText(
                _(
                    "The request holds a string that is not text (a lone surrogate such as "
                    "\\ud800): send Unicode text."
                ),
                field,
            ) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_what_is_not_text(key, field)
            _refuse_what_is_not_text(item, field)
    elif isinstance(value, list):
        for item in value:
            _refuse_what_is_not_text(item, field)


class TextOnlyParser(Parser):
    """JSON bodies that are objects (else 422, as any body against the schema), whose every
    string is text. JSON may escape half of a surrogate pair ("\\ud800"), which no text
    encoding can store or seal: refused here, at the edge, with a clear 400, so no service
    ever meets it."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data: Any = super().parse_body(request)
        if not isinstance(data, dict):
            raise NotAnObject(_("The request body must be a JSON object."))
        for key, value in data.items():
            _refuse_what_is_not_text(key)
            _refuse_what_is_not_text(value, key if isinstance(key, str) else "body")
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        """A query (or form) whose every value is text: a NUL character (``%00``) is refused
        with the body's 400, rather than reaching PostgreSQL, which cannot hold it in a text
        parameter (a 500 from any filter the value reaches)."""
        for key, values in data.lists():
            try:
                _refuse_what_is_not_text(key, key)
                _refuse_what_is_not_text(values, key)
            except NotText as refusal:
                raise HttpError(400, str(refusal)) from refusal
        parsed: dict[str, Any] = super().parse_querydict(data, list_fields, request)
        return parsed


DESCRIPTION = """\
Check registrations, find a social worker who may practise where you are, book, and write.

**Signing in.** Send a personal access token (`Authorization: Bearer cw_...`, made on your
account page, scoped per area to read or write) or use the browser session (with its CSRF token
on writes).

**Errors.** Every failure has one shape: `{"error": {"code", "message", "fields"}}` with the
status that says what happened: 400 unreadable, 401 not signed in, 403 not allowed (or a token
without the scope), 404 missing or not yours (alike), 405 wrong method, 409 conflict, 422 the
request does not follow the schema (or an `Idempotency-Key` reused with another body), 429 too
many (with `Retry-After`), 503 a dependency is down (with `Retry-After`).
"""

# What every operation may answer besides what it declares itself.
COMMON_ERRORS: dict[str, str] = {
    "422": "The request does not follow the schema (`fields` says where)",
    "503": "A dependency is down: try again after `Retry-After` seconds",
}
# What an operation that reads a query or a body may answer besides: the parser refuses what
# is no text there (``TextOnlyParser``) before the operation sees it, whatever it declares.
READING_ERRORS: dict[str, str] = {
    "400": "The request cannot be read: its query or body holds what is no text (a NUL "
    "character, a lone surrogate), or its body is no JSON",
}
SIGNED_IN_ERRORS: dict[str, str] = {
    "401": "Not signed in: no session, or no valid token",
    "403": "The token lacks this operation's scope, or a CSRF check failed",
}


class CaseworkAPI(NinjaAPI):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._built_schemas: dict[tuple[Any, ...], OpenAPISchema] = {}

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        """The schema ``_build_openapi_schema`` builds, once per process for each language,
        address prefix and path parameters: it changes only with the code, and building it
        took about 130 ms of every request for /api/v1/openapi.json, which anyone may send.
        Every caller gets the same document, and reads it without changing it."""
        key = (
            translation.get_language(),
            get_script_prefix(),
            path_prefix,
            tuple(sorted((path_params or {}).items())),
        )
        schema = self._built_schemas.get(key)
        if schema is None:
            schema = self._build_openapi_schema(path_prefix=path_prefix, path_params=path_params)
            self._built_schemas[key] = schema
        return schema

    def _build_openapi_schema(
        self, *, path_prefix: str | None, path_params: dict[str, Any] | None
    ) -> OpenAPISchema:
        """The schema ninja builds, with the failures every operation shares declared on each
        (in the one error shape), so that clients and the fuzzing gate know them; and the
        links between operations (casework/api_links.py)."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        error_ref = {"$ref": "#/components/schemas/Error"}
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = (
            problems.Error.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                responses = {str(k): v for k, v in operation.get("responses", {}).items()}
                operation["responses"] = responses
                declared = dict(COMMON_ERRORS)
                if "requestBody" in operation or any(
                    parameter.get("in") == "query" for parameter in operation.get("parameters", ())
                ):
                    declared.update(READING_ERRORS)
                if operation.get("security"):
                    declared.update(SIGNED_IN_ERRORS)
                for status, description in declared.items():
                    responses.setdefault(
                        status,
                        {
                            "description": description,
                            "content": {"application/json": {"schema": error_ref}},
                        },
                    )
                for status, response in responses.items():
                    if status.startswith(("4", "5")):
                        content = response.setdefault("content", {}).setdefault(
                            "application/json", {"schema": error_ref}
                        )
                        content.setdefault(
                            "example",
                            problems.error_body(int(status), response.get("description")),
                        )
                if "429" in responses:
                    responses["429"].setdefault(
                        "headers",
                        {
                            "Retry-After": {
                                "description": "Seconds to wait",
                                "schema": {"type": "integer"},
                            }
                        },
                    )
        api_links.declare(schema)
        return schema


api = CaseworkAPI(
    title="Casework API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=TextOnlyParser(),
)


def _fields_of(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        location = [str(part) for part in error.get("loc", ())]
        # ninja puts the parameter's source and model first: ("body", "payload", "body").
        if location and location[0] == "body" and len(location) > 2:
            location = ["body", *location[2:]]
        elif location and location[0] in ("query", "path", "header") and len(location) > 1:
            location = [location[0], *location[1:]]
        name = ".".join(location) or "__all__"
        fields.setdefault(name, []).append(problems.field_message(error))
    return fields


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    return api.create_response(
        request,
        problems.error_body(422, fields=_fields_of(error.errors)),
        status=422,
    )


# What django-ninja says of a body it cannot parse (with the parser's reason under DEBUG).
NINJA_UNREADABLE_BODY = "Cannot parse request body"


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    if isinstance(error.__cause__, NotAnObject):
        refusal = str(error.__cause__)
        return api.create_response(
            request, problems.error_body(422, refusal, fields={"body": [refusal]}), status=422
        )
    # django-ninja answers every unreadable body "Cannot parse request body", in English
    # only: say why when the reason is ours to give, and say it in the request's language.
    cause = error.__cause__
    message: str | Promise | None
    if isinstance(cause, NotText):
        refusal = str(cause)
        return api.create_response(
            request,
            problems.error_body(error.status_code, refusal, fields={cause.field: [refusal]}),
            status=error.status_code,
        )
    if isinstance(error, AuthenticationError | Throttled):
        message = None
    elif error.status_code == 403 and "CSRF" in error.message:
        message = _(
            "CSRF check failed: send the X-CSRFToken header with the session, or use a token."
        )
    elif error.message.startswith(NINJA_UNREADABLE_BODY):
        message = None  # problems.MESSAGES[400]
    else:
        message = error.message
    response = api.create_response(
        request, problems.error_body(error.status_code, message), status=error.status_code
    )
    if error.status_code == 401:
        response["WWW-Authenticate"] = 'Bearer realm="casework"'
    if error.status_code == 429:
        response["Retry-After"] = str(problems.RETRY_AFTER_SECONDS)
    return response


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return api.create_response(request, problems.error_body(404), status=404)


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, error: Exception) -> HttpResponse:
    # Django logs it and answers 500; ApiErrorsMiddleware puts that answer in the one shape
    # (never a trace, DEBUG or not).
    raise error


api.add_router("/", registry_router)
api.add_router("/", directory_router)
api.add_router("/", scheduling_router)
api.add_router("/", messaging_router)
api.add_router("/", care_router)
api.add_router("/", community_router)
api.add_router("/", privacy_router)
api.add_router("/", safety_router)
api.add_router("/", complaints_router)
api.add_router("/", oversight_router)


@require_safe
def index(request: HttpRequest) -> JsonResponse:
    """What /api/v1/ answers: where the schema and the docs are."""
    return JsonResponse(
        {
            "name": api.title,
            "version": api.version,
            "schema": request.build_absolute_uri(reverse("api:openapi-json")),
            "docs": request.build_absolute_uri(reverse("api:openapi-view")),
        }
    )


def public_urls() -> list[URLPattern | URLResolver]:
    """The API authenticates per operation (and answers 401 JSON, never a sign-in redirect),
    so the site's LoginRequiredMiddleware stands aside for its routes. Its root answers the
    index rather than ninja's 404."""
    patterns, app_name, namespace = api.urls
    wrapped: list[URLPattern | URLResolver] = []
    for p in patterns:
        if not isinstance(p, URLPattern):
            continue
        callback: Any = index if p.name == "api-root" else p.callback
        wrapped.append(URLPattern(p.pattern, login_not_required(callback), p.default_args, p.name))
    return [path("", include((wrapped, app_name), namespace=namespace))]
