"""Administrators invite officers in the admin: an address that cannot become an officer's is
refused beside the address, and nothing is sent."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from casework.accounts.models import User
from casework.oversight.models import OfficerInvitation
from casework.testing import oversight
from casework.testing.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_inviting_the_address_of_a_client_is_refused_on_the_form_and_nothing_is_sent(
    admin_person: User,
    client: Client,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    ClientFactory.create(email="taken@example.org")
    client.force_login(admin_person)
    add = reverse("admin:oversight_officerinvitation_add")
    regulator = oversight.regulator("sssc")

    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(add, {"email": "Taken@Example.org", "regulator": regulator.pk})

    assert refused.status_code == 200
    assert "not a regulator officer" in refused.content.decode()
    assert not OfficerInvitation.objects.exists()
    assert not mail.outbox


def test_an_administrator_invites_an_officer_from_the_admin(
    admin_person: User,
    client: Client,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    client.force_login(admin_person)
    add = reverse("admin:oversight_officerinvitation_add")

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            add, {"email": "New.Officer@example.org", "regulator": oversight.regulator("sssc").pk}
        )

    assert sent.status_code == 302
    invitation = OfficerInvitation.objects.get()
    assert invitation.email == "new.officer@example.org"
    assert invitation.invited_by == admin_person
    assert [message.to for message in mail.outbox] == [["new.officer@example.org"]]
