"""GET /api/v1/practitioners: the directory search as JSON, public and rate limited."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from casework.directory.models import Modality
from casework.testing.directory import listed_practitioner

pytestmark = pytest.mark.usefixtures("reference")

URL = "/api/v1/practitioners"


def test_a_listed_practitioner_as_json() -> None:
    profile = listed_practitioner(
        languages=["en", "bfi"],
        specialties=["autism"],
        modalities=[Modality.IN_PERSON, Modality.VIDEO],
        in_person_place="Leeds",
        fee=Decimal("55.50"),
    )
    response = Client().get(URL)
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["page"], body["pages"]) == (1, 1, 1)
    [item] = body["results"]
    assert item["slug"] == profile.slug
    assert item["profile_url"] == f"http://testserver/practitioners/{profile.slug}/"
    assert item["photo_url"] is None
    assert {term["code"] for term in item["languages"]} == {"en", "bfi"}
    assert {"code": "bfi", "label": "British Sign Language"} in item["languages"]
    assert item["specialties"] == [{"code": "autism", "label": "Autism"}]
    assert [term["code"] for term in item["modalities"]] == ["video", "in_person"]
    assert item["in_person_place"] == "Leeds"
    assert item["fee"] == {"funded": False, "amount": "55.50", "currency": "GBP"}
    assert item["time_zone"] == "Europe/London"
    assert item["next_free_at"] is None
    [registration] = item["registrations"]
    assert registration["regulator"] == "social-work-england"
    assert registration["status"] == "registered"
    assert registration["practising"]
    assert registration["verification_url"].startswith(
        "http://testserver/verify/social-work-england/"
    )
    assert item["may_practise_where"] is None


def test_labels_follow_the_requested_language() -> None:
    listed_practitioner(languages=["de"])
    body = Client().get(URL, headers={"Accept-Language": "es"}).json()
    assert body["results"][0]["languages"] == [{"code": "de", "label": "Alemán"}]


def test_with_a_place_each_result_says_why_it_may_practise_there() -> None:
    listed_practitioner()
    regulated = Client().get(URL, {"where": "GB-ENG"}).json()["results"]
    assert regulated[0]["may_practise_where"] == "may_practise"
    unregulated = Client().get(URL, {"where": "AU"}).json()["results"]
    assert unregulated[0]["may_practise_where"] == "unregulated"


def test_funded_practice_has_no_amount() -> None:
    listed_practitioner(funded=True, fee=None, fee_currency="")
    item = Client().get(URL).json()["results"][0]
    assert item["fee"] == {"funded": True, "amount": None, "currency": None}


def test_the_api_is_rate_limited_per_address(settings: Any) -> None:
    settings.VERIFY_API_RATE = "2/m"
    client = Client()
    assert client.get(URL).status_code == 200
    assert client.get(URL).status_code == 200
    response = client.get(URL)
    assert response.status_code == 429
    assert response.json()["error"] == {
        "code": "rate_limited",
        "message": "Too many requests: try again in a minute.",
        "fields": {},
    }
    assert response["Retry-After"]


def test_the_api_costs_the_same_queries_for_one_result_or_twenty(
    django_assert_num_queries: Callable[[int], Any],
) -> None:
    listed_practitioner(legal_name="Person 0")
    Client().get(URL)
    # count; page; languages; specialties; modalities; verified registrations.
    with django_assert_num_queries(6):
        assert Client().get(URL).json()["count"] == 1
    for number in range(1, 20):
        listed_practitioner(legal_name=f"Person {number}")
    with django_assert_num_queries(6):
        assert len(Client().get(URL).json()["results"]) == 20


def test_the_operation_is_in_the_openapi_schema(db: None) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/practitioners"]["get"]
    parameters = {parameter["name"] for parameter in operation["parameters"]}
    assert {"q", "where", "language", "specialty", "modality", "available_within"} <= parameters
    assert {"fee_min", "fee_max", "currency", "sort", "page"} <= parameters


def test_a_wrong_method_gets_405(db: None) -> None:
    assert Client().post(URL).status_code == 405


def test_pages_follow_by_cursor_and_a_cursor_serves_only_its_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("casework.directory.api.PAGE_SIZE", 1)
    slugs = {listed_practitioner().slug, listed_practitioner().slug}
    first = Client().get(URL, {"language": "en"}).json()
    assert first["next_cursor"]
    assert "cursor=" in first["next"]
    second = Client().get(URL, {"language": "en", "cursor": first["next_cursor"]}).json()
    assert second["next_cursor"] is None
    assert {first["results"][0]["slug"], second["results"][0]["slug"]} == slugs
    assert second["results"][0]["slots_url"].endswith(
        f"/api/v1/practitioners/{second['results'][0]['id']}/slots"
    )
    other = Client().get(URL, {"language": "cy", "cursor": first["next_cursor"]})
    assert other.status_code == 400
    assert "cursor" in other.json()["error"]["fields"]
    assert Client().get(URL, {"cursor": "made-up"}).status_code == 400
