"""Every answer of /api/v1 that a test receives through Django's test client is checked
against the OpenAPI schema the site serves: its status must be one the operation declares, and
a JSON body must match that status's schema. So the whole suite, not only the fuzzing gate,
keeps the schema true to what the operations answer.

A pytest plugin (``pytest_plugins`` in the root conftest). Answers that no operation owns (a
method the path does not take: 405 before any operation) and bodies that are not JSON (a ZIP,
an attachment) have no schema to check.
"""

import json
import re
from functools import cache
from typing import Any

import jsonschema_rs
import pytest
from django.http import HttpResponseBase
from django.test import Client
from django.urls import Resolver404, resolve

API_PREFIX = "/api/v1/"
# Served by ninja itself (the schema, the docs) or our index: no operation of their own.
_NOT_OPERATIONS = {"api:openapi-json", "api:openapi-view", "api:api-root"}
_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


@cache
def _schema() -> dict[str, Any]:
    from casework.api import api

    return dict(api.get_openapi_schema())


@cache
def _validator(path: str, method: str, status: str) -> jsonschema_rs.Draft202012Validator | None:
    schema = _schema()
    response = schema["paths"][path][method]["responses"][status]
    body = response.get("content", {}).get("application/json", {}).get("schema")
    if body is None:
        return None
    return jsonschema_rs.Draft202012Validator({**body, "components": schema["components"]})


def _operation_path(request_path: str) -> str | None:
    """The schema's path (``/api/v1/appointments/{appointment_id}/cancel``) of a request."""
    try:
        match = resolve(request_path)
    except Resolver404:
        return None
    if match.view_name in _NOT_OPERATIONS:
        return None
    return "/" + _CONVERTER.sub(r"{\1}", match.route)


def check(method: str, request_path: str, response: HttpResponseBase) -> None:
    """Fail when ``response`` is not what the schema says this operation answers."""
    path = _operation_path(request_path)
    operations = _schema()["paths"].get(path or "", {})
    operation = operations.get(method.lower())
    if operation is None:
        return
    status = str(response.status_code)
    if status == "500":
        return  # a crash: tests/test_api_errors.py checks its shape; no schema declares it
    declared = operation["responses"]
    if status not in declared:
        pytest.fail(
            f"{method} {path} answered {status}, which its schema does not declare "
            f"({', '.join(sorted(declared))})"
        )
    if not response.get("Content-Type", "").startswith("application/json"):
        return
    validator = _validator(path or "", method.lower(), status)
    if validator is None:
        return
    content = getattr(response, "content", b"")
    errors = [str(e) for e in validator.iter_errors(json.loads(content or b"null"))]
    if errors:
        pytest.fail(
            f"{method} {path} {status} does not match its schema:\n" + "\n".join(errors[:3])
        )


@pytest.fixture(autouse=True)
def _api_answers_keep_to_the_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = Client.request

    def request(self: Client, **environ: Any) -> Any:
        response = asked(self, **environ)
        path = environ.get("PATH_INFO", "")
        if path.startswith(API_PREFIX):
            check(environ.get("REQUEST_METHOD", "GET"), path, response)
        return response

    monkeypatch.setattr(Client, "request", request)
