"""The pages of reporting and blocking that the journeys do not pass through: a visitor
reports a profile from it, gets a reference and follows the report by it; a practitioner
lists the decisions about them; a client lists the people they blocked and lifts a block. In
English and in Spanish, every page passes axe and fits a 320px screen."""

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from casework.accounts.models import User
from casework.registry.reference_data import load_reference_data
from casework.safety.blocks import block_person
from casework.safety.models import Block, Report
from casework.testing import factories
from casework.testing.directory import listed_practitioner
from casework.testing.safety import warned_over_a_gift_card
from tests.browser.helpers import assert_fits_320_pixels

pytestmark = pytest.mark.browser

AssertAccessible = Callable[[Page], None]
ProfileOf = Callable[[User], BrowserContext]


def _checked(page: Page, assert_accessible: AssertAccessible) -> None:
    assert_accessible(page)
    assert_fits_320_pixels(page)


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_visitor_reports_a_profile_and_follows_the_report_by_its_reference(
    language: str,
    asgi_site: str,
    profile_in: Callable[[str], BrowserContext],
    assert_accessible: AssertAccessible,
) -> None:
    load_reference_data()
    profile = listed_practitioner()
    page = profile_in(language).new_page()
    page.goto(f"{asgi_site}/practitioners/{profile.slug}/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.locator(f'a.report-link[href="/practitioners/{profile.slug}/report/"]').click()
    expect(page.locator("main h1")).to_be_visible()
    _checked(page, assert_accessible)

    # Submitting without a category is refused on the form, and the form passes axe then too.
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main .field-errors, main .errorlist").first).to_be_visible()
    _checked(page, assert_accessible)
    page.locator('input[name=category][value="impersonation"]').check()
    page.locator("#id_details").fill("The registration number on this profile is not hers.")
    page.locator("main form button[type=submit]").click()
    report = Report.objects.get()
    expect(page.locator("main .reference")).to_have_text(report.reference)
    _checked(page, assert_accessible)

    page.locator(f'a[href="/reports/track/?reference={report.reference}"]').click()
    expect(page.locator("main")).to_contain_text(report.reference)
    _checked(page, assert_accessible)
    page.locator("#id_reference").fill("R-00000-00000")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#id_reference")).to_have_attribute("aria-invalid", "true")
    _checked(page, assert_accessible)


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_practitioner_lists_decisions_and_a_client_lifts_a_block(
    language: str,
    asgi_site: str,
    profile_of: ProfileOf,
    assert_accessible: AssertAccessible,
) -> None:
    robin = factories.ClientFactory.create(alias="Robin", language=language)
    amara = factories.PractitionerFactory.create(legal_name="Amara Okafor", language=language)
    moderator = factories.ModeratorFactory.create()
    warned_over_a_gift_card(robin, amara, moderator)
    theirs = profile_of(amara).new_page()
    theirs.goto(f"{asgi_site}/decisions/")
    expect(theirs.locator("html")).to_have_attribute("lang", language)
    expect(theirs.locator('main a[href^="/decisions/"]').first).to_be_visible()
    _checked(theirs, assert_accessible)

    block_person(blocker=robin, blocked=amara)
    hers = profile_of(robin).new_page()
    hers.goto(f"{asgi_site}/messages/blocked/")
    expect(hers.locator("main")).to_contain_text("Amara Okafor")
    _checked(hers, assert_accessible)
    hers.locator("main form button[type=submit]").first.click()
    expect(hers.locator("main .inbox__item")).to_have_count(0)
    _checked(hers, assert_accessible)
    assert not Block.objects.exists()
