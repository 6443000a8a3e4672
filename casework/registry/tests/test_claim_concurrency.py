"""Claims on one registration sent at the same moment: each is recorded once, every one of them
ends in the dispute, and none is verified. The entry's row lock (PostgreSQL) or the write lock
SQLite takes at the start of each transaction puts them one after the other."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from casework.accounts.models import User
from casework.registry.claims import claim_registration
from casework.registry.models import RegisterEntry, RegistrationClaim, Regulator
from casework.registry.reference_data import load_reference_data
from casework.testing.concurrency import all_at_once
from casework.testing.factories import PractitionerFactory

CLAIMANTS = 8 if connection.vendor == "postgresql" else 4

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def england() -> Regulator:
    load_reference_data()
    regulator = Regulator.objects.get(slug="social-work-england")
    RegisterEntry.objects.create(
        regulator=regulator,
        registration_number="SW777777",
        name="Rosa Delgado",
        status="registered",
    )
    return regulator


def test_claims_sent_at_once_on_one_registration_all_end_in_the_dispute(
    england: Regulator,
) -> None:
    people: list[User] = [
        PractitionerFactory.create(legal_name="Rosa Delgado") for _ in range(CLAIMANTS)
    ]
    outcomes = all_at_once(
        CLAIMANTS,
        lambda i: claim_registration(
            practitioner=people[i], regulator=england, registration_number="SW777777"
        ),
    )
    assert all(isinstance(outcome, RegistrationClaim) for outcome in outcomes), outcomes
    claims = RegistrationClaim.objects.filter(registration_number="SW777777")
    assert claims.count() == CLAIMANTS
    assert not claims.filter(disputed_since__isnull=True).exists()
    assert not claims.filter(state=RegistrationClaim.State.VERIFIED).exists()


def test_one_claim_sent_twice_at_once_is_recorded_once(england: Regulator) -> None:
    person = PractitionerFactory.create(legal_name="Rosa Delgado")
    outcomes = all_at_once(
        2,
        lambda _i: claim_registration(
            practitioner=person, regulator=england, registration_number="SW777777"
        ),
    )
    claims = [outcome for outcome in outcomes if isinstance(outcome, RegistrationClaim)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, ValidationError)]
    assert (len(claims), len(refused)) == (1, 1), outcomes
    assert refused[0].messages == ["You have already claimed this registration."]
    [claim] = RegistrationClaim.objects.filter(practitioner=person)
    assert claim.disputed_since is None
