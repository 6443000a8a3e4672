"""The operations open to anyone (verification, the directory, free slots, community articles,
following a complaint by its secret) take a personal access token as every other operation
does: a live one signs its person in, a wrong, expired or revoked one is refused 401 in the one
error shape (never read as a visitor), and a request with no credentials is still let in.

And every API error message is said in the request's language."""

import ast
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from casework.accounts.models import ApiToken, User
from casework.accounts.services import create_api_token, revoke_api_token
from casework.accounts.tokens import ALL_SCOPES
from casework.community.services.articles import invite_contributor, save_article
from casework.complaints.services import file_complaint
from casework.testing import factories, oversight

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def world() -> dict[str, str]:
    """A listed, bookable practitioner, a published article and a complaint: each open
    operation's address."""
    practitioner, _profile = oversight.listed_practitioner(legal_name="Amara Okafor")
    writer = factories.PractitionerFactory.create()
    invite_contributor(admin=factories.AdminFactory.create(), practitioner=writer)
    article = save_article(
        author=writer,
        title="Listening first",
        summary="A week.",
        body="Text.",
        tags=[],
        publish=True,
    )
    filed = file_complaint(practitioner=practitioner, category="boundary", details="Gift cards.")
    return {
        "verify": "/api/v1/verify?name=Okafor",
        "practitioners": "/api/v1/practitioners",
        "profile": f"/api/v1/practitioners/{practitioner.pk}",
        "slots": f"/api/v1/practitioners/{practitioner.pk}/slots",
        "articles": "/api/v1/articles",
        "article": f"/api/v1/articles/{article.slug}",
        "follow": f"/api/v1/complaints/{filed.complaint.reference}/track",
        "secret": filed.secret,
    }


OPEN_READS = ("verify", "practitioners", "profile", "slots", "articles", "article", "follow")


def _call(browser: Client, world: dict[str, str], name: str, **headers: str) -> Any:
    if name == "follow":
        body = json.dumps({"secret": world["secret"]})
        return browser.post(world[name], body, content_type="application/json", headers=headers)
    return browser.get(world[name], headers=headers)


def _token(person: User, scopes: list[str], days: int = 7) -> tuple[ApiToken, str]:
    return create_api_token(person=person, name="App", scopes=scopes, days=days, now=timezone.now())


@pytest.mark.parametrize("name", OPEN_READS)
def test_an_open_operation_takes_no_credentials_or_a_live_token(
    world: dict[str, str], client_person: User, name: str
) -> None:
    assert _call(Client(), world, name).status_code == 200
    _made, secret = _token(client_person, sorted(ALL_SCOPES))
    app = Client(headers={"Authorization": f"Bearer {secret}"})
    assert _call(app, world, name).status_code == 200


@pytest.mark.parametrize("name", OPEN_READS)
def test_an_open_operation_refuses_a_wrong_expired_or_revoked_token(
    world: dict[str, str], client_person: User, name: str
) -> None:
    revoked, revoked_secret = _token(client_person, sorted(ALL_SCOPES))
    revoke_api_token(person=client_person, token=revoked, now=timezone.now())
    _expiring, expired_secret = _token(client_person, sorted(ALL_SCOPES), days=7)
    for authorization, later in (
        ("Bearer cw_made-up", timedelta(0)),
        ("Basic cm9iaW46c2VjcmV0", timedelta(0)),
        (f"Bearer {revoked_secret}", timedelta(0)),
        (f"Bearer {expired_secret}", timedelta(days=8)),
    ):
        with time_machine.travel(timezone.now() + later, tick=False):
            refused = _call(Client(), world, name, Authorization=authorization)
        assert refused.status_code == 401, authorization
        assert refused.json()["error"]["code"] == "unauthenticated"
        assert refused["WWW-Authenticate"] == 'Bearer realm="casework"'


def test_a_token_of_any_scope_reads_what_belongs_to_no_area_and_an_areas_scope_elsewhere(
    world: dict[str, str], client_person: User
) -> None:
    _made, secret = _token(client_person, ["messaging:read"])
    app = Client(headers={"Authorization": f"Bearer {secret}"})
    for name in ("verify", "practitioners", "profile"):
        assert _call(app, world, name).status_code == 200, name
    for name in ("slots", "articles", "article", "follow"):
        refused = _call(app, world, name)
        assert refused.status_code == 403, name
        assert "lacks the scope" in refused.json()["error"]["message"]


def test_the_schema_declares_a_token_the_session_or_nothing(world: dict[str, str]) -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert paths["/api/v1/verify"]["get"]["security"] == [
        {"PersonToken": []},
        {"PersonSession": []},
        {},
    ]
    assert paths["/api/v1/articles/{slug}/comments"]["post"]["security"] == [
        {"PersonToken": []},
        {"PersonSession": []},
        {},
    ]
    assert "401" in paths["/api/v1/practitioners"]["get"]["responses"]


def test_errors_are_said_in_the_requests_language(world: dict[str, str]) -> None:
    spanish = {"Accept-Language": "es"}
    _made, secret = _token(factories.ClientFactory.create(), sorted(ALL_SCOPES))
    app = Client(headers={"Authorization": f"Bearer {secret}", **spanish})
    missing = app.get("/api/v1/practitioners/999999999")
    assert missing["Content-Language"] == "es"
    assert missing.json()["error"]["message"] != "No listed practitioner has this id."
    assert missing.json()["error"]["message"].startswith("Ning")
    cursor = app.get("/api/v1/articles", {"cursor": "not-a-cursor"})
    assert cursor.status_code == 400
    assert "start again" not in cursor.json()["error"]["message"]
    english = Client().get("/api/v1/articles", {"cursor": "not-a-cursor"})
    assert "start again" in english.json()["error"]["message"]


# The calls that answer an API error with a message a person reads.
ANSWERS = {"problem", "error_response", "error_body", "HttpError", "AuthorizationError"}


def _untranslated(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call) or len(node.args) < 2:
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        message = node.args[1]
        literal = isinstance(message, ast.Constant) and isinstance(message.value, str)
        if name in ANSWERS and (literal or isinstance(message, ast.JoinedStr)):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_api_error_message_is_a_plain_english_string() -> None:
    modules = [
        *ROOT.glob("casework/*/api.py"),
        ROOT / "casework/api.py",
        ROOT / "casework/cursors.py",
        ROOT / "casework/accounts/tokens.py",
        ROOT / "casework/accounts/idempotency.py",
    ]
    assert len(modules) > 10
    plain = [where for path in modules for where in _untranslated(path)]
    assert not plain, plain
