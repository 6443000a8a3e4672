"""A video session in two browsers with fake cameras: the client says where she is and waits,
the practitioner sees her waiting with the jurisdiction check and lets her in, and both reach
WebRTC's "connected" over loopback (no STUN needed there), with the emergency plan on both
screens. Every page passes axe in English and Spanish and fits 320px."""

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect

from casework.accounts.models import User
from casework.testing import care, scheduling
from casework.testing.factories import ClientFactory, PractitionerFactory
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS
from tests.browser.test_phone_widths import assert_fits_phones

pytestmark = pytest.mark.browser

AssertAccessible = Callable[[Page], None]
FAKE_MEDIA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
CONNECTED_MS = 30_000


@pytest.fixture
def two_browsers(playwright: Playwright) -> Iterator[tuple[Browser, Browser]]:
    """Two Chromium instances, each with a fake camera and microphone."""
    first = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=[*CHROMIUM_ARGS, *FAKE_MEDIA]
    )
    second = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=[*CHROMIUM_ARGS, *FAKE_MEDIA]
    )
    yield first, second
    first.close()
    second.close()


def _profile(browser: Browser, site: str, person: User) -> BrowserContext:
    profile = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    profile.set_default_timeout(TIMEOUT_MS)
    profile.grant_permissions(["camera", "microphone"], origin=site)
    client = Client()
    client.force_login(person)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    profile.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": site}])
    return profile


def _check(page: Page, assert_accessible: AssertAccessible) -> None:
    assert_accessible(page)
    assert_fits_phones(page)


def _check_in_both_languages(page: Page, person: User, assert_accessible: AssertAccessible) -> None:
    """Axe and 320px on the page in English, then again in Spanish (the person's language)."""
    _check(page, assert_accessible)
    User.objects.filter(pk=person.pk).update(language="es")
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    _check(page, assert_accessible)
    User.objects.filter(pk=person.pk).update(language="en")
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")


@pytest.fixture
def at_the_session() -> Iterator[Any]:
    with time_machine.travel(scheduling.NOW, tick=True) as traveller:
        yield traveller


def test_the_client_waits_is_let_in_and_both_connect_with_the_plan_on_screen(
    at_the_session: Any,
    asgi_site: str,
    two_browsers: tuple[Browser, Browser],
    assert_accessible: AssertAccessible,
) -> None:
    robin = ClientFactory.create(alias="Robin", time_zone="Europe/London")
    amara = PractitionerFactory.create(legal_name="Amara Okafor", time_zone="Europe/London")
    _, session_type = scheduling.bookable_practitioner(practitioner=amara)
    appointment = scheduling.book(robin, session_type, scheduling.THURSDAY_9)
    care.ready_case(
        amara,
        robin,
        emergency_contact="Alex, 07700 900123",
        crisis_plan="Call Alex, then the crisis line.",
    )
    address = f"{asgi_site}/sessions/{appointment.pk}/"

    # The day before, the page says when it opens.
    hers = _profile(two_browsers[0], asgi_site, robin).new_page()
    hers.goto(address)
    expect(hers.get_by_role("heading", name="You cannot join this session now")).to_be_visible()
    _check_in_both_languages(hers, robin, assert_accessible)

    at_the_session.move_to(scheduling.THURSDAY_9 - timedelta(minutes=5))
    hers.goto(address)
    expect(hers.get_by_role("heading", level=1)).to_contain_text("Video session with")
    expect(hers.get_by_text("Nobody records this session")).to_be_visible()
    # The camera and microphone check, before joining.
    hers.get_by_role("button", name="Check camera and microphone").click()
    expect(hers.get_by_text("Your camera and microphone work.")).to_be_visible()
    _check_in_both_languages(hers, robin, assert_accessible)

    hers.get_by_label("Where are you now?").fill("England")
    hers.get_by_role("button", name="Confirm and go to the waiting room").click()
    expect(hers.get_by_role("heading", name="You are in the waiting room")).to_be_visible()
    expect(hers.locator("#emergency-plan")).to_contain_text("Call Alex, then the crisis line.")
    _check_in_both_languages(hers, robin, assert_accessible)

    # Amara's overview shows Robin waiting; her session page shows the check and the plan.
    theirs = _profile(two_browsers[1], asgi_site, amara).new_page()
    theirs.goto(f"{asgi_site}/sessions/")
    expect(theirs.locator("#waiting-list")).to_contain_text("Waiting, in England")
    _check_in_both_languages(theirs, amara, assert_accessible)
    theirs.goto(address)
    expect(theirs.get_by_role("heading", name="Robin is waiting")).to_be_visible()
    expect(theirs.locator("#jurisdiction-check")).to_contain_text("You may practise there.")
    expect(theirs.locator("#emergency-plan")).to_contain_text("Call Alex, then the crisis line.")
    _check_in_both_languages(theirs, amara, assert_accessible)
    theirs.get_by_role("button", name="Let Robin in").click()

    # Robin's waiting room moves on by itself; both calls connect.
    for page in (theirs, hers):
        expect(page.locator("#video")).to_have_attribute(
            "data-connection", "connected", timeout=CONNECTED_MS
        )
        expect(page.locator("#emergency-plan")).to_contain_text("Call Alex, then the crisis line.")
        expect(page.get_by_role("button", name="Leave the call")).to_be_visible()
    expect(
        theirs.get_by_role("heading", name="First session: confirm who the client is")
    ).to_be_visible()
    for page in (theirs, hers):
        _check(page, assert_accessible)

    # The same pages in Spanish.
    User.objects.filter(pk__in=[robin.pk, amara.pk]).update(language="es")
    for page in (theirs, hers):
        page.reload()
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.locator("#video")).to_have_attribute(
            "data-connection", "connected", timeout=CONNECTED_MS
        )
        _check(page, assert_accessible)

    # Amara records the identity check, then ends the session; Robin's page ends by itself.
    User.objects.filter(pk__in=[robin.pk, amara.pk]).update(language="en")
    theirs.reload()
    theirs.get_by_label("Photo identity document shown on camera").check()
    theirs.get_by_role("button", name="Record the identity check").click()
    expect(theirs.locator("#identity-check")).to_contain_text("Confirmed")
    theirs.get_by_label("Completed").check()
    theirs.get_by_role("button", name="End the session").click()
    for page, person in ((theirs, amara), (hers, robin)):
        expect(page.get_by_role("heading", name="This session has ended")).to_be_visible()
        _check_in_both_languages(page, person, assert_accessible)


# Chromium's statistics as a poor network gives them: a round trip of a second and a half on
# the pair in use. The page reads them every four seconds; three in a row turn video off.
POOR_NETWORK = """
window.__poorNetwork = false;
const measured = RTCPeerConnection.prototype.getStats;
RTCPeerConnection.prototype.getStats = function (...args) {
  if (!window.__poorNetwork) { return measured.apply(this, args); }
  return Promise.resolve(new Map([
    ["pair", {type: "candidate-pair", nominated: true, currentRoundTripTime: 1.5}],
  ]));
};
"""


def test_a_poor_connection_falls_back_to_sound_only_and_one_who_leaves_rejoins(
    at_the_session: Any, asgi_site: str, two_browsers: tuple[Browser, Browser]
) -> None:
    robin = ClientFactory.create(alias="Robin", time_zone="Europe/London")
    amara = PractitionerFactory.create(legal_name="Amara Okafor", time_zone="Europe/London")
    _, session_type = scheduling.bookable_practitioner(practitioner=amara)
    appointment = scheduling.book(robin, session_type, scheduling.THURSDAY_9)
    care.ready_case(amara, robin, crisis_plan="Call Alex, then the crisis line.")
    address = f"{asgi_site}/sessions/{appointment.pk}/"
    at_the_session.move_to(scheduling.THURSDAY_9 - timedelta(minutes=5))

    robins = _profile(two_browsers[0], asgi_site, robin)
    robins.add_init_script(POOR_NETWORK)
    hers = robins.new_page()
    hers.goto(address)
    hers.get_by_label("Where are you now?").fill("England")
    hers.get_by_role("button", name="Confirm and go to the waiting room").click()
    expect(hers.get_by_role("heading", name="You are in the waiting room")).to_be_visible()
    theirs = _profile(two_browsers[1], asgi_site, amara).new_page()
    theirs.goto(address)
    theirs.get_by_role("button", name="Let Robin in").click()
    for page in (theirs, hers):
        expect(page.locator("#video")).to_have_attribute(
            "data-connection", "connected", timeout=CONNECTED_MS
        )

    # Robin's network turns poor: her page turns video off and says so; the call goes on.
    sound_only = hers.get_by_role("button", name="Sound only")
    expect(sound_only).to_have_attribute("aria-pressed", "false")
    hers.evaluate("window.__poorNetwork = true")
    expect(sound_only).to_have_attribute("aria-pressed", "true", timeout=CONNECTED_MS)
    expect(hers.locator("#call-status")).to_have_text(
        "The connection is poor: video is off and the call continues with sound only."
    )
    expect(hers.locator("#video")).to_have_attribute("data-connection", "connected")
    # She may turn video back on herself.
    sound_only.click()
    expect(sound_only).to_have_attribute("aria-pressed", "false")

    # Amara leaves the call and rejoins it: both connect again.
    theirs.get_by_role("button", name="Leave the call").click()
    expect(theirs.locator("#call-status")).to_have_text("You left the call.")
    theirs.get_by_role("button", name="Rejoin the call").click()
    for page in (theirs, hers):
        expect(page.locator("#video")).to_have_attribute(
            "data-connection", "connected", timeout=CONNECTED_MS
        )
