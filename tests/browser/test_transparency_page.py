"""/transparency/ in a browser, in English and in Spanish, with a month of figures: the page
passes axe, fits a 320px screen, and links its CSV."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from casework.registry.reference_data import load_reference_data
from casework.testing import factories
from casework.testing.directory import registered_practitioner
from casework.testing.safety import warned_over_a_gift_card
from tests.browser.helpers import assert_fits_320_pixels

pytestmark = pytest.mark.browser

AssertAccessible = Callable[[Page], None]
LOCALES = {"en": "en-GB", "es": "es-ES"}


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_visitor_reads_the_moderation_figures(
    language: str,
    browser: Browser,
    site: str,
    transactional_db: None,
    assert_accessible: AssertAccessible,
) -> None:
    load_reference_data()
    robin = factories.ClientFactory.create()
    amara = registered_practitioner()
    moderator = factories.ModeratorFactory.create()
    warned_over_a_gift_card(robin, amara, moderator)
    profile = browser.new_context(locale=LOCALES[language], timezone_id="Europe/London")
    try:
        page = profile.new_page()
        page.goto(f"{site}/transparency/")
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.locator("table").first).to_be_visible()
        expect(page.locator('a[href="/transparency.csv"]').first).to_be_visible()
        assert_accessible(page)
        assert_fits_320_pixels(page)
    finally:
        profile.close()
