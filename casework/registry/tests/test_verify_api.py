from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from casework.accounts.models import User
from casework.registry import api
from casework.registry.forms import VerifySearchForm
from casework.registry.models import RegisterEntry, Regulator
from casework.shell.page_cache import renew_public_pages

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(england: Regulator) -> RegisterEntry:
    return RegisterEntry.objects.create(
        regulator=england,
        registration_number="SW123456",
        name="Amara Okafor",
        status="suspended",
    )


def test_the_api_answers_with_status_meaning_and_where_one_may_practise(
    client: Client, entry: RegisterEntry
) -> None:
    response = client.get("/api/v1/verify", {"number": "sw123456", "where": "GB-ENG"})
    assert response.status_code == 200
    [found] = response.json()
    assert found["status"] == "suspended"
    assert found["status_meaning"].startswith("Suspended")
    assert found["regulator"]["jurisdiction"] == "GB-ENG"
    assert found["practice"]["verdict"] == "may_not_practise"
    assert found["verification_url"].endswith("/verify/social-work-england/SW123456/")


def test_the_api_speaks_the_askers_language(client: Client, entry: RegisterEntry) -> None:
    response = client.get("/api/v1/verify", {"number": "SW123456"}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.json()[0]["status_meaning"].startswith("Suspendid")


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"name": "ab"},
        {"number": "x" * 41},
        {"number": "1", "where": "XX-NOPE"},
        {"regulator": "no-such-regulator", "number": "1"},
    ],
)
def test_bad_queries_get_a_400_with_the_reason(
    client: Client, entry: RegisterEntry, params: dict[str, str]
) -> None:
    response = client.get("/api/v1/verify", params)
    assert response.status_code == 400
    assert response.json()["error"]["message"]


def test_the_api_is_rate_limited_per_address(client: Client, entry: RegisterEntry) -> None:
    cache.clear()
    # The limit counts per minute: the clock stands still so the 61 requests share one minute.
    with time_machine.travel(timezone.now(), tick=False):
        codes = [client.get("/api/v1/verify", {"number": "SW1"}).status_code for _ in range(61)]
        other = Client(REMOTE_ADDR="203.0.113.9")
        other_code = other.get("/api/v1/verify", {"number": "SW1"}).status_code
    assert codes[:60] == [200] * 60
    assert codes[60] == 429
    assert other_code == 200


def test_the_openapi_schema_describes_the_verification_endpoint(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    operation = schema["paths"]["/api/v1/verify"]["get"]
    assert {"200", "400", "429"} <= set(operation["responses"])


def test_the_api_answers_in_a_constant_number_of_queries(
    client: Client,
    england: Regulator,
    django_assert_max_num_queries: Any,
) -> None:
    for n in range(15):
        RegisterEntry.objects.create(
            regulator=england,
            registration_number=f"QB{n}",
            name=f"Quinn Budget {n}",
            status="registered",
        )
    client.get("/api/v1/verify", {"name": "Quinn"})  # warm the session and caches
    # Session, entries with their regulator and holder flag; no query per result.
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/verify", {"name": "Quinn Budget"})
    assert len(response.json()) == 15


def test_the_search_page_shares_the_apis_limit_per_address(
    client: Client, entry: RegisterEntry, settings: Any
) -> None:
    settings.VERIFY_API_RATE = "5/m"
    cache.clear()
    pages = [client.get("/verify/", {"number": "SW1"}).status_code for _ in range(3)]
    apis = [client.get("/api/v1/verify", {"number": "SW1"}).status_code for _ in range(2)]
    assert pages + apis == [200] * 5
    refused = client.get("/verify/", {"number": "SW123456"})
    assert refused.status_code == 429
    assert "Wait a minute" in refused.content.decode()
    assert "Amara Okafor" not in refused.content.decode()
    # The empty page is no search, and someone else searches on.
    assert client.get("/verify/").status_code == 200
    assert Client(REMOTE_ADDR="203.0.113.9").get("/verify/", {"number": "SW1"}).status_code == 200


@pytest.fixture
def forms_built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each time the operation itself ran: it builds the search form from the query."""
    built: list[str] = []

    class Counted(VerifySearchForm):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            built.append("form")
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(api, "VerifySearchForm", Counted)
    return built


def _sent(response: Any) -> tuple[int, dict[str, str], bytes]:
    """What was sent, but the request's own id."""
    headers = {k: v for k, v in response.headers.items() if k != "X-Request-ID"}
    return response.status_code, headers, response.content


def test_a_repeated_ask_is_answered_as_sent_before_without_running_the_operation(
    entry: RegisterEntry, forms_built: list[str]
) -> None:
    query = {"number": "sw123456", "where": "GB-ENG"}
    first = Client().get("/api/v1/verify", query)
    assert forms_built == ["form"]

    again = Client().get("/api/v1/verify", query)

    assert forms_built == ["form"]  # answered before the operation parsed or checked anything
    assert _sent(again) == _sent(first)
    assert again.json()[0]["practice"]["verdict"] == "may_not_practise"


def test_kept_answers_are_kept_apart_by_query_and_language(entry: RegisterEntry) -> None:
    english = Client().get("/api/v1/verify", {"number": "SW123456"})
    spanish = Client().get("/api/v1/verify", {"number": "SW123456"}, HTTP_ACCEPT_LANGUAGE="es")
    where = Client().get("/api/v1/verify", {"number": "SW123456", "where": "GB-ENG"})
    assert spanish.json()[0]["status_meaning"].startswith("Suspendid")
    assert english.json()[0]["status_meaning"].startswith("Suspended")
    assert english.json()[0]["practice"] is None
    assert where.json()[0]["practice"]["verdict"] == "may_not_practise"


def test_a_change_that_shows_is_answered_on_the_next_ask(entry: RegisterEntry) -> None:
    assert Client().get("/api/v1/verify", {"number": "SW123456"}).json()[0]["status"] == (
        "suspended"
    )
    RegisterEntry.objects.filter(pk=entry.pk).update(status="registered")
    renew_public_pages()

    assert Client().get("/api/v1/verify", {"number": "SW123456"}).json()[0]["status"] == (
        "registered"
    )


def test_bad_queries_get_their_400_every_time(entry: RegisterEntry) -> None:
    answers = [Client().get("/api/v1/verify", {"name": "ab"}) for _ in range(2)]
    assert [answer.status_code for answer in answers] == [400, 400]
    assert answers[0].json() == answers[1].json()
    assert answers[1].json()["error"]["message"]


def test_someone_signed_in_or_bringing_a_token_is_answered_by_the_operation(
    entry: RegisterEntry, practitioner: User, forms_built: list[str]
) -> None:
    path = "/api/v1/verify?number=SW123456"
    visitor = Client().get(path)
    signed_in = Client()
    signed_in.force_login(practitioner)

    assert signed_in.get(path).json() == visitor.json()
    assert forms_built == ["form", "form"]
    wrong = Client(headers={"Authorization": "Bearer cw_not-a-token"}).get(path)
    assert wrong.status_code == 401
    assert forms_built == ["form", "form"]  # refused before the operation, as always


def test_a_kept_answer_is_counted_and_refused_past_the_limit_as_before(
    client: Client, entry: RegisterEntry, settings: Any
) -> None:
    settings.VERIFY_API_RATE = "3/m"
    cache.clear()
    with time_machine.travel(timezone.now(), tick=False):
        codes = [client.get("/api/v1/verify", {"number": "SW1"}).status_code for _ in range(3)]
        refused = client.get("/api/v1/verify", {"number": "SW1"})
    assert codes == [200] * 3
    assert refused.status_code == 429
    assert refused["Retry-After"]
    assert refused.json()["error"]["message"] == "Too many requests: try again in a minute."
