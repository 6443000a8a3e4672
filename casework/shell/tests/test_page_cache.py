"""Public pages kept for visitors (``shell/page_cache.py``): served without rendering to the
next visitor, never to someone signed in, never with another visitor's CSRF token or language,
and rendered afresh on the first visit after each change that shows on them."""

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client, RequestFactory

from casework.accounts.models import User
from casework.directory.models import PractitionerProfile
from casework.directory.services import save_profile
from casework.registry.claims import withdraw_claim
from casework.registry.models import RegisterEntry, RegistrationClaim
from casework.registry.restrictions import suspend_listing
from casework.scheduling.models import PractitionerSchedule, SessionType
from casework.scheduling.services import availability
from casework.shell import page_cache
from casework.shell.page_cache import PAGE_SECONDS, TOKEN_PLACEHOLDER
from casework.testing import oversight, scheduling
from casework.testing.directory import profile_details

pytestmark = pytest.mark.django_db

SEARCH = "/find/?where=GB-ENG&language=en"
FIRST_SLOT = f'datetime="{scheduling.THURSDAY_9.isoformat()}"'
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Every token on a page: the forms' and htmx's header.
ANY_TOKEN = re.compile(r'(?<=csrfmiddlewaretoken" value=")[^"]+|(?<="X-CSRFToken": ")[^"]+')


@pytest.fixture(autouse=True)
def _at_now() -> Iterator[None]:
    with time_machine.travel(scheduling.NOW, tick=False):
        yield


@pytest.fixture
def listed() -> tuple[User, PractitionerProfile, RegisterEntry]:
    return oversight.listed_with_entry()


def visit(path: str, client: Client | None = None, language: str = "en") -> tuple[str, bool]:
    """The page a visitor gets, and whether it was kept (no template rendered for it)."""
    response = (client or Client()).get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode(), not response.templates


def profile_path(profile: PractitionerProfile) -> str:
    return f"/practitioners/{profile.slug}/"


def test_the_next_visitor_gets_the_kept_page_with_a_token_of_their_own(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
) -> None:
    for path in (
        SEARCH,
        profile_path(listed[1]),
        f"/verify/?number={listed[2].registration_number}",
    ):
        first, first_kept = visit(path)
        second, second_kept = visit(path)
        assert (first_kept, second_kept) == (False, True)
        assert TOKEN_PLACEHOLDER not in first + second
        # The same page but for the token, masked anew for each response.
        assert ANY_TOKEN.sub("", first) == ANY_TOKEN.sub("", second)
        assert TOKEN.findall(first) != TOKEN.findall(second)


def test_the_language_switch_works_on_a_kept_page_for_another_visitor(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
) -> None:
    visit(SEARCH)
    visitor = Client(enforce_csrf_checks=True)
    response = visitor.get(SEARCH)
    assert not response.templates  # the kept page
    assert "csrftoken" in response.cookies  # the visitor's own token, as on a rendered page
    token = TOKEN.findall(response.content.decode())[0]
    switched = visitor.post(
        "/language/", {"language": "es", "next": SEARCH, "csrfmiddlewaretoken": token}
    )
    assert switched.status_code == 302
    page, _kept = visit(SEARCH, visitor)
    assert '<html lang="es">' in page


def test_spanish_and_english_are_kept_apart(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
) -> None:
    path = profile_path(listed[1])
    for _round in range(2):
        english, _kept = visit(path, language="en")
        spanish, _kept = visit(path, language="es")
        assert '<html lang="en">' in english
        assert "Next free slot" in english
        assert '<html lang="es">' in spanish
        assert "Next free slot" not in spanish


def test_someone_signed_in_never_gets_a_visitors_page_nor_leaves_theirs(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
    client_person: User,
) -> None:
    path = profile_path(listed[1])
    visit(path)
    signed_in = Client()
    signed_in.force_login(client_person)
    response = signed_in.get(path)
    assert response.templates  # rendered for them
    assert "Sign out" in response.content.decode()
    page, kept = visit(path)
    assert kept
    assert "Sign out" not in page


def test_a_message_waiting_for_a_visitor_is_shown_to_them_and_never_kept(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
) -> None:
    path = profile_path(listed[1])
    visit(path)
    visitor = Client()
    # As the messages framework leaves it for the next page (after signing out, say).
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(constants.INFO, "You have signed out.")
    carrier = HttpResponse()
    storage.update(carrier)
    visitor.cookies[CookieStorage.cookie_name] = carrier.cookies[CookieStorage.cookie_name].value
    page, kept = visit(path, visitor)
    assert not kept
    assert "You have signed out." in page
    page, kept = visit(path)
    assert kept
    assert "You have signed out." not in page


def test_a_suspension_shows_on_the_next_visit(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
) -> None:
    _practitioner, profile, entry = listed
    verify = f"/verify/?number={entry.registration_number}"
    for path in (SEARCH, profile_path(profile), verify):
        visit(path)
    # No event is delivered (its commit never comes in this test): the version moved with it.
    suspend_listing(
        entry=entry, officer=oversight.officer_of(), reason="Interim order pending a hearing."
    )
    search, kept = visit(SEARCH)
    assert not kept
    assert profile_path(profile) not in search
    assert Client().get(profile_path(profile)).status_code == 404
    page, kept = visit(verify)
    assert not kept
    assert "Suspended on Casework" in page


def test_a_registration_withdrawn_shows_on_the_next_visit(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
) -> None:
    practitioner, profile, _entry = listed
    assert profile_path(profile) in visit(SEARCH)[0]
    claim = RegistrationClaim.objects.get(practitioner=practitioner, state="verified")
    withdraw_claim(claim=claim, practitioner=practitioner)
    search, kept = visit(SEARCH)
    assert not kept
    assert profile_path(profile) not in search


def test_a_booking_shows_on_the_next_visit(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
) -> None:
    practitioner, profile, _entry = listed
    for path in (SEARCH, profile_path(profile)):
        assert FIRST_SLOT in visit(path)[0]
        assert visit(path)[1]
    session_type = SessionType.objects.get(practitioner=practitioner)
    scheduling.book(scheduling.another_client(), session_type, scheduling.THURSDAY_9)
    for path in (SEARCH, profile_path(profile)):
        page, kept = visit(path)
        assert not kept
        assert FIRST_SLOT not in page


def test_an_availability_change_shows_on_the_next_visit(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
) -> None:
    practitioner, profile, _entry = listed
    path = profile_path(profile)
    assert "Video session" in visit(path)[0]
    session_type = SessionType.objects.get(practitioner=practitioner)
    availability.withdraw_session_type(practitioner=practitioner, session_type=session_type)
    page, kept = visit(path)
    assert not kept
    assert "Video session" not in page


def test_a_profile_edit_shows_on_the_next_visit(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
) -> None:
    practitioner, profile, _entry = listed
    assert "Welsh" not in visit(profile_path(profile))[0]
    save_profile(
        practitioner=practitioner,
        details=profile_details(display_name="Amara Okafor", languages=["en", "cy"]),
    )
    page, kept = visit(profile_path(profile))
    assert not kept
    assert "Welsh" in page


def test_what_no_event_announces_shows_within_the_pages_age(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
) -> None:
    practitioner, profile, _entry = listed
    path = profile_path(profile)
    assert FIRST_SLOT in visit(path)[0]
    # As time alone would move it, with nothing counting the version up.
    later = scheduling.THURSDAY_9 + timedelta(days=1)
    PractitionerSchedule.objects.filter(practitioner=practitioner).update(next_free_at=later)
    assert FIRST_SLOT in visit(path)[0]
    with time_machine.travel(scheduling.NOW + timedelta(seconds=PAGE_SECONDS + 1), tick=False):
        page, kept = visit(path)
    assert not kept
    assert f'datetime="{later.isoformat()}"' in page


def test_a_repeated_visit_is_served_from_this_process_without_asking_the_shared_cache(
    listed: tuple[User, PractitionerProfile, RegisterEntry], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = f"/verify/?number={listed[2].registration_number}"
    visit(path)
    asked: list[str] = []
    monkeypatch.setattr(cache, "get", lambda key, *args: asked.append(key))

    page, kept = visit(path)

    assert kept
    assert listed[2].name in page
    assert not [key for key in asked if key.startswith("page:")]


def test_a_near_copy_never_outlives_a_change_that_shows(
    listed: tuple[User, PractitionerProfile, RegisterEntry],
) -> None:
    practitioner, profile, _entry = listed
    path = profile_path(profile)
    visit(path)
    assert visit(path)[1]  # kept, here and in the shared cache

    save_profile(
        practitioner=practitioner,
        details=profile_details(display_name="Amara Okafor", languages=["en", "cy"]),
    )

    page, kept = visit(path)
    assert not kept
    assert "Welsh" in page


def test_near_copies_keep_to_their_size_dropping_the_least_recently_used() -> None:
    near = page_cache.NearCopies(max_bytes=100)
    near.put("a", "A", 40)
    near.put("b", "B", 40)
    assert near.get("a") == "A"  # now the most recently used
    near.put("c", "C", 40)
    assert (near.get("a"), near.get("b"), near.get("c")) == ("A", None, "C")
    near.put("huge", "H", 101)
    assert near.get("huge") is None


def test_each_caller_of_a_kept_answer_gets_its_own_copy() -> None:
    request = RequestFactory().get("/api/v1/verify", {"number": "SW1"})
    request.user = AnonymousUser()
    first = page_cache.kept_answer(request, lambda: [{"name": "Amara Okafor"}])
    first[0]["name"] = "changed by its caller"

    again = page_cache.kept_answer(request, lambda: [{"name": "never computed"}])

    assert again == [{"name": "Amara Okafor"}]
