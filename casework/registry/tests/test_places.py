"""The place picker: a country by name in the reader's language, then its region where regions
regulate; its list served once and cached; the directory's answers for a country with regions
and for a place where nobody listed may work; the place kept once chosen for a booking."""

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import override

from casework.accounts.models import User
from casework.registry import places
from casework.registry.forms import JurisdictionField, PlacePicker
from casework.registry.reference_data import load_reference_data
from casework.testing.directory import listed_practitioner


@pytest.fixture
def reference(db: None) -> None:
    load_reference_data()


def find(query: str, *, language: str = "en", client: Client | None = None) -> str:
    response = (client or Client()).get(f"/find/?{query}", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_places_are_named_in_the_readers_language(reference: None) -> None:
    spanish = places.places("es")
    assert spanish.name_of("ES") == "España"
    assert spanish.name_of("GB") == "Reino Unido"
    # Region names come from our catalogue ("Gales" once the Spanish is compiled).
    assert spanish.full_name("GB-WLS").endswith(" (Reino Unido)")
    assert places.places("en").name_of("GB-WLS") == "Wales"  # not "Wales [Cymru GB-CYM]"
    # Sorted as a reader expects, accents aside: Åland Islands is not at the end.
    english = [place.name for place in places.places("en").countries]
    assert english.index("Åland Islands") < english.index("Albania")


def test_a_typed_name_code_or_english_name_finds_the_place(reference: None) -> None:
    with override("es"):
        assert places.resolve("reino unido") == "GB"
        assert places.resolve("  ESPAÑA ") == "ES"
        assert places.resolve("espana") == "ES"
        assert places.resolve("Spain") == "ES"
        assert places.resolve("England") == "GB-ENG"
        assert places.resolve(places.places().full_name("GB-WLS")) == "GB-WLS"
        assert places.resolve("us-ny") == "US-NY"
        assert places.resolve("Georgia") == "GE"  # the country, not the state
        assert places.resolve("Narnia") is None


def test_a_country_whose_regions_regulate_asks_for_the_region(reference: None) -> None:
    field = JurisdictionField(required=True)

    def code(typed: str, region: str = "") -> str:
        place = field.clean((typed, region))
        assert place is not None
        return place.code

    with pytest.raises(Exception, match="Choose where in United Kingdom"):
        field.clean(("United Kingdom", ""))
    assert code("United Kingdom", "GB-SCT") == "GB-SCT"
    assert code("Scotland") == "GB-SCT"
    # A region of another country than the one typed is not taken.
    with pytest.raises(Exception, match="Choose where in Canada"):
        field.clean(("Canada", "GB-SCT"))
    # Australia regulates (or not) as a whole: no region to ask.
    assert code("Australia") == "AU"
    with pytest.raises(Exception, match="Did you mean Spain"):
        field.clean(("Spai", ""))


def test_the_picker_renders_the_regions_of_the_country_chosen(reference: None) -> None:
    with override("es"):
        html = str(PlacePicker().render("where", ("Reino Unido", "GB-ENG")))
    assert 'value="Reino Unido"' in html
    assert '<option value="GB-ENG" selected>' in html
    assert 'name="where_region"' in html
    assert 'data-places="/places/es-' in html
    assert html.count("<option") == 5  # "choose a region" and four nations, nothing more


def test_the_list_is_served_once_per_language_and_cached_for_good(reference: None) -> None:
    version = places.places_version("es")
    response = Client().get(reverse("registry:places", args=["es", version]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    data = response.json()
    assert ["ES", "España"] in data["countries"]
    assert "GB-ENG" in [code for code, _name in data["regions"]["GB"]]
    assert "AU" not in data["regions"]
    stale = Client().get(reverse("registry:places", args=["es", "0"]))
    assert stale["Cache-Control"] == "public, max-age=300"
    assert Client().get(reverse("registry:places", args=["xx", version])).status_code == 404


def test_the_directory_carries_no_long_list_of_places(reference: None) -> None:
    page = find("")
    assert '<option value="ES"' not in page
    assert "<datalist" in page
    assert "places.js" in page


@pytest.mark.parametrize(
    ("typed", "first_region"), [("United Kingdom", "GB-ENG"), ("Canada", "CA-AB"), ("US", "US-AL")]
)
def test_a_country_with_regions_offers_them_instead_of_no_results(
    reference: None, typed: str, first_region: str
) -> None:
    listed_practitioner(legal_name="Amara Okafor", regulator="social-work-england")
    page = find(f"where={typed}")
    assert "0 social workers" not in page
    assert "Where in" in page
    assert f"where={first_region}" in page


def test_regions_are_offered_in_spanish(reference: None) -> None:
    page = find("where=Reino+Unido", language="es")
    assert "where=GB-ENG" in page
    assert "where=GB-WLS" in page
    # The no-JavaScript second step: the region select is on the form.
    assert re.search(r'<select name="where_region"[^>]*>', page)


def test_a_place_nobody_listed_may_work_in_names_its_regulator_and_register(
    reference: None,
) -> None:
    listed_practitioner(legal_name="Amara Okafor", regulator="social-work-england")
    page = find("where=US-NY")
    assert "No social worker listed here may work with clients in New York" in page
    assert "New York State Education Department" in page or "Office of the Professions" in page
    assert "register</a>" in page
    spain = find("where=Spain")
    assert "No social worker listed here may work with clients in Spain" in spain
    assert "We hold no reviewed facts about who regulates social work in Spain" in spain
    assert "Search without a place" in spain


def test_a_place_with_an_agreement_names_it(reference: None) -> None:
    page = find("where=GB-ENG")
    assert "No social worker listed here may work with clients in England" in page
    assert "Social Work England" in page
    assert "Temporary practice in England" in page


def test_the_place_kept_on_the_account_fills_in_the_search(
    reference: None, signed_in: Callable[[User | None], Client], client_person: User
) -> None:
    listed_practitioner(legal_name="Amara Okafor", regulator="social-work-england")
    listed_practitioner(legal_name="Rosa Delgado", regulator="us-ca-bbs")
    client_person.place = "GB-ENG"
    client_person.save(update_fields=["place"])
    browser = signed_in(client_person)
    page = find("", client=browser)
    assert "Amara Okafor" in page
    assert "Rosa Delgado" not in page
    assert 'value="United Kingdom"' in page
    # An address that says "no place" is taken at its word.
    assert "Rosa Delgado" in find("where=", client=browser)
