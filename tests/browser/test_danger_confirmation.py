"""A destructive action asks first, by keyboard alone and with no JavaScript at all: a client
revokes an API token. The red button posts; the confirmation page starts on its question, says
what will happen, passes axe and fits a 320px screen; Tab reaches the red button, Enter revokes.
"Go back" leaves the token working."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from casework.accounts.models import ApiToken, User
from casework.accounts.services import create_api_token
from casework.testing.factories import ClientFactory
from tests.browser.helpers import AssertAccessible, assert_fits_320_pixels, signed_in_as

pytestmark = pytest.mark.browser

QUESTION = "Revoke the token “Phone app”?"


def _client_with_a_token() -> tuple[User, ApiToken]:
    robin = ClientFactory.create(alias="Robin")
    token, _secret = create_api_token(
        person=robin, name="Phone app", scopes=["messaging:read"], days=30, now=timezone.now()
    )
    return robin, token


def test_a_client_revokes_a_token_by_keyboard_after_reading_what_it_does(
    site: str, context: BrowserContext, page: Page, assert_accessible: AssertAccessible
) -> None:
    robin, token = _client_with_a_token()
    signed_in_as(context, site, robin)
    page.goto(site + reverse("accounts:api_tokens"))

    revoke = page.get_by_role("button", name="Revoke Phone app")
    expect(revoke).to_have_class("button button--small button--danger")
    revoke.focus()
    page.keyboard.press("Enter")

    # The confirmation: focus on its question, what happens, nothing done yet.
    heading = page.get_by_role("heading", level=1, name=QUESTION)
    expect(heading).to_be_focused()
    expect(page).to_have_title(f"{QUESTION} · Casework")
    expect(
        page.get_by_text("Anything that uses this token is refused from now on.")
    ).to_be_visible()
    token.refresh_from_db()
    assert token.revoked_at is None
    assert_accessible(page)
    assert_fits_320_pixels(page)

    # Tab goes from the question to the red button, then to the way back.
    page.keyboard.press("Tab")
    confirm = page.get_by_role("button", name="Revoke the token")
    expect(confirm).to_be_focused()
    expect(confirm).to_have_class("button button--danger")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Go back")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")

    expect(page).to_have_url(site + reverse("accounts:api_tokens"))
    expect(page.get_by_text("no longer works")).to_be_visible()
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_without_javascript_going_back_keeps_the_token_and_confirming_revokes_it(
    browser: Browser, site: str
) -> None:
    robin, token = _client_with_a_token()
    profile = browser.new_context(locale="en-GB", java_script_enabled=False)
    try:
        signed_in_as(profile, site, robin)
        page = profile.new_page()
        page.goto(site + reverse("accounts:api_tokens"))

        page.get_by_role("button", name="Revoke Phone app").click()
        expect(page.get_by_role("heading", level=1, name=QUESTION)).to_be_visible()
        page.get_by_role("link", name="Go back").click()
        expect(page).to_have_url(site + reverse("accounts:api_tokens"))
        token.refresh_from_db()
        assert token.revoked_at is None

        page.get_by_role("button", name="Revoke Phone app").click()
        page.get_by_role("button", name="Revoke the token").click()
        expect(page.get_by_text("no longer works")).to_be_visible()
        token.refresh_from_db()
        assert token.revoked_at is not None
    finally:
        profile.close()
