"""With the database out, refusing, frozen or too slow, no request answers 500 or hangs: pages
answer a 503 page in the person's language, the API its JSON error, both with Retry-After;
/healthz answers without asking anything; /readyz answers within its own limit."""

import threading
import time
from collections.abc import Callable, Iterator

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError, connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from casework.accounts.models import User
from casework.accounts.services import update_preferences
from casework.shell import dashboards, health
from casework.shell.postgresql.base import answer_within

pytestmark = pytest.mark.django_db


def _refused(*args: object, **kwargs: object) -> None:
    raise OperationalError("connection refused")


def test_a_page_that_meets_an_outage_answers_503_in_the_person_s_language(
    client_person: User, signed_in: Callable[[User | None], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    update_preferences(person=client_person, language="es", time_zone=client_person.time_zone)
    browser = signed_in(client_person)
    monkeypatch.setattr(dashboards, "client_needs", _refused)
    response = browser.get(reverse("shell:dashboard"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert '<html lang="es">' in page
    assert "Not available for a moment" not in page


def test_an_outage_met_while_loading_the_session_answers_503_not_500(
    client_person: User, signed_in: Callable[[User | None], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = signed_in(client_person)
    browser.raise_request_exception = False  # what a real server does: answer, not raise
    monkeypatch.setattr(SessionStore, "load", _refused)
    response = browser.get(reverse("shell:dashboard"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Nothing was changed" in response.content.decode()


def test_a_fault_that_is_no_outage_is_still_a_500(
    client_person: User, signed_in: Callable[[User | None], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("a bug")

    browser = signed_in(client_person)
    browser.raise_request_exception = False
    monkeypatch.setattr(SessionStore, "load", broken)
    assert browser.get(reverse("shell:dashboard")).status_code == 500


def test_the_api_answers_its_json_error_with_503(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("casework.directory.api.find_practitioners", _refused)
    response = client.get("/api/v1/practitioners")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    error = response.json()["error"]
    assert error["code"] == "unavailable"
    assert error["fields"] == {}
    assert "try again" in error["message"]


def test_healthz_answers_without_asking_the_database_even_with_a_session(
    client_person: User, signed_in: Callable[[User | None], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = signed_in(client_person)
    connection.close()

    def touched(*args: object, **kwargs: object) -> None:
        raise AssertionError("/healthz asked the database")

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", touched)
    monkeypatch.setattr(BaseDatabaseWrapper, "_cursor", touched)
    response = browser.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.fixture
def hanging_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    released = threading.Event()
    monkeypatch.setitem(health.CHECKS, "cache", lambda: released.wait(30) and None)
    yield
    released.set()


def test_readyz_answers_within_its_limit_naming_what_hangs(
    hanging_cache: None, client: Client, settings: Settings
) -> None:
    settings.READYZ_TIMEOUT_SECONDS = 0.3
    started = time.monotonic()
    response = client.get(reverse("readyz"))
    assert time.monotonic() - started < 2
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["cache"]["ok"] is False
    assert checks["cache"]["error"] == "timeout"
    assert checks["database"]["ok"] is True


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the answer limit is the PostgreSQL backend's"
)
@pytest.mark.django_db(transaction=True)  # the connection is dropped half-way: no test atomic
def test_a_wait_past_the_answer_limit_ends_with_an_outage_and_a_new_connection() -> None:
    cursor = connection.cursor()
    started = time.monotonic()
    with answer_within(0.5), pytest.raises(OperationalError, match="did not answer within"):
        cursor.execute("SELECT pg_sleep(5)")
    assert time.monotonic() - started < 2.5
    assert not connection.is_usable()  # closed, never reused half-way through
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
