"""A client writes to a practitioner; then, each in their own browser with the conversation
open, they write to each other: every message appears on the other side as it is sent, without
a reload, over the page's websocket. Axe checks the conversation page on both sides."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from casework.accounts.models import User
from casework.registry.reference_data import load_reference_data
from casework.testing.directory import registered_practitioner
from casework.testing.factories import ClientFactory
from casework.testing.messaging import place

pytestmark = pytest.mark.browser

AssertAccessible = Callable[[Page], None]
ProfileOf = Callable[[User], BrowserContext]

CONNECTED = "New messages appear here as they arrive."


def _signed_in_as(context: BrowserContext, site: str, person: Any) -> None:
    """Stands for a completed sign-in with MFA (the journeys in test_accounts cover it)."""
    client = Client()
    client.force_login(person)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": site}])


@pytest.fixture
def profile_of(browser: Browser, asgi_site: str) -> Iterator[ProfileOf]:
    """``profile_of(person)``: a browser profile of its own, signed in as ``person`` on the
    ASGI site. The profiles close before the server stops."""
    profiles: list[BrowserContext] = []

    def new_profile(person: User) -> BrowserContext:
        profile = browser.new_context(locale="en-GB", timezone_id="Europe/London")
        profile.set_default_timeout(15_000)  # as conftest's TIMEOUT_MS
        profiles.append(profile)
        _signed_in_as(profile, asgi_site, person)
        return profile

    yield new_profile
    for profile in profiles:
        profile.close()


def _mark_loaded(page: Page) -> None:
    """Leaves a mark in the page's window: a reload or another page would lose it."""
    page.evaluate("window.sameDocument = true")


def _still_loaded(page: Page) -> None:
    assert page.evaluate("window.sameDocument === true"), f"{page.url} was loaded again"


def _messages(page: Page) -> Locator:
    return page.get_by_role("log", name="Messages").get_by_role("listitem")


def _send(page: Page, text: str) -> None:
    page.get_by_label("Your message").fill(text)
    page.get_by_role("button", name="Send").click()
    # The form comes back empty; the message itself arrives over the socket, as everyone's.
    expect(page.get_by_label("Your message")).to_have_value("")


def test_client_and_practitioner_exchange_messages_live_in_two_browsers(
    asgi_site: str, profile_of: ProfileOf, assert_accessible: AssertAccessible
) -> None:
    robin = ClientFactory.create(alias="Robin", time_zone="Europe/London")
    load_reference_data()
    amara = registered_practitioner(legal_name="Amara Okafor")
    place("GB-ENG")

    # Robin writes to Amara for the first time; the conversation opens.
    hers = profile_of(robin).new_page()
    hers.goto(f"{asgi_site}/messages/new/{amara.pk}/")
    expect(hers.get_by_role("heading", level=1)).to_have_text("Write to Amara Okafor")
    hers.get_by_label("Where are you?").fill("England")
    hers.get_by_label("Your message").fill("Hello, can you help me?")
    hers.get_by_role("button", name="Send").click()
    expect(hers.get_by_role("heading", level=1)).to_have_text("Enquiry with Amara Okafor")

    # Amara opens it from her messages.
    theirs = profile_of(amara).new_page()
    theirs.goto(f"{asgi_site}/messages/")
    theirs.get_by_role("link", name="Enquiry with Robin").click()
    expect(theirs.get_by_role("heading", level=1)).to_have_text("Enquiry with Robin")

    for page in (hers, theirs):
        expect(_messages(page)).to_have_count(1)
        expect(_messages(page).first).to_contain_text("Hello, can you help me?")
        # Said once the socket is open and has caught up: from now on, messages come live.
        expect(page.get_by_text(CONNECTED)).to_be_visible()
        _mark_loaded(page)
    assert_accessible(hers)
    assert_accessible(theirs)

    # Robin writes again; Amara's open page shows it, and so does Robin's own.
    _send(hers, "Could we talk on Thursday evening?")
    expect(_messages(theirs)).to_have_count(2)
    expect(_messages(theirs).last).to_contain_text("Robin")
    expect(_messages(theirs).last).to_contain_text("Could we talk on Thursday evening?")
    expect(_messages(hers)).to_have_count(2)
    expect(_messages(hers).last).to_contain_text("You")
    expect(_messages(hers).last).to_contain_text("Could we talk on Thursday evening?")

    # Amara answers; Robin's page shows the reply under her message.
    _send(theirs, "Yes: Thursday at 6pm suits me.")
    expect(_messages(hers)).to_have_count(3)
    expect(_messages(hers).last).to_contain_text("Amara Okafor")
    expect(_messages(hers).last).to_contain_text("Yes: Thursday at 6pm suits me.")
    expect(_messages(theirs)).to_have_count(3)
    expect(_messages(theirs).last).to_contain_text("You")

    for page in (hers, theirs):
        _still_loaded(page)
    assert_accessible(hers)
    assert_accessible(theirs)
