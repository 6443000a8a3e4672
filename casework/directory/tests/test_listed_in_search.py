"""The search's stored answer to "is this profile listed" (``listed_in_search``, kept by the
triggers of migration 0005) says what ``listing_condition`` says, after every kind of write
that changes a part of it, in that write's own transaction."""

import pytest
from django.db import transaction

from casework.accounts.models import Role, User
from casework.directory.models import PractitionerProfile
from casework.directory.queries import listed_profiles, searchable_profiles
from casework.directory.services import save_profile
from casework.registry.claims import claim_registration, withdraw_claim
from casework.registry.models import RegisterEntry, RegistrationClaim, Regulator
from casework.registry.restrictions import lift_suspension, set_conditions, suspend_listing
from casework.testing import oversight
from casework.testing.directory import listed_practitioner, profile_details
from casework.testing.factories import PractitionerFactory

pytestmark = pytest.mark.usefixtures("reference")


def stored_listing(profile: PractitionerProfile) -> bool:
    """Whether the search lists ``profile``, checked against the listing computed afresh for
    every profile there is."""
    stored = set(searchable_profiles().values_list("pk", flat=True))
    assert stored == set(listed_profiles().values_list("pk", flat=True))
    return profile.pk in stored


def test_a_profile_is_stored_as_listed_when_published_and_unlisted_when_withdrawn() -> None:
    profile = listed_practitioner(published=False)
    assert not stored_listing(profile)
    save_profile(practitioner=profile.practitioner, details=profile_details(published=True))
    assert stored_listing(profile)
    save_profile(practitioner=profile.practitioner, details=profile_details(published=False))
    assert not stored_listing(profile)


def test_an_update_that_unpublishes_as_erasure_does_unlists() -> None:
    profile = listed_practitioner()
    PractitionerProfile.objects.filter(pk=profile.pk).update(published=False, search_document="")
    assert not stored_listing(profile)


def test_saving_a_profile_read_before_a_suspension_does_not_list_it_again() -> None:
    profile = listed_practitioner()
    stale = PractitionerProfile.objects.get(pk=profile.pk)
    assert stale.listed_in_search
    RegisterEntry.objects.filter(claims__practitioner=profile.practitioner).update(
        status="suspended"
    )
    stale.save()  # writes the flag as it was read: recomputed all the same
    assert not stored_listing(profile)


def test_the_account_deactivated_or_its_role_changed_unlists_and_back() -> None:
    profile = listed_practitioner()
    User.objects.filter(pk=profile.practitioner_id).update(is_active=False)
    assert not stored_listing(profile)
    User.objects.filter(pk=profile.practitioner_id).update(is_active=True)
    assert stored_listing(profile)
    User.objects.filter(pk=profile.practitioner_id).update(role=Role.CLIENT, alias="Amara")
    assert not stored_listing(profile)


def _waiting_claim() -> tuple[RegistrationClaim, PractitionerProfile]:
    """A published profile whose only claim waits for review: not listed."""
    regulator = Regulator.objects.get(slug="social-work-england")
    RegisterEntry.objects.create(
        regulator=regulator, registration_number="SW1", name="Someone Else", status="registered"
    )
    person = PractitionerFactory.create(legal_name="Amara Okafor")
    claim = claim_registration(practitioner=person, regulator=regulator, registration_number="SW1")
    profile = save_profile(practitioner=person, details=profile_details())
    assert not stored_listing(profile)
    return claim, profile


def test_a_claim_verified_later_lists_and_withdrawn_unlists() -> None:
    claim, profile = _waiting_claim()
    RegistrationClaim.objects.filter(pk=claim.pk).update(state=RegistrationClaim.State.VERIFIED)
    assert stored_listing(profile)
    verified = RegistrationClaim.objects.get(pk=claim.pk)
    withdraw_claim(claim=verified, practitioner=claim.practitioner)
    assert not stored_listing(profile)


def test_a_deleted_claim_unlists() -> None:
    claim, profile = _waiting_claim()
    RegistrationClaim.objects.filter(pk=claim.pk).update(state=RegistrationClaim.State.VERIFIED)
    assert stored_listing(profile)
    RegistrationClaim.objects.filter(pk=claim.pk).delete()
    assert not stored_listing(profile)


@pytest.mark.parametrize(
    ("status", "listed"),
    [("suspended", False), ("lapsed", False), ("removed", False), ("conditions", True)],
)
def test_a_register_status_read_anew_follows(status: str, listed: bool) -> None:
    profile = listed_practitioner()
    entry = RegisterEntry.objects.get(claims__practitioner=profile.practitioner)
    entry.status = status
    entry.save(update_fields=["status"])
    assert stored_listing(profile) is listed
    entry.status = "registered"
    entry.save(update_fields=["status"])
    assert stored_listing(profile)


def test_a_regulators_suspension_here_unlists_and_its_lifting_lists_again() -> None:
    _practitioner, profile, entry = oversight.listed_with_entry()
    officer = oversight.officer_of("social-work-england")
    set_conditions(entry=entry, officer=officer, conditions="Supervised.", reason="Order.")
    assert stored_listing(profile)
    suspend_listing(entry=entry, officer=officer, reason="Interim order.")
    assert not stored_listing(profile)
    lift_suspension(entry=entry, officer=officer, reason="Hearing over.")
    assert stored_listing(profile)


def test_a_write_rolled_back_leaves_the_stored_listing_as_it_was() -> None:
    profile = listed_practitioner()
    with transaction.atomic():
        User.objects.filter(pk=profile.practitioner_id).update(is_active=False)
        assert not stored_listing(profile)
        transaction.set_rollback(True)
    assert stored_listing(profile)
