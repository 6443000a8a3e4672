"""/privacy/ and "Who has looked at your record" on the account page, in a browser, in English
and in Spanish: each passes axe and fits a 320px screen."""

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from casework.care.services.emergency import break_glass
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.testing import care, factories
from tests.browser.helpers import (
    AssertAccessible,
    assert_fits_320_pixels,
    assert_in_spanish,
    signed_in_as,
)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_visitor_reads_the_privacy_page_from_the_footer(
    language: str,
    profile_in: Callable[[str], BrowserContext],
    site: str,
    transactional_db: None,
    assert_accessible: AssertAccessible,
) -> None:
    page = profile_in(language).new_page()
    page.goto(f"{site}/")
    page.locator("footer").get_by_role("link").first.click()
    expect(page).to_have_url(f"{site}/privacy/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("heading", level=2)).to_have_count(4)
    assert_accessible(page)
    assert_fits_320_pixels(page)
    if language == "es":
        assert_in_spanish(page)


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_client_reads_who_looked_at_their_record_on_the_account_page(
    language: str,
    profile_in: Callable[[str], BrowserContext],
    site: str,
    transactional_db: None,
    assert_accessible: AssertAccessible,
) -> None:
    robin = factories.ClientFactory.create(alias="Robin", language=language)
    amara = factories.PractitionerFactory.create(legal_name="Amara Okafor")
    case = care.ready_case(amara, robin, emergency_contact="Sam", crisis_plan="Call Sam")
    record_event(action=actions.CARE_CASE_VIEWED, actor=amara, target=case, subject_id=robin.pk)
    moderator = factories.ModeratorFactory.create(legal_name="Tomás Herrera")
    break_glass(case=case, person=moderator, reason="A report of imminent risk tonight")
    profile = profile_in(language)
    signed_in_as(profile, site, robin)
    page = profile.new_page()
    page.goto(f"{site}/accounts/preferences/")
    log = page.locator("section", has=page.locator("#access-log-heading"))
    # Suitability recorded, details changed, case opened, break-glass.
    expect(log.get_by_role("listitem")).to_have_count(4)
    expect(log).to_contain_text("Amara Okafor")
    expect(log).to_contain_text("A report of imminent risk tonight")
    assert_accessible(page)
    assert_fits_320_pixels(page)
    if language == "es":
        assert_in_spanish(page)
