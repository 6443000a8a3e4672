"""The registered name is always shown; a display name without the registered family name
(say, one copied from another practitioner) shows only once a reviewer approves it."""

import pytest
from django.test import Client
from django.urls import reverse

from casework.accounts.models import User
from casework.directory.display_names import carries_family_name, family_name
from casework.directory.models import PractitionerProfile
from casework.directory.services import save_profile
from casework.privacy.models import AuditEvent
from casework.registry.models import RegisterEntry, Regulator, RegulatorOfficer
from casework.testing.directory import listed_practitioner, profile_details

pytestmark = pytest.mark.usefixtures("reference")


@pytest.mark.parametrize(
    ("register_name", "display_name", "carries"),
    [
        ("OKAFOR, Amara", "Amara Okafor", True),
        ("OKAFOR, Amara", "Dr Amara Okafor-Eze", True),
        ("Siobhán Ní Bhriain", "Siobhan Ni Bhriain", True),
        ("Anna van der Berg", "Anna van der Berg", True),
        ("Anna van der Berg", "Anna Berg", False),
        ("OKAFOR, Amara", "Jonas Berg", False),
        ("Rosa Delgado", "Rosa", False),
    ],
)
def test_a_display_name_carries_the_registered_family_name_or_not(
    register_name: str, display_name: str, carries: bool
) -> None:
    assert family_name(register_name)
    assert carries_family_name(display_name, [register_name]) is carries


def test_the_card_and_the_profile_show_the_name_as_the_register_holds_it() -> None:
    profile = listed_practitioner(legal_name="Amara Okafor", display_name="Amara Okafor")
    RegisterEntry.objects.filter(claims__practitioner=profile.practitioner).update(
        name="OKAFOR, Amara"
    )
    card = Client().get("/find/").text
    assert "Amara Okafor" in card
    assert "On the register as OKAFOR, Amara" in card
    page = Client().get(f"/practitioners/{profile.slug}/").text
    assert "On the register as OKAFOR, Amara" in page
    assert "Name on the register" in page


def test_a_display_name_copied_from_another_practitioner_is_not_shown_until_reviewed(
    officer: User,
) -> None:
    listed_practitioner(legal_name="Jonas Berg", display_name="Jonas Berg")
    copier = listed_practitioner(legal_name="Amara Okafor", display_name="Amara Okafor")
    copier = save_profile(
        practitioner=copier.practitioner, details=profile_details(display_name="Jonas Berg")
    )
    assert copier.display_name_review_since is not None
    cards = Client().get("/find/").text
    # The real Jonas's card: his name, his register name and "Write to Jonas Berg".
    assert cards.count("Jonas Berg") == 3
    assert "Amara Okafor" in cards  # the copier's card shows their registered name alone
    page = Client().get(f"/practitioners/{copier.slug}/").text
    assert "<h1>Amara Okafor</h1>" in page
    # The copier's regulator's officer sees it in their list, refuses it, and it stays hidden.
    regulator = Regulator.objects.get(slug="social-work-england")
    RegulatorOfficer.objects.create(officer=officer, regulator=regulator)
    reviewer = Client()
    reviewer.force_login(officer)
    assert "Jonas Berg" in reviewer.get(reverse("directory:display_name_reviews")).text
    decided = reviewer.post(
        reverse("directory:review_display_name", args=[copier.pk]),
        {"decision": "refuse", "reason": "This is another practitioner's name."},
    )
    assert decided.status_code == 302
    copier.refresh_from_db()
    assert copier.display_name_review_since is None
    assert "<h1>Amara Okafor</h1>" in Client().get(f"/practitioners/{copier.slug}/").text
    event = AuditEvent.objects.get(action="directory.display_name_refused")
    assert event.reason == "This is another practitioner's name."


def test_an_approved_display_name_shows_beside_the_registered_name(
    admin_person: User,
) -> None:
    profile = listed_practitioner(legal_name="Amara Okafor", display_name="Amara Eze")
    assert profile.display_name_review_since is not None
    reviewer = Client()
    reviewer.force_login(admin_person)
    reviewer.post(
        reverse("directory:review_display_name", args=[profile.pk]),
        {"decision": "approve", "reason": "Her name before marriage, shown on her certificate."},
    )
    page = Client().get(f"/practitioners/{profile.slug}/").text
    assert "<h1>Amara Eze</h1>" in page
    assert "On the register as Amara Okafor" in page
    # A new display name waits again.
    save_profile(practitioner=profile.practitioner, details=profile_details(display_name="A. E."))
    assert "<h1>Amara Okafor</h1>" in Client().get(f"/practitioners/{profile.slug}/").text


def test_officers_of_other_regulators_do_not_see_the_display_name(officer: User) -> None:
    profile = listed_practitioner(legal_name="Amara Okafor", display_name="Someone Else")
    RegulatorOfficer.objects.create(officer=officer, regulator=Regulator.objects.get(slug="sssc"))
    reviewer = Client()
    reviewer.force_login(officer)
    assert "Someone Else" not in reviewer.get(reverse("directory:display_name_reviews")).text
    url = reverse("directory:review_display_name", args=[profile.pk])
    assert reviewer.get(url).status_code == 404


def test_a_reason_is_needed_and_a_settled_name_cannot_be_decided_again(
    admin_person: User,
) -> None:
    profile = listed_practitioner(legal_name="Amara Okafor", display_name="Amara Okafor")
    assert profile.display_name_review_since is None
    reviewer = Client()
    reviewer.force_login(admin_person)
    url = reverse("directory:review_display_name", args=[profile.pk])
    assert reviewer.get(url).status_code == 404
    waiting = listed_practitioner(legal_name="Jonas Berg", display_name="J. Nobody")
    blank = reviewer.post(
        reverse("directory:review_display_name", args=[waiting.pk]),
        {"decision": "approve", "reason": " "},
    )
    assert blank.status_code == 200
    assert PractitionerProfile.objects.get(pk=waiting.pk).approved_display_name is None
