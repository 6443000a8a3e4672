from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from casework.registry.models import RegisterEntry, Regulator

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
