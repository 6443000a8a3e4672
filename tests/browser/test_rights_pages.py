"""A person's rights in a browser, in English and in Spanish: preparing and downloading an
export of their data, the erasure page (what is kept, a legal hold's reason, waiting,
cancelling), and the legal holds page of those who place them. Each page passes axe and fits
a 320px screen."""

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from casework.privacy.holds import place_legal_hold
from casework.privacy.rights_models import (
    DataExport,
    ErasureRequest,
    ErasureStatus,
    ExportStatus,
    LegalHold,
)
from casework.testing import care, factories
from tests.browser.helpers import AssertAccessible, check_page, signed_in_as

pytestmark = pytest.mark.browser

HOLD_REASON = "Police investigation 24/118: keep until the court says otherwise."


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_client_prepares_and_downloads_her_data(
    language: str,
    profile_in: Callable[[str], BrowserContext],
    site: str,
    transactional_db: None,
    assert_accessible: AssertAccessible,
) -> None:
    robin = factories.ClientFactory.create(alias="Robin", language=language)
    amara = factories.PractitionerFactory.create(legal_name="Amara Okafor")
    care.ready_case(amara, robin, emergency_contact="Sam", crisis_plan="Call Sam")
    profile = profile_in(language)
    signed_in_as(profile, site, robin, reauthenticated=True)
    page = profile.new_page()
    page.goto(f"{site}/account/data/export/")
    check_page(page, language, assert_accessible)
    page.locator("form.form button[type=submit]").click()
    # Tasks run at once in tests: the export is ready when the page comes back.
    expect(page.locator("#latest-heading")).to_be_visible()
    found = DataExport.objects.get(person=robin)
    assert found.status == ExportStatus.READY
    download_link = page.locator(f'a[href="/account/data/export/{found.pk}/"]')
    expect(download_link).to_be_visible()
    check_page(page, language, assert_accessible)
    with page.expect_download() as downloading:
        download_link.click()
    assert downloading.value.suggested_filename.endswith(".zip")


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_client_asks_for_erasure_then_keeps_her_account(
    language: str,
    profile_in: Callable[[str], BrowserContext],
    site: str,
    transactional_db: None,
    assert_accessible: AssertAccessible,
) -> None:
    robin = factories.ClientFactory.create(alias="Robin", language=language)
    profile = profile_in(language)
    signed_in_as(profile, site, robin, reauthenticated=True)
    page = profile.new_page()
    page.goto(f"{site}/account/data/erase/")
    expect(page.locator("#kept-heading")).to_be_visible()
    check_page(page, language, assert_accessible)
    page.locator("#confirm-erase").check()
    page.locator("form.form button[type=submit]").click()
    expect(page.get_by_role("status").first).to_be_visible()
    assert ErasureRequest.objects.get(person=robin).status == ErasureStatus.WAITING
    check_page(page, language, assert_accessible)
    page.locator('form[action="/account/data/erase/cancel/"] button').click()
    expect(page.locator("#confirm-erase")).to_be_visible()
    assert ErasureRequest.objects.get(person=robin).status == ErasureStatus.CANCELLED
    check_page(page, language, assert_accessible)


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_client_under_a_legal_hold_reads_its_reason_and_cannot_confirm(
    language: str,
    profile_in: Callable[[str], BrowserContext],
    site: str,
    transactional_db: None,
    assert_accessible: AssertAccessible,
) -> None:
    robin = factories.ClientFactory.create(alias="Robin", language=language)
    place_legal_hold(actor=factories.AdminFactory.create(), person=robin, reason=HOLD_REASON)
    profile = profile_in(language)
    signed_in_as(profile, site, robin, reauthenticated=True)
    page = profile.new_page()
    page.goto(f"{site}/account/data/erase/")
    holds = page.locator("section", has=page.locator("#holds-heading"))
    expect(holds).to_contain_text(HOLD_REASON)
    expect(page.locator("#confirm-erase")).to_have_count(0)
    check_page(page, language, assert_accessible)


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_moderator_places_a_legal_hold_then_lifts_it(
    language: str,
    profile_in: Callable[[str], BrowserContext],
    site: str,
    transactional_db: None,
    assert_accessible: AssertAccessible,
) -> None:
    robin = factories.ClientFactory.create(alias="Robin", email="robin@example.org")
    moderator = factories.ModeratorFactory.create(legal_name="Kofi Mensah", language=language)
    profile = profile_in(language)
    signed_in_as(profile, site, moderator)
    page = profile.new_page()
    page.goto(f"{site}/privacy/holds/")
    check_page(page, language, assert_accessible)
    page.locator("#id_email").fill("robin@example.org")
    page.locator("#id_reason").fill(HOLD_REASON)
    page.locator("section[aria-labelledby=place-heading] button[type=submit]").click()
    in_force = page.locator("section", has=page.locator("#in-force-heading"))
    expect(in_force).to_contain_text(HOLD_REASON)
    hold = LegalHold.objects.get(person=robin)
    assert hold.placed_by == moderator
    check_page(page, language, assert_accessible)
    page.locator(f'form[action="/privacy/holds/{hold.pk}/lift/"] button').click()
    # The confirmation says what lifting does; its red button lifts the hold.
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    page.locator("main form button.button--danger").click()
    expect(in_force).not_to_contain_text(HOLD_REASON)
    hold.refresh_from_db()
    assert not hold.in_force
    check_page(page, language, assert_accessible)
