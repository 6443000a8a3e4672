"""Practice agreements have a direction: the UK's temporary-practice allowance lets the other
nations' registrants practise in England and nobody the other way; the US Social Work
Licensure Compact is symmetric among its members only, and not yet operational."""

from itertools import count
from typing import Any

import pytest
from django.test import Client

from casework.registry.models import Jurisdiction, PracticeAgreement, RegisterEntry, Regulator
from casework.registry.practice import Verdict, jurisdictions_covering, may_practise_for
from casework.registry.reference_data import (
    ReferenceDataError,
    _read,
    agreement_sides,
    load_reference_data,
)

pytestmark = pytest.mark.django_db

UK_REGULATORS = {
    "GB-ENG": "social-work-england",
    "GB-SCT": "sssc",
    "GB-WLS": "social-care-wales",
    "GB-NIR": "niscc",
}
# Registered in the key's nation, a client in the value's nation: may they practise?
UK_PAIRS = [
    ("GB-SCT", "GB-ENG", True),
    ("GB-WLS", "GB-ENG", True),
    ("GB-NIR", "GB-ENG", True),
    ("GB-ENG", "GB-SCT", False),
    ("GB-ENG", "GB-WLS", False),
    ("GB-ENG", "GB-NIR", False),
    ("GB-SCT", "GB-WLS", False),
    ("GB-SCT", "GB-NIR", False),
    ("GB-WLS", "GB-SCT", False),
    ("GB-WLS", "GB-NIR", False),
    ("GB-NIR", "GB-SCT", False),
    ("GB-NIR", "GB-WLS", False),
]
_numbers = count(1)


@pytest.fixture
def reference(db: None) -> None:
    load_reference_data()


def registered_with(regulator: Regulator | str, status: str = "registered") -> RegisterEntry:
    if isinstance(regulator, str):
        regulator = Regulator.objects.get(slug=regulator)
    return RegisterEntry.objects.create(
        regulator=regulator,
        registration_number=f"D{next(_numbers)}",
        name="Morgan Reid",
        status=status,
    )


def place(code: str) -> Jurisdiction:
    return Jurisdiction.objects.select_related("country").get(code=code)


def test_the_twelve_ordered_pairs_of_uk_nations_cover_exactly_the_allowance() -> None:
    assert len(UK_PAIRS) == 12
    assert len({(home, client_in) for home, client_in, _ in UK_PAIRS}) == 12


@pytest.mark.parametrize(("home", "client_in", "allowed"), UK_PAIRS)
def test_uk_registrants_may_practise_in_another_nation_only_under_the_english_allowance(
    reference: None, home: str, client_in: str, allowed: bool
) -> None:
    entry = registered_with(UK_REGULATORS[home])
    answer = may_practise_for([entry], place(client_in))
    assert answer.allowed is allowed, answer.reason
    if allowed:
        assert answer.verdict == Verdict.MAY_PRACTISE
        assert "Temporary practice in England" in answer.reason
    else:
        # The client's own nation requires registration there, and names its regulator.
        assert answer.verdict == Verdict.MAY_NOT_PRACTISE
        assert str(Regulator.objects.get(slug=UK_REGULATORS[client_in])) in answer.reason
    # The directory's filter answers the same for the same pair.
    assert (
        Regulator.objects.get(slug=UK_REGULATORS[home]).jurisdiction_id
        in (jurisdictions_covering(place(client_in)) or set())
    ) is allowed


@pytest.mark.parametrize("nation", sorted(UK_REGULATORS))
def test_each_uk_nations_own_registration_covers_it(reference: None, nation: str) -> None:
    entry = registered_with(UK_REGULATORS[nation])
    assert may_practise_for([entry], place(nation)).verdict == Verdict.MAY_PRACTISE


def test_the_directory_finds_only_scottish_registrants_for_a_client_in_scotland(
    reference: None,
) -> None:
    assert jurisdictions_covering(place("GB-SCT")) == {"GB-SCT"}
    assert jurisdictions_covering(place("GB-WLS")) == {"GB-WLS"}
    assert jurisdictions_covering(place("GB-NIR")) == {"GB-NIR"}
    assert jurisdictions_covering(place("GB-ENG")) == set(UK_REGULATORS)


def test_a_suspended_scottish_registration_does_not_travel_to_england(reference: None) -> None:
    entry = registered_with("sssc", status="suspended")
    assert may_practise_for([entry], place("GB-ENG")).verdict == Verdict.MAY_NOT_PRACTISE


def test_the_shipped_agreements_carry_their_reviewed_direction(reference: None) -> None:
    agreements = {
        agreement.slug: agreement
        for agreement in PracticeAgreement.objects.prefetch_related(
            "registrants_of", "practise_in", "members"
        )
    }

    def codes(related: Any) -> set[str]:
        return {jurisdiction.code for jurisdiction in related.all()}

    uk = agreements["uk-temporary-practice-in-england"]
    assert (uk.direction, uk.operational) == (PracticeAgreement.Direction.ONE_WAY, True)
    assert codes(uk.registrants_of) == {"GB-SCT", "GB-WLS", "GB-NIR"}
    assert codes(uk.practise_in) == {"GB-ENG"}
    compact = agreements["us-social-work-licensure-compact"]
    assert compact.direction == PracticeAgreement.Direction.MUTUAL
    assert codes(compact.registrants_of) == codes(compact.practise_in) == codes(compact.members)
    assert not compact.operational  # no multistate licence issued yet (swcompact.org)
    separate = agreements["uk-separate-national-registration"]
    assert separate.direction == PracticeAgreement.Direction.NONE
    assert not codes(separate.registrants_of)
    assert not codes(separate.practise_in)
    bc = agreements["ca-bc-temporary-registration"]
    assert (bc.direction, codes(bc.registrants_of), codes(bc.practise_in)) == (
        PracticeAgreement.Direction.ONE_WAY,
        {"CA", "US"},
        {"CA-BC"},
    )
    # Every agreement keeps its source.
    assert all(agreement.source.startswith("https://") for agreement in agreements.values())


# The US Social Work Licensure Compact


@pytest.fixture
def compact_states(reference: None) -> dict[str, Regulator]:
    """Licensing boards of two member states and of a state that has not joined, as a
    deployment that reads those registers would have them (the shipped data has none yet)."""
    boards = {}
    for code in ("US-KS", "US-NE", "US-OR"):
        jurisdiction = place(code)
        boards[code] = Regulator.objects.create(
            slug=f"test-{code.lower()}",
            name=f"{jurisdiction.name} Board of Social Work",
            short_name=code,
            jurisdiction=jurisdiction,
            website=f"https://{code.lower()}.example/",
            register_url=f"https://{code.lower()}.example/register",
            registration_mandatory=True,
        )
    return boards


def operate_the_compact() -> None:
    """What the data file will say once multistate licences are issued."""
    PracticeAgreement.objects.filter(slug="us-social-work-licensure-compact").update(
        operational=True
    )


def test_the_compact_lets_no_one_cross_a_state_line_while_it_is_not_operational(
    compact_states: dict[str, Regulator],
) -> None:
    kansas = registered_with(compact_states["US-KS"])
    answer = may_practise_for([kansas], place("US-NE"))
    assert answer.verdict == Verdict.MAY_NOT_PRACTISE
    assert "Nebraska Board of Social Work" in answer.reason
    assert jurisdictions_covering(place("US-NE")) == {"US-NE"}


def test_an_operational_compact_is_symmetric_among_its_members(
    compact_states: dict[str, Regulator],
) -> None:
    operate_the_compact()
    kansas = registered_with(compact_states["US-KS"])
    nebraska = registered_with(compact_states["US-NE"])
    assert may_practise_for([kansas], place("US-NE")).verdict == Verdict.MAY_PRACTISE
    assert may_practise_for([nebraska], place("US-KS")).verdict == Verdict.MAY_PRACTISE
    assert {"US-KS", "US-NE"} <= (jurisdictions_covering(place("US-NE")) or set())


def test_an_operational_compact_does_nothing_outside_its_members(
    compact_states: dict[str, Regulator],
) -> None:
    operate_the_compact()
    kansas = registered_with(compact_states["US-KS"])
    oregon = registered_with(compact_states["US-OR"])
    california = registered_with("us-ca-bbs")
    assert may_practise_for([kansas], place("US-OR")).verdict == Verdict.MAY_NOT_PRACTISE
    assert may_practise_for([kansas], place("US-CA")).verdict == Verdict.MAY_NOT_PRACTISE
    assert may_practise_for([oregon], place("US-KS")).verdict == Verdict.MAY_NOT_PRACTISE
    assert may_practise_for([california], place("US-KS")).verdict == Verdict.MAY_NOT_PRACTISE
    assert jurisdictions_covering(place("US-OR")) == {"US-OR"}
    assert "US-CA" not in (jurisdictions_covering(place("US-KS")) or set())


def test_a_registration_route_elsewhere_lets_no_one_practise_there_on_their_own_register(
    reference: None,
) -> None:
    """BC's temporary registration is a registration with BCCSW, read from its register."""
    california = registered_with("us-ca-bbs")
    ontario = registered_with("ca-on-ocswssw")
    assert may_practise_for([california], place("CA-BC")).verdict == Verdict.MAY_NOT_PRACTISE
    assert may_practise_for([ontario], place("CA-BC")).verdict == Verdict.MAY_NOT_PRACTISE
    assert jurisdictions_covering(place("CA-BC")) == {"CA-BC"}


def test_an_operational_one_way_agreement_counts_subdivisions_of_its_registrants_side(
    reference: None,
) -> None:
    PracticeAgreement.objects.filter(slug="ca-bc-temporary-registration").update(operational=True)
    california = registered_with("us-ca-bbs")
    british_columbia = registered_with("ca-bc-bccsw")
    assert may_practise_for([california], place("CA-BC")).verdict == Verdict.MAY_PRACTISE
    # One way: a BC registration gains nothing in California.
    assert may_practise_for([british_columbia], place("US-CA")).verdict == (
        Verdict.MAY_NOT_PRACTISE
    )
    assert {"CA-BC", "CA-ON", "US-CA"} <= (jurisdictions_covering(place("CA-BC")) or set())
    assert "CA-BC" not in (jurisdictions_covering(place("US-CA")) or set())


# The data file


def _shipped(slug: str) -> dict[str, Any]:
    return next(
        item for item in _read("practice_agreements.toml")["agreement"] if item["slug"] == slug
    )


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"direction": ""}, "direction must be one of"),
        ({"direction": "both"}, "direction must be one of"),
        ({"practise_in": []}, "names registrants_of and practise_in"),
        ({"registrants_of": ["GB-SCT", "FR"]}, "among its members"),
        ({"direction": "mutual"}, "lists its members only"),
        ({"direction": "none"}, "not operational"),
    ],
)
def test_the_loader_refuses_an_agreement_whose_direction_does_not_fit(
    change: dict[str, Any], complaint: str
) -> None:
    item = {**_shipped("uk-temporary-practice-in-england"), **change}
    with pytest.raises(ReferenceDataError, match=complaint):
        agreement_sides(item)


def test_an_agreement_missing_its_direction_is_never_loaded_both_ways() -> None:
    item = dict(_shipped("uk-temporary-practice-in-england"))
    del item["direction"]
    with pytest.raises(ReferenceDataError):
        agreement_sides(item)


# The API and the verification page ask the same question


def test_the_api_says_an_england_only_registrant_may_not_practise_in_scotland(
    reference: None, client: Client
) -> None:
    entry = registered_with("social-work-england")
    answers = {}
    for code in UK_REGULATORS:
        response = client.get(
            "/api/v1/verify", {"number": entry.registration_number, "where": code}
        )
        assert response.status_code == 200, response.content
        answers[code] = response.json()[0]["practice"]["verdict"]
    assert answers == {
        "GB-ENG": "may_practise",
        "GB-SCT": "may_not_practise",
        "GB-WLS": "may_not_practise",
        "GB-NIR": "may_not_practise",
    }


def test_the_verification_page_says_a_welsh_registrant_may_work_with_a_client_in_england(
    reference: None, client: Client
) -> None:
    entry = registered_with("social-care-wales")
    url = f"/verify/social-care-wales/{entry.registration_number}/"
    england = client.get(url, {"where": "GB-ENG"}).content.decode()
    assert "also covers clients in England" in england
    scotland = client.get(url, {"where": "GB-SCT"}).content.decode()
    assert "registration with Scottish Social Services Council is required" in scotland
