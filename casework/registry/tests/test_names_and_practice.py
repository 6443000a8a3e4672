import pytest

from casework.registry.models import Jurisdiction, RegisterEntry, Regulator
from casework.registry.names import names_match, normalise_registration_number
from casework.registry.practice import Verdict, may_practise_for
from casework.registry.reference_data import load_reference_data


@pytest.mark.parametrize(
    ("claimed", "on_register"),
    [
        ("José-María O'Neil", "ONEIL, Jose Maria"),
        ("Maria Jose O Neil", "José-María O'Neil"),
        ("  ámara   okafor ", "Okafor Amara"),
        ("Łucja Wójcik", "LUCJA WOJCIK"),
        ("Müller-Lüdenscheidt Hans", "hans muller ludenscheidt"),
    ],
)
def test_names_match_whatever_the_case_accents_hyphens_and_order(
    claimed: str, on_register: str
) -> None:
    assert names_match(claimed, on_register)


@pytest.mark.parametrize(
    ("claimed", "on_register"),
    [("Amara Okafor", "Amara Okafo"), ("Amara Okafor", "Amara Nkechi Okafor"), ("", "")],
)
def test_different_names_do_not_match(claimed: str, on_register: str) -> None:
    assert not names_match(claimed, on_register)


def test_a_previous_name_on_the_register_matches() -> None:
    assert names_match("Ana Silva", "Ana Costa", "Ana Silva")


def test_registration_numbers_are_compared_without_spaces_or_case() -> None:
    assert normalise_registration_number(" sw 12345 ") == "SW12345"


@pytest.fixture
def reference(db: None) -> None:
    load_reference_data()


def _entry(slug: str, status: str = "registered") -> RegisterEntry:
    return RegisterEntry.objects.create(
        regulator=Regulator.objects.get(slug=slug),
        registration_number="N1",
        name="A Person",
        status=status,
    )


def test_a_registration_covers_its_own_jurisdiction(reference: None) -> None:
    entry = _entry("social-work-england")
    answer = may_practise_for([entry], Jurisdiction.objects.get(code="GB-ENG"))
    assert answer.verdict == Verdict.MAY_PRACTISE


def test_a_client_where_registration_is_mandatory_is_refused_with_the_reason(
    reference: None,
) -> None:
    entry = _entry("social-work-england")
    answer = may_practise_for([entry], Jurisdiction.objects.get(code="IE"))
    assert answer.verdict == Verdict.MAY_NOT_PRACTISE
    assert "CORU" in answer.reason or "Social Workers Registration Board" in answer.reason


def test_a_suspended_registration_covers_nowhere(reference: None) -> None:
    entry = _entry("social-work-england", status="suspended")
    answer = may_practise_for([entry], Jurisdiction.objects.get(code="GB-ENG"))
    assert answer.verdict == Verdict.MAY_NOT_PRACTISE


def test_an_operational_agreement_extends_where_one_may_practise(reference: None) -> None:
    regulator = Regulator.objects.get(jurisdiction_id="GB-SCT")
    entry = RegisterEntry.objects.create(
        regulator=regulator, registration_number="S1", name="A Person", status="registered"
    )
    answer = may_practise_for([entry], Jurisdiction.objects.get(code="GB-ENG"))
    assert answer.verdict == Verdict.MAY_PRACTISE


def test_a_place_where_social_work_is_unregulated_says_so(reference: None) -> None:
    entry = _entry("social-work-england")
    answer = may_practise_for([entry], Jurisdiction.objects.get(code="AU"))
    assert answer.verdict == Verdict.UNREGULATED


def test_jurisdictions_covering_agrees_with_may_practise_for_everywhere(reference: None) -> None:
    """The directory's "who may practise here" is the inverse of booking's check: for every
    seeded place and a practising registration with every regulator, the two must agree."""
    from casework.registry.practice import jurisdictions_covering

    entries = [
        RegisterEntry.objects.create(
            regulator=regulator,
            registration_number=f"INV{regulator.pk}",
            name="A Person",
            status="registered",
        )
        for regulator in Regulator.objects.select_related("jurisdiction")
    ]
    places = list(Jurisdiction.objects.select_related("country"))
    disagreements = []
    verdicts = set()
    for place in places:
        covering = jurisdictions_covering(place)
        unregistered = may_practise_for([], place)
        verdicts.add(unregistered.verdict)
        if (covering is None) != unregistered.allowed:
            disagreements.append(f"{place.code}: nobody registered, covering={covering}")
        for entry in entries:
            listed = covering is None or entry.regulator.jurisdiction_id in covering
            if listed != may_practise_for([entry], place).allowed:
                disagreements.append(f"{place.code}: {entry.regulator.slug} listed={listed}")
    assert not disagreements, "\n".join(disagreements[:20])
    # The seeded places exercise every kind of answer, so the agreement means something.
    assert verdicts == {Verdict.MAY_NOT_PRACTISE, Verdict.UNREGULATED, Verdict.UNKNOWN}


def test_a_place_with_unknown_regulation_is_covered_only_by_registrations_there(
    reference: None,
) -> None:
    from casework.registry.practice import jurisdictions_covering

    # No reviewed facts about France: booking refuses everyone not registered there, and no
    # seeded regulator registers there, so the directory shows nobody.
    assert jurisdictions_covering(Jurisdiction.objects.get(code="FR")) == set()
    assert jurisdictions_covering(Jurisdiction.objects.get(code="AU")) is None
    # An operational UK agreement lets each UK nation's registration count in England.
    assert {"GB-ENG", "GB-SCT", "GB-WLS", "GB-NIR"} <= (
        jurisdictions_covering(Jurisdiction.objects.get(code="GB-ENG")) or set()
    )
