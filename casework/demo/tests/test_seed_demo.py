import pytest
from django.core.management import call_command

from casework.accounts.models import User
from casework.registry.credentials.models import IssuedCredential
from casework.registry.models import RegistrationClaim


@pytest.mark.django_db(transaction=True)
def test_demo_data_loads_once_and_shows_every_registry_state() -> None:
    call_command("seed_demo", verbosity=0)
    counts = (User.objects.count(), RegistrationClaim.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (User.objects.count(), RegistrationClaim.objects.count()) == counts
    states = set(RegistrationClaim.objects.values_list("state", flat=True))
    assert states == {"verified", "pending"}
    suspended = IssuedCredential.objects.get(claim__registration_number="SW100003")
    assert suspended.suspended
    assert not suspended.revoked
