"""Every operation of /api/v1, fed values its schema allows and values it refuses, signed in
and not: always an answer with a reason, never a 500."""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.conf import settings
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from casework.accounts.models import User
from casework.messaging.models import Conversation
from casework.testing import messaging
from casework.wsgi import application


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


@schema.parametrize()
@hypothesis_settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.django_db
def test_no_operation_answers_500(case: Any, session_cookie: str) -> None:
    for headers in ({}, {"Cookie": session_cookie}):
        response = case.call(headers=headers)
        case.validate_response(response, checks=[not_a_server_error])
