"""Every public surface of a practitioner's standing shows, and acts on, a regulator's orders on
Casework: the badge (SVG and JSON), the verification page and its search, the verification
API, the profile and its API, the directory and its place filter, booking and enquiries."""

from collections.abc import Iterator

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from casework.accounts.models import User
from casework.directory.models import PractitionerProfile
from casework.messaging import services as messaging
from casework.registry.models import RegisterEntry, Regulator
from casework.registry.restrictions import lift_suspension, set_conditions, suspend_listing
from casework.shell.page_cache import renew_public_pages
from casework.testing import oversight, scheduling
from casework.testing.factories import ClientFactory
from casework.testing.registry import verified_claim

pytestmark = pytest.mark.django_db

CONDITIONS = "Must not work with children."


@pytest.fixture(autouse=True)
def _at_now() -> Iterator[None]:
    with time_machine.travel(scheduling.NOW, tick=False):
        yield


@pytest.fixture
def listed() -> tuple[User, PractitionerProfile, RegisterEntry]:
    return oversight.listed_with_entry()


@pytest.fixture
def officer() -> User:
    return oversight.officer_of("social-work-england")


def _suspend(entry: RegisterEntry, officer: User) -> None:
    suspend_listing(entry=entry, officer=officer, reason="Interim order pending a hearing.")


def _conditions(entry: RegisterEntry, officer: User) -> None:
    set_conditions(entry=entry, officer=officer, conditions=CONDITIONS, reason="Panel order.")


def _urls(entry: RegisterEntry) -> dict[str, str]:
    args = {"regulator": "social-work-england", "number": entry.registration_number}
    return {
        name: reverse(f"registry:{name}", kwargs=args)
        for name in ("verification", "badge", "badge_json")
    }


def _also_in_scotland(practitioner: User) -> RegisterEntry:
    sssc = Regulator.objects.get(slug="sssc")
    entry = RegisterEntry.objects.create(
        regulator=sssc,
        registration_number="SC900001",
        name=practitioner.legal_name,
        status="registered",
    )
    verified_claim(practitioner=practitioner, regulator=sssc, registration_number="SC900001")
    return entry


# --- The badge ---------------------------------------------------------------------------------


def test_the_badge_says_suspended_on_casework_while_the_register_says_registered(
    listed: tuple[User, PractitionerProfile, RegisterEntry], officer: User
) -> None:
    _practitioner, _profile, entry = listed
    urls = _urls(entry)
    assert "Casework: registration verified" in Client().get(urls["badge"]).content.decode()
    _suspend(entry, officer)

    svg = Client().get(urls["badge"]).content.decode()
    assert "Suspended on Casework: do not book" in svg
    assert "registration verified" not in svg
    assert "#a4161a" in svg  # the colour of a suspension
    badge = Client().get(urls["badge_json"]).json()
    assert badge["message"] == "Suspended on Casework: do not book"
    assert badge["suspended_on_casework"] is True
    assert badge["practising"] is False
    assert badge["register_status"] == "registered"

    lift_suspension(entry=entry, officer=officer, reason="Order revoked.")
    assert "Casework: registration verified" in Client().get(urls["badge"]).content.decode()


def test_the_badge_says_conditions_set_on_casework(
    listed: tuple[User, PractitionerProfile, RegisterEntry], officer: User
) -> None:
    _practitioner, _profile, entry = listed
    _conditions(entry, officer)
    urls = _urls(entry)
    assert "Registered with conditions: see them" in Client().get(urls["badge"]).content.decode()
    badge = Client().get(urls["badge_json"]).json()
    assert badge["message"] == "Registered with conditions: see them"
    assert badge["conditions_on_casework"] == CONDITIONS
    assert badge["practising"] is True
    assert badge["schemaVersion"] == 1


def test_the_badge_json_of_an_unknown_number_answers_404_saying_so(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
) -> None:
    response = Client().get(
        reverse("registry:badge_json", kwargs={"regulator": "social-work-england", "number": "NO"})
    )
    assert response.status_code == 404
    assert response.json()["message"] == "Not on the register"


# --- The verification page, its search and the API ------------------------------------------


def test_the_verification_page_leads_with_the_suspension_and_answers_no_for_any_place(
    listed: tuple[User, PractitionerProfile, RegisterEntry], officer: User
) -> None:
    _practitioner, _profile, entry = listed
    _suspend(entry, officer)
    page = Client().get(_urls(entry)["verification"], {"where": "GB-ENG"})
    text = page.content.decode()
    assert page.context["status_label"] == "Suspended on Casework"
    assert "On the register: Registered" in text
    assert "Suspended on Casework: the regulator has suspended this person" in text
    assert page.context["practice"].verdict == "may_not_practise"
    assert "listing on Casework" in page.context["practice"].reason
    assert "Interim order" not in text  # the reason is the practitioner's, not the public's


def test_the_verification_search_shows_the_suspension_and_conditions(
    listed: tuple[User, PractitionerProfile, RegisterEntry], officer: User
) -> None:
    _practitioner, _profile, entry = listed
    search = reverse("registry:verify")
    query = {"regulator": "social-work-england", "number": entry.registration_number}
    _conditions(entry, officer)
    assert "Conditions set by the regulator on Casework" in (
        Client().get(search, query).content.decode()
    )
    _suspend(entry, officer)
    assert "Suspended on Casework" in Client().get(search, query).content.decode()


def test_the_verification_api_says_suspended_on_casework_and_not_practising(
    listed: tuple[User, PractitionerProfile, RegisterEntry], officer: User
) -> None:
    _practitioner, _profile, entry = listed
    _conditions(entry, officer)
    _suspend(entry, officer)
    [found] = (
        Client()
        .get("/api/v1/verify", {"number": entry.registration_number, "where": "GB-ENG"})
        .json()
    )
    assert found["status"] == "registered"  # the register's word, unchanged
    assert found["suspended_on_casework"] is True
    assert found["practising"] is False
    assert found["conditions_on_casework"] == CONDITIONS
    assert found["status_meaning"].startswith("Suspended on Casework")
    assert found["practice"]["verdict"] == "may_not_practise"


def test_the_verification_api_costs_the_same_queries_with_orders_on_every_entry(
    listed: tuple[User, PractitionerProfile, RegisterEntry], officer: User
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _practitioner, _profile, entry = listed
    client = Client()
    client.get("/api/v1/verify", {"name": "Amara Okafor"})
    # Both counts are of an answer computed, not kept (shell/page_cache.py): the orders below
    # renew the kept answers as they are made.
    renew_public_pages()
    with CaptureQueriesContext(connection) as before:
        client.get("/api/v1/verify", {"name": "Amara Okafor"})
    _conditions(entry, officer)
    _suspend(entry, officer)
    with CaptureQueriesContext(connection) as after:
        client.get("/api/v1/verify", {"name": "Amara Okafor"})
    # The orders are read in the entries' own query.
    assert len(after) == len(before)


# --- The profile, the directory and their API -------------------------------------------------


def test_a_registration_suspended_here_shows_on_the_profile_and_leaves_the_place_filter(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
) -> None:
    practitioner, profile, _entry = listed
    scottish = _also_in_scotland(practitioner)
    # England's registration keeps her listed; Scotland's alone covers clients in Scotland
    # (English registrants may not practise there).
    in_scotland = Client().get(reverse("directory:search"), {"where": "GB-SCT"}).content.decode()
    assert profile.slug in in_scotland
    _suspend(scottish, oversight.officer_of("sssc"))

    page = Client().get(reverse("directory:profile", kwargs={"slug": profile.slug}))
    assert page.status_code == 200
    assert "Suspended on Casework" in page.content.decode()
    registrations = {r.regulator_slug: r for r in page.context["summary"].registrations}
    assert registrations["sssc"].suspended_on_platform
    assert not registrations["sssc"].practising
    assert registrations["social-work-england"].practising
    in_scotland = Client().get(reverse("directory:search"), {"where": "GB-SCT"}).content.decode()
    assert profile.slug not in in_scotland
    in_england = Client().get(reverse("directory:search"), {"where": "GB-ENG"}).content.decode()
    assert profile.slug in in_england
    # The API says the same.
    [found] = Client().get("/api/v1/practitioners", {"where": "GB-ENG"}).json()["results"]
    scotland = next(r for r in found["registrations"] if r["regulator"] == "sssc")
    assert scotland["suspended_on_casework"] is True
    assert scotland["practising"] is False
    assert Client().get("/api/v1/practitioners", {"where": "GB-SCT"}).json()["results"] == []


def test_the_owner_is_told_the_regulator_suspended_the_listing(
    listed: tuple[User, PractitionerProfile, RegisterEntry], officer: User
) -> None:
    practitioner, profile, entry = listed
    _suspend(entry, officer)
    owner = Client()
    owner.force_login(practitioner)
    text = owner.get(reverse("directory:profile", kwargs={"slug": profile.slug})).content.decode()
    assert "Your regulator has suspended your listing on Casework" in text


def test_conditions_show_on_the_directory_card_and_in_the_profile_api(
    listed: tuple[User, PractitionerProfile, RegisterEntry], officer: User
) -> None:
    _practitioner, profile, entry = listed
    _conditions(entry, officer)
    cards = Client().get(reverse("directory:search")).content.decode()
    assert "with conditions: see the profile" in cards
    [found] = Client().get("/api/v1/practitioners").json()["results"]
    assert found["registrations"][0]["conditions_on_casework"] == CONDITIONS
    assert found["slug"] == profile.slug


# --- Booking and enquiries ---------------------------------------------------------------------


def test_the_booking_page_and_the_enquiry_page_show_the_conditions(
    listed: tuple[User, PractitionerProfile, RegisterEntry], officer: User
) -> None:
    practitioner, _profile, entry = listed
    _conditions(entry, officer)
    booking = Client().get(
        reverse("scheduling:practitioner_times", kwargs={"practitioner_id": practitioner.pk})
    )
    assert CONDITIONS in booking.content.decode()
    client = Client()
    client.force_login(ClientFactory.create())
    start = client.get(reverse("messaging:start", kwargs={"person_id": practitioner.pk}))
    assert start.status_code == 200
    assert CONDITIONS in start.content.decode()


def test_the_booking_page_takes_no_booking_while_suspended(
    listed: tuple[User, PractitionerProfile, RegisterEntry], officer: User
) -> None:
    practitioner, _profile, entry = listed
    _suspend(entry, officer)
    booking = Client().get(
        reverse("scheduling:practitioner_times", kwargs={"practitioner_id": practitioner.pk})
    )
    assert booking.context["panel"].takes_bookings is False
    assert booking.context["panel"].days == []


def test_the_enquiry_service_refuses_a_suspended_practitioner_whoever_calls_it(
    listed: tuple[User, PractitionerProfile, RegisterEntry], officer: User
) -> None:
    practitioner, _profile, entry = listed
    client_person = ClientFactory.create()
    assert messaging.takes_enquiries(practitioner)
    _suspend(entry, officer)

    assert not messaging.takes_enquiries(practitioner)
    with pytest.raises(ValidationError) as refused:
        messaging.start_enquiry(
            client=client_person,
            practitioner=practitioner,
            client_jurisdiction=None,
            body="Can you help me?",
        )
    assert refused.value.code == "not_in_good_standing"
    # The page follows the same rule: the start page is missing, as the profile is.
    browser = Client()
    browser.force_login(client_person)
    start = reverse("messaging:start", kwargs={"person_id": practitioner.pk})
    assert browser.get(start).status_code == 404
    assert browser.post(start, {"body": "Can you help me?"}).status_code == 404

    lift_suspension(entry=entry, officer=officer, reason="Order revoked.")
    assert messaging.takes_enquiries(practitioner)
