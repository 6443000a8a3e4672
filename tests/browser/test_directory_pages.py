"""The directory in a browser: the search with htmx and without JavaScript, a profile, and the
practitioner's profile editor, each checked by axe."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, expect

from casework.directory.models import PractitionerProfile
from casework.registry.reference_data import load_reference_data
from casework.testing.directory import listed_practitioner, registered_practitioner

pytestmark = pytest.mark.browser

AssertAccessible = Callable[[Page], None]


@pytest.fixture
def directory(transactional_db: None) -> list[PractitionerProfile]:
    load_reference_data()
    profiles = [
        listed_practitioner(
            legal_name="Amara Okafor",
            languages=["en", "yo"],
            specialties=["trauma", "mental-health"],
            bio_source="I work with adults through **hard times**.\n\n- video\n- chat",
        ),
        listed_practitioner(legal_name="Ewan MacLeod", regulator="sssc", languages=["en", "gd"]),
        listed_practitioner(legal_name="Rosa Delgado", regulator="us-ca-bbs", languages=["es"]),
    ]
    profiles += [
        listed_practitioner(legal_name=f"Person {number:02d}", languages=["en"])
        for number in range(20)
    ]
    return profiles


def test_a_visitor_searches_pages_through_and_opens_a_profile(
    page: Page, site: str, directory: list[PractitionerProfile], assert_accessible: AssertAccessible
) -> None:
    page.goto(f"{site}/find/")
    expect(page.get_by_role("heading", level=2)).to_have_text("23 social workers")
    assert_accessible(page)
    search = page.get_by_role("search", name="Search the directory")
    # The place is typed (a region by its name needs no second step).
    search.get_by_label("Where the client is").fill("England")
    search.get_by_label("Language").select_option("en")
    search.get_by_role("button", name="Search").click()
    results = page.locator("#search-results")
    expect(results.get_by_role("heading", level=2)).to_have_text("22 social workers")
    # The count is read out from the live region that stays on the page, not one swapped in.
    expect(page.get_by_role("status")).to_have_text("22 social workers")
    expect(results).not_to_contain_text("Rosa Delgado")
    # htmx swapped the results in and put the search in the address, to share it.
    expect(page).to_have_url(re.compile(r"/find/\?.*where=England&language=en"))
    assert_accessible(page)
    results.get_by_role("link", name="Next page").click()
    expect(results).to_contain_text("Page 2 of 2")
    expect(page).to_have_url(re.compile(r"where=England.*&page=2"))
    results.get_by_role("link", name="Previous page").click()
    expect(results).to_contain_text("Page 1 of 2")
    results.get_by_role("link", name="Amara Okafor", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Amara Okafor")
    expect(page.get_by_label("Where the client is")).to_have_value("United Kingdom")
    expect(page.get_by_label("Where in United Kingdom")).to_have_value("GB-ENG")
    expect(page.get_by_role("status")).to_contain_text("covers clients in England")
    expect(page.get_by_role("main")).to_contain_text("hard times")
    assert_accessible(page)


def test_the_search_works_without_javascript(
    browser: Browser, site: str, directory: list[PractitionerProfile]
) -> None:
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.goto(f"{site}/find/")
    search = page.get_by_role("search", name="Search the directory")
    search.get_by_label("Name, specialty or words from a profile").fill("trauma")
    search.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/find/\?q=trauma"))
    # Her card: her profile, and writing to her.
    expect(page.locator("#search-results").get_by_role("link")).to_have_text(
        ["Amara Okafor", "Write to Amara Okafor"]
    )
    context.close()


def _signed_in_as(context: BrowserContext, site: str, person: Any) -> None:
    """Stands for a completed sign-in with MFA (the account journeys cover it)."""
    client = Client()
    client.force_login(person)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": site}])


def test_a_practitioner_fills_in_a_profile_and_is_listed(
    page: Page,
    context: BrowserContext,
    site: str,
    transactional_db: None,
    assert_accessible: AssertAccessible,
) -> None:
    load_reference_data()
    person = registered_practitioner(legal_name="Mei Lin Zhou")
    _signed_in_as(context, site, person)
    page.goto(f"{site}/practice/profile/")
    expect(page.get_by_role("status")).to_contain_text("Your profile is not listed.")
    assert_accessible(page)
    page.get_by_label("Display name").fill("Mei Lin Zhou")
    page.get_by_label("Languages you work in").select_option(["en", "zh"])
    page.get_by_role("group", name="Specialties").get_by_label("Older adults").check()
    modalities = page.get_by_role("group", name="How you work with clients")
    modalities.get_by_label("Video").check()
    modalities.get_by_label("In person").check()
    page.get_by_label("Fee per session").fill("-10")
    page.get_by_label("Currency", exact=True).select_option("GBP")
    page.get_by_label("Show my profile in the directory").check()
    page.get_by_role("button", name="Save my profile").click()
    expect(page.get_by_role("alert").first).to_contain_text("Nothing was saved")
    expect(page.get_by_text("A fee cannot be negative.")).to_be_visible()
    expect(page.get_by_text("Say where you see clients in person")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Fee per session").fill("55")
    page.get_by_label("Where you see clients in person").fill("Leeds")
    page.get_by_role("button", name="Save my profile").click()
    expect(page.get_by_role("status").first).to_contain_text("Your profile is saved.")
    expect(page.get_by_text("Your profile is listed: clients can find you.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="See your public profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mei Lin Zhou")
    expect(page.get_by_role("main")).to_contain_text("In person (Leeds)")
    assert_accessible(page)
