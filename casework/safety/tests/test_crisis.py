"""Crisis resources per jurisdiction: confirmed facts only, subdivisions with their country's."""

import tomllib

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from casework.safety.crisis import DATA_FILE, covered_jurisdictions, crisis_resources_for

SEEDED = ["GB", "GB-NIR", "GB-SCT", "GB-WLS", "IE", "US", "CA", "NZ", "ZA", "HK"]


def test_every_seeded_jurisdiction_has_an_emergency_number_and_a_line() -> None:
    for code in SEEDED:
        resources = crisis_resources_for(code)
        assert resources.jurisdiction_code == code
        assert resources.emergency, code
        assert resources.lines, code


def test_every_fact_shown_has_its_source() -> None:
    data = tomllib.loads(DATA_FILE.read_text(encoding="utf-8"))
    for item in data["jurisdiction"]:
        if item["emergency"] and item["emergency_confirmed"]:
            assert item["emergency_source"].startswith(("https://", "http://")), item["code"]
        for line in item.get("line", []):
            if line["confirmed"]:
                assert line["source"].startswith(("https://", "http://")), line["name"]
                assert line["url"].startswith("https://"), line["name"]
                assert line["phone"] or line["sms"] or line["url"], line["name"]


def test_a_subdivision_lists_its_own_lines_then_its_countrys() -> None:
    scotland = crisis_resources_for("GB-SCT")
    assert [line.name for line in scotland.lines] == ["Breathing Space", "Samaritans"]
    assert scotland.emergency == "999 or 112"


def test_the_emergency_numbers_are_joined_in_the_readers_language() -> None:
    with translation.override("es"):
        assert crisis_resources_for("GB-ENG").emergency == "999 o 112"
        assert crisis_resources_for("IE").emergency == "112 o 999"
        assert crisis_resources_for("US").emergency == "911"
        page = render_to_string(
            "care/crisis_resources.html", {"crisis": crisis_resources_for("GB-SCT")}
        )
    assert "999 o 112" in page
    assert " or " not in page


def test_a_subdivision_without_its_own_entry_gets_its_countrys() -> None:
    england = crisis_resources_for("gb-eng")
    assert england.jurisdiction_code == "GB"
    california = crisis_resources_for("US-CA")
    assert (california.jurisdiction_code, california.emergency) == ("US", "911")


def test_unconfirmed_lines_are_never_shown() -> None:
    wales = crisis_resources_for("GB-WLS")
    assert "C.A.L.L. Mental Health Helpline for Wales" not in [line.name for line in wales.lines]
    ireland = crisis_resources_for("IE")
    assert [line.name for line in ireland.lines] == ["Pieta"]


@pytest.mark.parametrize("code", ["FR", "", None, "XX-NOPE", "<script>"])
def test_anywhere_else_gets_the_fallback(code: str | None) -> None:
    resources = crisis_resources_for(code)
    assert resources.is_fallback
    assert resources.emergency == ""
    assert resources.lines[0].url == "https://findahelpline.com/"


def test_the_covered_list_names_the_seeded_places() -> None:
    assert set(SEEDED) <= set(covered_jurisdictions())
