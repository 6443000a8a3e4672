"""The demo directory: 200 fictional practitioners across the seeded regulators, loaded once."""

import pytest
from django.test import Client

from casework.demo.directory import (
    PRACTITIONER_COUNT,
    REGIONS,
    demo_cast,
    demo_directory_practitioners,
    seed_directory,
)
from casework.demo.people import seed_people
from casework.demo.registry import seed_registry
from casework.directory.models import PractitionerProfile, ProfileLanguage
from casework.directory.queries import listed_profiles
from casework.directory.vocabulary import currency_codes, language_codes
from casework.registry.models import RegisterEntry, RegistrationClaim, Regulator


def test_the_cast_uses_only_known_words_and_real_regulators(db: None) -> None:
    cast = demo_cast()
    assert len(cast) == PRACTITIONER_COUNT
    assert len({member.legal_name for member in cast}) == PRACTITIONER_COUNT
    for region in REGIONS:
        assert set(region.languages) | set(region.other_languages) <= language_codes()
        assert region.currency in currency_codes()
    assert demo_cast() == cast  # the same people on every run


@pytest.mark.django_db(transaction=True)
def test_the_demo_directory_loads_once_with_hidden_practitioners() -> None:
    seed_people()
    seed_registry()
    first = seed_directory()
    assert demo_directory_practitioners().count() == PRACTITIONER_COUNT
    # 200 demo practitioners and the registry's three; those suspended, lapsed or waiting for
    # review are hidden.
    assert first.practitioners == PRACTITIONER_COUNT + 3
    hidden = sum(member.status in ("suspended", "lapsed") for member in demo_cast())
    assert first.listed == PRACTITIONER_COUNT - hidden + 1
    # Every seeded regulator has demo practitioners, and the registry's own demo entries
    # survived the demo readings of their registers.
    assert Regulator.objects.filter(
        entries__registration_number__startswith="DEMO"
    ).distinct().count() == len(REGIONS)
    assert RegisterEntry.objects.get(registration_number="SW100003").status == "suspended"
    assert RegistrationClaim.objects.filter(state="verified").count() >= PRACTITIONER_COUNT
    counts = (PractitionerProfile.objects.count(), ProfileLanguage.objects.count())

    again = seed_directory()
    assert again == first
    assert (PractitionerProfile.objects.count(), ProfileLanguage.objects.count()) == counts
    assert listed_profiles().filter(display_name="Amara Okafor").exists()
    assert not listed_profiles().filter(display_name="Dana Hollis").exists()
    page = Client().get("/find/?where=GB-WLS&language=cy").context
    assert page["page"].paginator.count >= 1
