"""The shipped reference data loads in a few statements, again without changing anything, and
puts back what was changed by hand; a regulator of a place that does not exist stops the load
before anything is written."""

from typing import Any

import pytest

from casework.registry import reference_data
from casework.registry.models import Jurisdiction, PracticeAgreement, Regulator
from casework.registry.reference_data import ReferenceDataError, load_reference_data

pytestmark = pytest.mark.django_db


def loaded() -> dict[str, Any]:
    """Everything the loader writes, with the ids it gave."""
    return {
        "jurisdictions": sorted(
            Jurisdiction.objects.values_list(
                "code",
                "name",
                "country_id",
                "social_work_regulated",
                "regulation_note",
                "regulation_source",
                "regulation_confirmed",
            )
        ),
        "regulators": sorted(
            Regulator.objects.values_list(
                "id",
                "slug",
                "name",
                "short_name",
                "label",
                "jurisdiction_id",
                "registration_mandatory",
                "protected_titles",
                "status_words",
            )
        ),
        "agreements": sorted(
            (
                agreement.id,
                agreement.slug,
                agreement.direction,
                agreement.operational,
                sorted(agreement.members.values_list("code", flat=True)),
                sorted(agreement.registrants_of.values_list("code", flat=True)),
                sorted(agreement.practise_in.values_list("code", flat=True)),
            )
            for agreement in PracticeAgreement.objects.all()
        ),
    }


def test_the_shipped_data_loads_in_a_few_statements(
    django_assert_max_num_queries: Any,
) -> None:
    # Before, three statements per regulator and per agreement's side: over a hundred. Now 20,
    # the transaction's savepoints included.
    with django_assert_max_num_queries(20):
        report = load_reference_data()
    assert report.regulators == Regulator.objects.count() > 10
    assert report.agreements == PracticeAgreement.objects.count() > 3
    assert report.jurisdictions == Jurisdiction.objects.count() > 300
    temporary = PracticeAgreement.objects.get(slug="uk-temporary-practice-in-england")
    assert set(temporary.practise_in.values_list("code", flat=True)) == {"GB-ENG"}
    assert set(temporary.registrants_of.values_list("code", flat=True)) == {
        "GB-SCT",
        "GB-WLS",
        "GB-NIR",
    }
    assert Jurisdiction.objects.get(code="GB-WLS").name == "Wales"
    assert Jurisdiction.objects.get(code="GB-WLS").country_id == "GB"
    assert Jurisdiction.objects.get(code="GB-ENG").social_work_regulated is True


def test_loading_again_changes_nothing() -> None:
    load_reference_data()
    first = loaded()
    load_reference_data()
    assert loaded() == first


def test_loading_again_puts_back_what_was_changed_by_hand() -> None:
    load_reference_data()
    shipped = loaded()
    temporary = PracticeAgreement.objects.get(slug="uk-temporary-practice-in-england")
    temporary.practise_in.add(Jurisdiction.objects.get(code="GB-SCT"))
    temporary.registrants_of.remove(Jurisdiction.objects.get(code="GB-WLS"))
    temporary.members.clear()
    PracticeAgreement.objects.filter(pk=temporary.pk).update(operational=False)
    Regulator.objects.filter(slug="social-work-england").update(
        name="Renamed", label="", jurisdiction_id="GB-SCT"
    )
    Jurisdiction.objects.filter(code="GB-WLS").update(name="Cymru", social_work_regulated=None)
    # An agreement entered by hand, not in the shipped data, is the loader's to leave alone.
    by_hand = PracticeAgreement.objects.create(
        slug="by-hand",
        name="By hand",
        kind="memorandum",
        operational=False,
        source="https://example.org/",
    )
    by_hand.members.add(Jurisdiction.objects.get(code="FR"))

    load_reference_data()

    now = loaded()
    assert [row for row in now["agreements"] if row[1] == "by-hand"] == [
        (by_hand.id, "by-hand", "none", False, ["FR"], [], [])
    ]
    now["agreements"] = [row for row in now["agreements"] if row[1] != "by-hand"]
    assert now == shipped


def test_a_regulator_of_no_known_place_stops_the_load_before_anything_is_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shipped = reference_data._read

    def with_a_stray_regulator(name: str) -> dict[str, Any]:
        data = shipped(name)
        if name == "regulators.toml":
            stray = {**data["regulator"][0], "slug": "nowhere", "jurisdiction": "XX-NOPE"}
            data["regulator"].append(stray)
        return data

    monkeypatch.setattr(reference_data, "_read", with_a_stray_regulator)
    with pytest.raises(ReferenceDataError, match="nowhere: no jurisdiction 'XX-NOPE'"):
        load_reference_data()
    assert not Jurisdiction.objects.exists()
    assert not Regulator.objects.exists()
