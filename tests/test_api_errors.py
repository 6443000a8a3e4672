"""Under /api/, every failure has one JSON shape, ``{"error": {"code", "message", "fields"}}``,
and the status that says what happened: never an HTML page, never a trace."""

from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import translation
from pytest_django import Settings
from redis.exceptions import ConnectionError as RedisConnectionError

from casework import problems
from casework.accounts.models import User
from casework.scheduling.models import AppointmentStatus
from casework.testing import messaging
from casework.testing.scheduling import NOW, THURSDAY_9, another_client, book, bookable_practitioner

pytestmark = pytest.mark.django_db


def shaped(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message", "fields"} <= set(body["error"])
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert "Traceback" not in response.content.decode()
    return dict(body["error"])


def test_the_index_links_to_the_schema_and_the_docs() -> None:
    index = Client().get("/api/v1/").json()
    assert index["schema"].endswith("/api/v1/openapi.json")
    assert index["docs"].endswith("/api/v1/docs")
    docs = Client().get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"cdn" not in docs.content.lower()


@pytest.mark.parametrize("debug", [False, True])
def test_unknown_addresses_and_methods_answer_in_the_shape(settings: Settings, debug: bool) -> None:
    settings.DEBUG = debug
    shaped(Client().get("/api/v1/no-such-thing"), 404, "not_found")
    shaped(Client().get("/api/v2/"), 404, "not_found")
    wrong = Client().delete("/api/v1/verify")
    shaped(wrong, 405, "method_not_allowed")
    assert wrong["Allow"] == "GET"
    shaped(Client().post("/api/v1/"), 405, "method_not_allowed")


def test_signing_in_is_asked_for_in_the_shape() -> None:
    refused = Client().get("/api/v1/conversations")
    shaped(refused, 401, "unauthenticated")
    assert refused["WWW-Authenticate"].startswith("Bearer")


def test_schema_errors_name_the_field(client_person: User, practitioner: User) -> None:
    conversation = messaging.enquiry(client_person, practitioner, body="Hello")
    browser = Client()
    browser.force_login(client_person)
    url = f"/api/v1/conversations/{conversation.pk}/messages"
    error = shaped(browser.get(url, {"after": -1}), 422, "invalid")
    assert list(error["fields"]) == ["query.after"]
    error = shaped(browser.post(url, {}, content_type="application/json"), 422, "invalid")
    assert error["fields"] == {"body.body": ["This field is required."]}
    client_person.language = "es"  # a signed-in person reads in the language they chose
    client_person.save(update_fields=["language"])
    error = shaped(browser.get(url, {"after": -1}), 422, "invalid")
    assert error["fields"] == {"query.after": ["Da un número de al menos 0."]}
    error = shaped(browser.post(url, {}, content_type="application/json"), 422, "invalid")
    assert error["fields"] == {"body.body": ["Este campo es obligatorio."]}
    error = shaped(
        browser.post(url, "{not json", content_type="application/json"), 400, "bad_request"
    )


def test_a_body_that_is_not_an_object_is_refused_and_changes_nothing() -> None:
    """Every operation's body is an object (422 otherwise, as for any body against the
    schema); ninja reads each field from its top, so a number or a list once passed for an
    empty one (a cancellation with no reason)."""
    with time_machine.travel(NOW, tick=False):
        _practitioner, session_type = bookable_practitioner()
        robin = another_client(alias="Robin", email="robin@example.org")
        appointment = book(robin, session_type, THURSDAY_9)
        browser = Client()
        browser.force_login(robin)
        url = f"/api/v1/appointments/{appointment.pk}/cancel"
        for body in ("12052", "[]", '"please"', "null"):
            error = shaped(browser.post(url, body, content_type="application/json"), 422, "invalid")
            assert "JSON object" in error["message"]
        appointment.refresh_from_db()
        assert appointment.status != AppointmentStatus.CANCELLED
        cancelled = browser.post(url, {}, content_type="application/json")
        assert cancelled.json()["status"] == AppointmentStatus.CANCELLED


def test_a_nul_character_is_refused_before_any_service(admin_person: User) -> None:
    """PostgreSQL keeps no NUL in text: an article titled with one was a 500 there."""
    browser = Client()
    browser.force_login(admin_person)
    article = {"title": "A\u0000B", "summary": "Short", "body": "Long enough body."}
    error = shaped(
        browser.post("/api/v1/articles", article, content_type="application/json"),
        400,
        "bad_request",
    )
    assert "NUL" in error["message"]


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/articles", {"tag": "burn\u0000out"}),
        ("/api/v1/articles", {"tag": ["burnout", "\u0000"]}),
        ("/api/v1/practitioners", {"q": "trauma", "language": "e\u0000n"}),
        ("/api/v1/verify", {"number": "SW\u00001"}),
        ("/api/v1/articles", {"ta\u0000g": "burnout"}),
    ],
    ids=["value", "a-second-value", "filter", "verify", "name"],
)
def test_a_nul_character_in_the_query_is_refused_naming_its_parameter(
    path: str, query: dict[str, Any]
) -> None:
    """Found on PostgreSQL by the stateful API test: /api/v1/articles?tag=%00 was a 500 (the
    tag reached a filter, and PostgreSQL keeps no NUL in a text parameter)."""
    error = shaped(Client().get(path, query), 400, "bad_request")
    assert "NUL" in error["message"]
    (field,) = error["fields"]
    assert field.replace("\u0000", "") in {"tag", "language", "number"}


def test_every_operation_that_reads_a_query_or_a_body_declares_the_400_of_what_is_no_text() -> None:
    """Found by the schema fuzzing: a NUL in the name of a query parameter of the messages'
    list was refused 400 by the parser, which that operation did not declare."""
    schema = Client().get("/api/v1/openapi.json").json()
    reading = {
        (method.upper(), path): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
        or any(parameter["in"] == "query" for parameter in operation.get("parameters", ()))
    }
    assert ("GET", "/api/v1/conversations/{conversation_id}/messages") in reading
    undeclared = [key for key, operation in reading.items() if "400" not in operation["responses"]]
    assert undeclared == []


def test_a_nul_character_in_a_query_parameter_s_name_is_refused_where_no_form_is(
    client_person: User, practitioner: User, signed_in: Callable[[User], Client]
) -> None:
    conversation = messaging.enquiry(client_person, practitioner, body="Hello")
    path = f"/api/v1/conversations/{conversation.pk}/messages"
    answer = signed_in(client_person).get(path, {",\u0000x": "true", "limit": "20"})
    error = shaped(answer, 400, "bad_request")
    assert "NUL" in error["message"]


def test_a_form_refusal_names_the_field() -> None:
    error = shaped(Client().get("/api/v1/practitioners", {"where": "XX-NOPE"}), 400, "bad_request")
    assert "where" in error["fields"]


def test_writes_with_the_session_need_the_csrf_token(
    client_person: User, practitioner: User
) -> None:
    conversation = messaging.enquiry(client_person, practitioner, body="Hello")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(client_person)
    url = f"/api/v1/conversations/{conversation.pk}/messages"
    refused = browser.post(url, {"body": "Hi"}, content_type="application/json")
    assert "CSRF" in shaped(refused, 403, "forbidden")["message"]


def test_a_crash_is_a_500_in_the_shape_without_a_trace(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setattr("casework.registry.api.find_entries", crash)
    for debug in (False, True):
        settings.DEBUG = debug
        response = Client(raise_request_exception=False).get("/api/v1/verify", {"number": "SW1001"})
        shaped(response, 500, "server_error")
        assert b"secret detail" not in response.content


def test_a_dependency_down_is_a_503_with_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    def down(*args: object, **kwargs: object) -> None:
        raise RedisConnectionError("down")

    monkeypatch.setattr("casework.registry.api.find_entries", down)
    response = Client(raise_request_exception=False).get("/api/v1/verify", {"number": "SW1001"})
    shaped(response, 503, "unavailable")
    assert int(response["Retry-After"]) > 0


def test_every_operation_declares_its_errors_security_and_an_example() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert "422" in responses, (method, path)
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    content = response["content"]["application/json"]
                    assert content["example"]["error"]["code"], (method, path, status)
            if operation.get("security"):
                assert {"401", "403"} <= set(responses), (method, path)
                names = {name for entry in operation["security"] for name in entry}
                assert names == {"PersonToken", "PersonSession"}


def test_no_two_schemas_of_the_api_share_a_name() -> None:
    """The schema names its components by class: two classes of one name would leave one
    operation documented with the other's (as /api/v1/verify once was)."""
    from ninja import Schema

    from casework.api import api

    components = set(api.get_openapi_schema()["components"]["schemas"])
    seen: dict[str, str] = {}
    clashes = []
    classes: list[type] = [Schema]
    while classes:
        found = classes.pop()
        classes.extend(found.__subclasses__())
        if not found.__module__.startswith("casework.") or found.__name__ not in components:
            continue
        where = f"{found.__module__}.{found.__qualname__}"
        if seen.setdefault(found.__name__, where) != where:
            clashes.append(f"{seen[found.__name__]} and {where}")
    assert not clashes, clashes


@pytest.mark.parametrize(
    "kind", sorted({*problems.FIELD_MESSAGES, *problems.COUNTED_MESSAGES, *problems.BOUND_MESSAGES})
)
def test_each_reason_a_field_is_refused_is_said_in_spanish(kind: str) -> None:
    # pydantic says why only in English; a Spanish client reads why in Spanish.
    ctx = {"min_length": 2, "max_length": 2, "gt": 1, "ge": 1, "lt": 9, "le": 9}
    error = {"type": kind, "msg": "English from pydantic", "ctx": ctx}
    with translation.override("en"):
        english = problems.field_message(error)
    with translation.override("es"):
        spanish = problems.field_message(error)
    assert english != "English from pydantic"
    assert spanish != english
    assert "2" in english or "1" in english or "9" in english or kind in problems.FIELD_MESSAGES


def test_a_choice_refused_lists_the_choices_without_an_english_or() -> None:
    error = {"type": "literal_error", "ctx": {"expected": "'draft', 'published' or 'closed'"}}
    with translation.override("es"):
        assert problems.field_message(error) == "Elige uno de: 'draft', 'published', 'closed'."
