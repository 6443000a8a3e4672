"""A video session in two browsers with fake cameras: the client says where she is and waits,
the practitioner sees her waiting with the jurisdiction check and lets her in, and both reach
WebRTC's "connected" over loopback (no STUN needed there), with the emergency plan on both
screens, and a message written in the chat beside the call reaches the other side live. Every
page passes axe in English and Spanish and fits 320px."""

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


def _say_in_the_chat(page: Page, text: str) -> None:
    """Write in the chat beside the call with the keyboard alone, and send."""
    chat = page.get_by_role("region", name="Chat")
    expect(chat.get_by_role("log", name="Messages")).to_be_visible()
    chat.get_by_label("Your message").fill(text)
    chat.get_by_label("Your message").press("Tab")
    page.keyboard.press("Enter")  # the "Send" button, next in the tab order
    expect(chat.get_by_role("log", name="Messages")).to_contain_text(text)
    expect(chat.get_by_label("Your message")).to_have_value("")


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

    # Beside the call, the chat of their case conversation: Robin writes, and Amara's chat
    # shows it while the call runs, without a reload.
    _say_in_the_chat(hers, "My picture froze, but I can hear you.")
    expect(theirs.get_by_role("log", name="Messages")).to_contain_text(
        "My picture froze, but I can hear you."
    )
    expect(theirs.get_by_text("No messages yet.")).to_be_hidden()
    # A message's links open beside the call, which goes on.
    with hers.context.expect_page() as beside:
        hers.get_by_role("link", name="Change or delete").click()
    expect(beside.value.get_by_role("heading", level=1)).to_be_visible()
    beside.value.close()
    for page in (theirs, hers):
        expect(page.locator("#video")).to_have_attribute("data-connection", "connected")
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


# Watches the page's peer connections without changing them, so the test can read what the
# browser really sends: each RTCPeerConnection the page makes is the browser's own, kept in a list.
WATCH_PEERS = """
window.__peers = [];
window.RTCPeerConnection = class extends window.RTCPeerConnection {
  constructor(...args) { super(...args); window.__peers.push(this); }
};
"""
# Whether the newest peer connection sends this kind of track with it enabled.
SENDS = """kind => window.__peers.length > 0 && window.__peers.at(-1).getSenders()
  .some(sender => sender.track && sender.track.kind === kind && sender.track.enabled)"""
# Whether the newest peer connection's video encoding is switched off, by Chromium's own report.
SENDS_NO_VIDEO = """async () => {
  const report = await window.__peers.at(-1).getStats();
  let stopped = false;
  report.forEach(stat => {
    if (stat.type === "outbound-rtp" && stat.kind === "video" && stat.active === false) {
      stopped = true;
    }
  });
  return stopped;
}"""
# A poor network: Chromium's network emulation (the DevTools protocol) delays every packet of the
# page's sockets, WebRTC's included, by this much each way, so the call's round trip is measured
# at more than a second (the page calls anything over 0.8 s poor). It applies to sockets opened
# after it is set, so it is set before the call starts.
POOR_LATENCY_MS = 600


def test_on_a_poor_network_the_call_falls_back_to_sound_only_and_one_who_leaves_rejoins(
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
    robins.add_init_script(WATCH_PEERS)
    hers = robins.new_page()
    network = robins.new_cdp_session(hers)
    network.send("Network.enable")
    network.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": POOR_LATENCY_MS,
            "downloadThroughput": -1,
            "uploadThroughput": -1,
        },
    )
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

    # Robin's page measures the slow round trips, turns her video off and says so; Chromium
    # reports her video encoding stopped, and the call goes on with sound.
    sound_only = hers.get_by_role("button", name="Sound only")
    expect(sound_only).to_have_attribute("aria-pressed", "true", timeout=CONNECTED_MS)
    expect(hers.locator("#call-status")).to_have_text(
        "The connection is poor: video is off and the call continues with sound only."
    )
    hers.wait_for_function(SENDS_NO_VIDEO)
    assert hers.evaluate(SENDS, "audio")
    for page in (theirs, hers):
        expect(page.locator("#video")).to_have_attribute("data-connection", "connected")
    # She may turn video back on herself.
    sound_only.click()
    expect(sound_only).to_have_attribute("aria-pressed", "false")
    assert hers.evaluate(SENDS, "video")

    # Mute and camera off act on what her browser sends.
    hers.get_by_role("button", name="Mute").click()
    expect(hers.get_by_role("button", name="Unmute")).to_have_attribute("aria-pressed", "true")
    assert not hers.evaluate(SENDS, "audio")
    hers.get_by_role("button", name="Unmute").click()
    assert hers.evaluate(SENDS, "audio")
    hers.get_by_role("button", name="Turn camera off").click()
    expect(hers.get_by_role("button", name="Turn camera on")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert not hers.evaluate(SENDS, "video")

    # Amara leaves the call: Robin's page says the call dropped, with the plan and a way back;
    # Amara rejoins and both connect again.
    theirs.get_by_role("button", name="Leave the call").click()
    expect(theirs.locator("#call-status")).to_have_text("You left the call.")
    expect(hers.locator("#call-status")).to_contain_text("The call dropped.")
    expect(hers.get_by_role("button", name="Rejoin the call")).to_be_visible()
    expect(hers.locator("#drop-plan")).to_contain_text("If the call drops")
    theirs.get_by_role("button", name="Rejoin the call").click()
    for page in (theirs, hers):
        expect(page.locator("#video")).to_have_attribute(
            "data-connection", "connected", timeout=CONNECTED_MS
        )


def test_a_browser_without_webrtc_is_told_so_and_the_rest_of_the_page_works(
    at_the_session: Any,
    asgi_site: str,
    two_browsers: tuple[Browser, Browser],
    assert_accessible: AssertAccessible,
) -> None:
    robin = ClientFactory.create(alias="Robin", time_zone="Europe/London")
    amara = PractitionerFactory.create(legal_name="Amara Okafor", time_zone="Europe/London")
    _, session_type = scheduling.bookable_practitioner(practitioner=amara)
    appointment = scheduling.book(robin, session_type, scheduling.THURSDAY_9)
    care.ready_case(amara, robin)
    at_the_session.move_to(scheduling.THURSDAY_9 - timedelta(minutes=5))

    # A browser that lacks WebRTC (an old one, or one with it switched off).
    robins = _profile(two_browsers[0], asgi_site, robin)
    robins.add_init_script("delete window.RTCPeerConnection;")
    hers = robins.new_page()
    hers.goto(f"{asgi_site}/sessions/{appointment.pk}/")
    expect(hers.locator("#video-unsupported")).to_be_visible()
    expect(hers.locator("#video-unsupported")).to_contain_text("cannot make video calls")
    expect(hers.locator("#video")).to_have_attribute("data-supported", "no")
    _check_in_both_languages(hers, robin, assert_accessible)
    # Saying where she is and waiting work without it.
    hers.get_by_label("Where are you now?").fill("England")
    hers.get_by_role("button", name="Confirm and go to the waiting room").click()
    expect(hers.get_by_role("heading", name="You are in the waiting room")).to_be_visible()
