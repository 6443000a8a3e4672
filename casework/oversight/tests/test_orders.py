"""An officer's orders on a registration: suspension at once, conditions, lifting; each with a
reason, audited, explained, and followed everywhere in the same request."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from casework.accounts.models import User
from casework.directory.models import PractitionerProfile
from casework.events.models import OutboxEvent
from casework.privacy.models import AuditEvent
from casework.registry.credentials.models import IssuedCredential
from casework.registry.credentials.verification import verify_credential_jwt
from casework.registry.models import PlatformRestriction, RegisterEntry
from casework.registry.restrictions import lift_suspension, set_conditions, suspend_listing
from casework.registry.standing import in_good_standing
from casework.scheduling.models import Appointment
from casework.testing import oversight, scheduling
from casework.testing.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _at_now() -> Iterator[None]:
    with time_machine.travel(scheduling.NOW, tick=False):
        yield


@pytest.fixture
def listed() -> tuple[User, PractitionerProfile, RegisterEntry]:
    return oversight.listed_with_entry()


@pytest.fixture
def england_officer() -> User:
    return oversight.officer_of("social-work-england", legal_name="Siobhan Gallagher")


def _signed_in(user: User) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def test_suspending_a_listing_takes_it_out_of_everything_in_the_same_request(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
    england_officer: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    practitioner, profile, entry = listed
    client = ClientFactory.create()
    booked = scheduling.book(client, practitioner.session_types.get(), scheduling.THURSDAY_9)
    officer = _signed_in(england_officer)

    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post(
            reverse("oversight:suspend", kwargs={"entry_id": entry.pk}),
            {"suspend-reason": "Interim order pending a hearing."},
        )

    assert response.status_code == 302
    assert not in_good_standing(practitioner)
    # The directory: the profile is gone for the public.
    assert (
        Client().get(reverse("directory:profile", kwargs={"slug": profile.slug})).status_code == 404
    )
    assert profile.slug not in Client().get(reverse("directory:search")).content.decode()
    # Booking and enquiries refuse.
    with pytest.raises(ValidationError):
        scheduling.book(
            ClientFactory.create(),
            practitioner.session_types.get(),
            scheduling.THURSDAY_9 + timedelta(days=1),
        )
    enquirer = _signed_in(ClientFactory.create())
    start = reverse("messaging:start", kwargs={"person_id": practitioner.pk})
    assert enquirer.get(start).status_code == 404
    # The credential's status list says suspended.
    credential = IssuedCredential.objects.get(claim__entry=entry, revoked=False)
    assert credential.suspended
    assert "suspended" in verify_credential_jwt(credential.jwt).codes
    # The client of the upcoming appointment is told, as for a register change.
    assert AuditEvent.objects.filter(
        action="scheduling.client_told_standing_changed", object_id=str(booked.pk)
    ).exists()
    # Audited with the reason; the practitioner is told where to read it.
    audit = AuditEvent.objects.get(action="registry.registration_suspended")
    assert audit.reason == "Interim order pending a hearing."
    assert audit.actor_id == england_officer.pk
    assert any(practitioner.email in message.to for message in mail.outbox)
    assert Appointment.objects.filter(pk=booked.pk).exists()  # kept: the client decides


def test_the_public_verification_page_says_suspended_and_lifting_restores_everything(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
    england_officer: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    practitioner, profile, entry = listed
    page = reverse(
        "registry:verification",
        kwargs={"regulator": "social-work-england", "number": entry.registration_number},
    )
    with django_capture_on_commit_callbacks(execute=True):
        suspend_listing(entry=entry, officer=england_officer, reason="Interim order.")
    assert "Suspended on Casework by the regulator" in Client().get(page).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        lift_suspension(entry=entry, officer=england_officer, reason="Order revoked.")

    assert in_good_standing(practitioner)
    assert "Suspended on Casework" not in Client().get(page).content.decode()
    credential = IssuedCredential.objects.get(claim__entry=entry, revoked=False)
    assert not credential.suspended
    assert verify_credential_jwt(credential.jwt).ok
    assert (
        Client().get(reverse("directory:profile", kwargs={"slug": profile.slug})).status_code == 200
    )


def test_conditions_show_on_the_verification_page_and_the_profile_and_the_listing_stays(
    listed: tuple[User, PractitionerProfile, RegisterEntry], england_officer: User
) -> None:
    practitioner, profile, entry = listed
    set_conditions(
        entry=entry,
        officer=england_officer,
        conditions="Must not work with children.",
        reason="Order of the fitness to practise panel.",
    )
    verification = (
        Client()
        .get(
            reverse(
                "registry:verification",
                kwargs={"regulator": "social-work-england", "number": entry.registration_number},
            )
        )
        .content.decode()
    )
    profile_page = Client().get(reverse("directory:profile", kwargs={"slug": profile.slug}))
    assert "Must not work with children." in verification
    assert "Order of the fitness to practise panel." not in verification  # the reason is private
    assert profile_page.status_code == 200
    assert "Must not work with children." in profile_page.content.decode()
    assert in_good_standing(practitioner)


def test_an_order_needs_a_reason_and_an_officer_of_that_regulator(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
) -> None:
    _practitioner, _profile, entry = listed
    scottish_officer = oversight.officer_of("sssc")
    england_officer = oversight.officer_of("social-work-england")
    with pytest.raises(ValidationError, match="reason"):
        suspend_listing(entry=entry, officer=england_officer, reason="  ")
    with pytest.raises(ValidationError, match="officer of this regulator"):
        suspend_listing(entry=entry, officer=scottish_officer, reason="Not mine.")
    assert not PlatformRestriction.objects.exists()


def test_a_second_suspension_is_refused_with_a_reason_and_nothing_changes(
    listed: tuple[User, PractitionerProfile, RegisterEntry], england_officer: User
) -> None:
    _practitioner, _profile, entry = listed
    suspend_listing(entry=entry, officer=england_officer, reason="Interim order.")
    response = _signed_in(england_officer).post(
        reverse("oversight:suspend", kwargs={"entry_id": entry.pk}),
        {"suspend-reason": "Again."},
    )
    assert response.status_code == 400
    assert "already suspended" in response.content.decode()
    assert PlatformRestriction.objects.count() == 1


def test_an_officer_of_another_regulator_cannot_reach_the_registration(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
) -> None:
    _practitioner, _profile, entry = listed
    other = _signed_in(oversight.officer_of("sssc"))
    for name in ("registration", "suspend", "lift_suspension", "set_conditions", "lift_conditions"):
        url = reverse(f"oversight:{name}", kwargs={"entry_id": entry.pk})
        response = other.post(url, {}) if name != "registration" else other.get(url)
        assert response.status_code == 404, name
    assert not PlatformRestriction.objects.exists()


def test_a_suspension_emits_the_order_event_for_the_webhook(
    listed: tuple[User, PractitionerProfile, RegisterEntry], england_officer: User
) -> None:
    _practitioner, _profile, entry = listed
    suspend_listing(entry=entry, officer=england_officer, reason="Interim order.")
    event = OutboxEvent.objects.get(name="oversight.registration_order_changed")
    assert event.payload["change"] == "suspended"
    assert event.payload["entry_id"] == entry.pk


def test_the_practitioner_reads_each_order_and_its_reason_where_the_email_sends_them(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
    england_officer: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    practitioner, _profile, entry = listed
    with django_capture_on_commit_callbacks(execute=True):
        suspend_listing(entry=entry, officer=england_officer, reason="Interim order.")
    [email] = [message for message in mail.outbox if practitioner.email in message.to]
    page_url = reverse("registry:my_registrations")
    assert page_url in email.body
    assert "Interim order" not in email.body  # mail passes through servers that are not ours
    lift_suspension(entry=entry, officer=england_officer, reason="The panel revoked it.")
    set_conditions(
        entry=entry, officer=england_officer, conditions="No work with children.", reason="Panel."
    )

    page = _signed_in(practitioner).get(page_url).content.decode()
    assert "Interim order." in page
    assert "The panel revoked it." in page
    assert "No work with children." in page
    # Another practitioner's page says nothing of it.
    other, _other_profile = oversight.listed_practitioner()
    assert "Interim order." not in _signed_in(other).get(page_url).content.decode()
