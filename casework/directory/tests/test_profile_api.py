"""/api/v1/practitioners/{id}: the profile page's content, under the page's listing rule."""

from collections.abc import Iterator

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from casework.accounts.models import User
from casework.directory.models import PractitionerProfile
from casework.registry.models import RegisterEntry
from casework.registry.restrictions import set_conditions, suspend_listing
from casework.testing import oversight, scheduling
from casework.testing.factories import ClientFactory

pytestmark = pytest.mark.django_db

CONDITIONS = "Must not work with children."


@pytest.fixture(autouse=True)
def _at_now() -> Iterator[None]:
    with time_machine.travel(scheduling.NOW, tick=False):
        yield


@pytest.fixture
def listed() -> tuple[User, PractitionerProfile, RegisterEntry]:
    return oversight.listed_with_entry()


def _api(practitioner: User) -> str:
    return f"/api/v1/practitioners/{practitioner.pk}"


def _both(browser: Client, practitioner: User, profile: PractitionerProfile) -> tuple[int, int]:
    """What the profile page and the API answer this browser."""
    page = browser.get(reverse("directory:profile", kwargs={"slug": profile.slug}))
    return page.status_code, browser.get(_api(practitioner)).status_code


def test_a_listed_profile_answers_anyone_with_the_regulators_conditions(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
) -> None:
    practitioner, profile, entry = listed
    set_conditions(
        entry=entry,
        officer=oversight.officer_of("social-work-england"),
        conditions=CONDITIONS,
        reason="Panel order.",
    )
    response = Client().get(_api(practitioner))
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["slug"], body["listed"]) == (practitioner.pk, profile.slug, True)
    (registration,) = body["registrations"]
    assert registration["conditions_on_casework"] == CONDITIONS
    assert registration["registration_number"] == entry.registration_number
    assert body["profile_url"].endswith(profile.slug + "/")
    # The page shows the same conditions.
    assert CONDITIONS in Client().get(body["profile_url"]).content.decode()


def test_a_suspended_listing_is_missing_to_all_but_its_practitioner_as_on_the_page(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
) -> None:
    practitioner, profile, entry = listed
    suspend_listing(
        entry=entry,
        officer=oversight.officer_of("social-work-england"),
        reason="Interim order pending a hearing.",
    )
    someone = Client()
    someone.force_login(ClientFactory.create())
    assert _both(Client(), practitioner, profile) == (404, 404)
    assert _both(someone, practitioner, profile) == (404, 404)
    owner = Client()
    owner.force_login(practitioner)
    assert _both(owner, practitioner, profile) == (200, 200)
    preview = owner.get(_api(practitioner)).json()
    assert preview["listed"] is False
    assert preview["registrations"][0]["suspended_on_casework"] is True


def test_an_unpublished_profile_and_an_id_that_is_no_practitioner_answer_404(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
) -> None:
    practitioner, profile, _entry = listed
    profile.published = False
    profile.save(update_fields=["published"])
    assert _both(Client(), practitioner, profile) == (404, 404)
    error = Client().get(_api(practitioner)).json()["error"]
    assert error["code"] == "not_found"
    a_client = ClientFactory.create()
    assert Client().get(_api(a_client)).status_code == 404
    assert Client().get("/api/v1/practitioners/0").status_code == 422
