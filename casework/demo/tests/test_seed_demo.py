import pytest
from django.core.management import CommandError, call_command
from pytest_django import Settings

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


@pytest.mark.django_db
def test_production_refuses_demo_data_unless_asked_for_explicitly(settings: Settings) -> None:
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="--i-know-this-is-production"):
        call_command("seed_demo", verbosity=0)
    assert not User.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_production_trial_instance_takes_demo_data_when_asked(settings: Settings) -> None:
    settings.PRODUCTION = True
    call_command("seed_demo", "--i-know-this-is-production", verbosity=0)
    assert User.objects.filter(email__endswith="@demo.casework.localhost").exists()
