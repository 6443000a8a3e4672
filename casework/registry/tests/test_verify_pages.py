import pytest
from django.test import Client
from django.urls import reverse

from casework.registry.models import RegisterEntry, Regulator

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(england: Regulator) -> RegisterEntry:
    return RegisterEntry.objects.create(
        regulator=england,
        registration_number="SW123456",
        name="Amara Okafor",
        status="conditions",
        conditions="Must work under supervision.",
    )


def test_a_visitor_finds_a_social_worker_by_number(client: Client, entry: RegisterEntry) -> None:
    page = client.get(reverse("registry:verify"), {"number": "sw123456"}).content.decode()
    assert "Amara Okafor" in page
    assert "Registered with conditions" in page


def test_a_visitor_finds_a_social_worker_by_name(client: Client, entry: RegisterEntry) -> None:
    page = client.get(reverse("registry:verify"), {"name": "okafor"}).content.decode()
    assert "Amara Okafor" in page


def test_a_search_needs_a_number_or_a_name(client: Client, entry: RegisterEntry) -> None:
    page = client.get(reverse("registry:verify"), {"name": "a"}).content.decode()
    assert "at least three letters" in page


def test_the_verification_page_speaks_in_plain_words(client: Client, entry: RegisterEntry) -> None:
    url = reverse("registry:verification", args=["social-work-england", "SW123456"])
    page = client.get(url, {"where": "GB-ENG"}).content.decode()
    assert "Must work under supervision." in page
    assert "Social Work England" in page
    assert "the law requires registration" in page
    assert "which covers clients in England" in page
    assert "<svg" in page  # the QR code
    assert 'property="og:title"' in page


def test_the_page_says_when_a_client_elsewhere_may_not_be_served(
    client: Client, entry: RegisterEntry
) -> None:
    url = reverse("registry:verification", args=["social-work-england", "SW123456"])
    page = client.get(url, {"where": "IE"}).content.decode()
    assert "is required" in page


def test_the_badge_shows_the_live_status(client: Client, entry: RegisterEntry) -> None:
    url = reverse("registry:badge", args=["social-work-england", "SW123456"])
    response = client.get(url)
    assert response["Content-Type"] == "image/svg+xml"
    assert "Registered with conditions" in response.content.decode()
    entry.status = "suspended"
    entry.save()
    assert "Suspended" in client.get(url).content.decode()


def test_an_unknown_registration_answers_404_and_its_badge_says_so(
    client: Client, entry: RegisterEntry
) -> None:
    assert (
        client.get(
            reverse("registry:verification", args=["social-work-england", "NOPE"])
        ).status_code
        == 404
    )
    badge = client.get(reverse("registry:badge", args=["social-work-england", "NOPE"]))
    assert "Not on the register" in badge.content.decode()


def test_made_up_places_in_the_address_answer_a_plain_error(
    client: Client, entry: RegisterEntry
) -> None:
    url = reverse("registry:verification", args=["social-work-england", "SW123456"])
    for n in range(3):
        response = client.get(url, {"where": f"XX-{n}"})
        assert response.status_code == 200
        assert f"We do not know “XX-{n}” as a country or region." in response.content.decode()


def test_the_regulator_list_keeps_the_regulator_chosen(
    client: Client, entry: RegisterEntry, england: Regulator
) -> None:
    page = client.get(
        reverse("registry:verify"), {"regulator": england.slug, "number": "SW123456"}
    ).content.decode()
    start = page.index('<select name="regulator"')
    select = page[start : page.index("</select>", start)]
    assert 'id="id_regulator"' in select
    assert select.index('<option value="">Any regulator</option>') < select.index(england.slug)
    assert f'<option value="{england.slug}" selected>' in select
    assert select.count(" selected") == 1
    for regulator in Regulator.objects.all():
        assert f'<option value="{regulator.slug}"' in select


def test_the_regulator_list_offers_any_regulator_first_when_none_is_chosen(
    client: Client, entry: RegisterEntry
) -> None:
    page = client.get(reverse("registry:verify"), {"number": "SW123456"}).content.decode()
    assert (
        '<select name="regulator" id="id_regulator"><option value="" selected>Any regulator' in page
    )
