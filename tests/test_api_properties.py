"""Every operation of /api/v1, fed values its schema allows and values it refuses, as each role
(anonymous, and a personal access token of a client, a practitioner, an officer, a moderator and
an administrator, with every scope) and with the browser session: always an answer the schema
declares, in the one error shape when it is a refusal, never a 500. Every check schemathesis
has is on."""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.conf import settings
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import ignored_auth, positive_data_acceptance

from casework.accounts.models import User
from casework.accounts.services import create_api_token
from casework.accounts.tokens import ALL_SCOPES
from casework.messaging.models import Conversation
from casework.testing import messaging
from casework.wsgi import application

# Every check but this one: a schema cannot say every rule of a request (a registration number
# or three letters of a name; a currency with a fee; a slot still free), so a request the schema
# allows may still be refused, 400 with the reason and the field.
EXCLUDED: list[Any] = [positive_data_acceptance]


@pytest.fixture(autouse=True)
def _requests_keep_the_tests_connection() -> Iterator[None]:
    """As Django's test client does: a request served here must not close the database
    connection that holds the test's transaction (PostgreSQL would then refuse the next
    query)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def session_cookie(client_person: User, practitioner: User) -> str:
    """Robin, signed in, with an enquiry to Amara: the operations on her own things answer."""
    conversation: Conversation = messaging.enquiry(client_person, practitioner, body="Hello")
    assert conversation.pk
    browser = Client()
    browser.force_login(client_person)
    return f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"


# The schema as the site serves it (reading it touches no database).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], database="none"
)


ROLES = ("anonymous", "client", "practitioner", "officer", "moderator", "admin")


@pytest.fixture
def role_headers(
    client_person: User,
    practitioner: User,
    officer: User,
    moderator: User,
    admin_person: User,
) -> dict[str, dict[str, str]]:
    """Each role's request headers: a personal access token with every scope."""
    people = {
        "client": client_person,
        "practitioner": practitioner,
        "officer": officer,
        "moderator": moderator,
        "admin": admin_person,
    }
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for role, person in people.items():
        secret = create_api_token(
            person=person, name="Fuzzing", scopes=sorted(ALL_SCOPES), days=7, now=timezone.now()
        )[1]
        headers[role] = {"Authorization": f"Bearer {secret}"}
    return headers


@schema.parametrize()
@hypothesis_settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.django_db
def test_every_operation_keeps_to_its_schema_for_every_role(
    case: Any, session_cookie: str, role_headers: dict[str, dict[str, str]]
) -> None:
    cache.clear()  # the rate limits would otherwise answer 429 to most of the examples
    for headers in (*role_headers.values(), {"Cookie": session_cookie}):
        # Uncompressed: this in-process transport does not gunzip as an HTTP client would.
        response = case.call(headers={"Accept-Encoding": "identity", **headers})
        # ignored_auth sends made-up credentials of each scheme; beside this caller's own valid
        # ones (a token while it spoils the cookie, or the reverse) it would see them let in.
        excluded = EXCLUDED if not headers else [*EXCLUDED, ignored_auth]
        case.validate_response(response, excluded_checks=excluded)
        if response.status_code >= 400:
            body = response.json()
            assert set(body) == {"error"}, body
            assert {"code", "message", "fields"} <= set(body["error"]), body
