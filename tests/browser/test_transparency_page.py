"""/transparency/ in a browser, in English and in Spanish, with a month of figures: the page
passes axe, fits a 320px screen, and links its CSV."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from casework.registry.reference_data import load_reference_data
from casework.safety import access
from casework.safety.moderation import take_action
from casework.safety.reports import file_report
from casework.testing import factories
from casework.testing.directory import registered_practitioner
from casework.testing.messaging import enquiry, send
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
    conversation = enquiry(robin, amara)
    sent = send(conversation, amara, "Buy me a gift card")
    report = file_report(
        reporter=robin,
        target=access.target_for_message(robin, sent.pk),
        category="fraud",
        details="",
    ).report
    take_action(
        moderator=moderator,
        report=report,
        kind="warn",
        rule="payments-on-platform",
        reason="Payments go through the platform.",
    )
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
