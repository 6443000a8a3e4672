import pytest
from django.core.management import call_command

from casework.accounts.models import User
from casework.complaints.models import Complaint
from casework.registry.credentials.models import IssuedCredential
from casework.registry.models import RegistrationClaim


@pytest.mark.django_db(transaction=True)
def test_demo_data_loads_once_and_shows_every_registry_state() -> None:
    call_command("seed_demo", verbosity=0)
    counts = (User.objects.count(), RegistrationClaim.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (User.objects.count(), RegistrationClaim.objects.count()) == counts
    states = set(RegistrationClaim.objects.values_list("state", flat=True))
    assert states == {"verified", "pending", "awaiting_proof"}
    # A name match alone verifies nobody: every verified claim records its proof.
    assert not RegistrationClaim.objects.filter(state="verified", proof_route="").exists()
    disputed = RegistrationClaim.objects.filter(
        registration_number="LCSW91234", disputed_since__isnull=False
    )
    assert sorted(disputed.values_list("state", flat=True)) == ["awaiting_proof", "verified"]
    suspended = IssuedCredential.objects.get(claim__registration_number="SW100003")
    assert suspended.suspended
    assert not suspended.revoked
    # One complaint reached a regulator, one (no verified registration) the moderators; a
    # second seeding files neither again.
    routed = sorted(Complaint.objects.values_list("to_moderators", flat=True))
    assert routed == [False, True]
