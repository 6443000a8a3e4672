"""A person's rights in a browser, in English and in Spanish: preparing and downloading an
export of their data, and the erasure page (what is kept, a legal hold's reason, waiting,
cancelling). Each page passes axe and fits a 320px screen."""

from collections.abc import Callable, Iterator

import pytest
from allauth.account.internal.flows.login import record_authentication
from django.conf import settings
from django.test import Client, RequestFactory
from playwright.sync_api import Browser, BrowserContext, Page, expect

from casework.accounts.models import User
from casework.privacy.holds import place_legal_hold
from casework.privacy.rights_models import DataExport, ErasureRequest, ErasureStatus, ExportStatus
from casework.testing import care, factories
from tests.browser.test_nudge_and_block_journey import assert_fits_320_pixels

pytestmark = pytest.mark.browser

AssertAccessible = Callable[[Page], None]
LOCALES = {"en": "en-GB", "es": "es-ES"}
HOLD_REASON = "Police investigation 24/118: keep until the court says otherwise."


@pytest.fixture
def profile_in(browser: Browser) -> Iterator[Callable[[str], BrowserContext]]:
    profiles: list[BrowserContext] = []

    def new_profile(language: str) -> BrowserContext:
        profile = browser.new_context(locale=LOCALES[language], timezone_id="Europe/London")
        profile.set_default_timeout(15_000)  # as conftest's TIMEOUT_MS
        profiles.append(profile)
        return profile

    yield new_profile
    for profile in profiles:
        profile.close()


def _signed_in_as(profile: BrowserContext, site: str, person: User) -> None:
    """Stands for a completed sign-in that has just confirmed the password (the erasure page
    asks for it again; the journeys in test_accounts cover the forms themselves)."""
    client = Client()
    client.force_login(person)
    session = client.session
    confirming = RequestFactory().post("/accounts/reauthenticate/")
    confirming.session = session
    record_authentication(confirming, person, method="password", reauthenticated=True)
    session.save()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    profile.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": site}])


def _check(page: Page, language: str, assert_accessible: AssertAccessible) -> None:
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    assert_fits_320_pixels(page)


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
    _signed_in_as(profile, site, robin)
    page = profile.new_page()
    page.goto(f"{site}/account/data/export/")
    _check(page, language, assert_accessible)
    page.locator("form.form button[type=submit]").click()
    # Tasks run at once in tests: the export is ready when the page comes back.
    expect(page.locator("#latest-heading")).to_be_visible()
    found = DataExport.objects.get(person=robin)
    assert found.status == ExportStatus.READY
    download_link = page.locator(f'a[href="/account/data/export/{found.pk}/"]')
    expect(download_link).to_be_visible()
    _check(page, language, assert_accessible)
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
    _signed_in_as(profile, site, robin)
    page = profile.new_page()
    page.goto(f"{site}/account/data/erase/")
    expect(page.locator("#kept-heading")).to_be_visible()
    _check(page, language, assert_accessible)
    page.locator("#confirm-erase").check()
    page.locator("form.form button[type=submit]").click()
    expect(page.get_by_role("status").first).to_be_visible()
    assert ErasureRequest.objects.get(person=robin).status == ErasureStatus.WAITING
    _check(page, language, assert_accessible)
    page.locator('form[action="/account/data/erase/cancel/"] button').click()
    expect(page.locator("#confirm-erase")).to_be_visible()
    assert ErasureRequest.objects.get(person=robin).status == ErasureStatus.CANCELLED
    _check(page, language, assert_accessible)


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
    _signed_in_as(profile, site, robin)
    page = profile.new_page()
    page.goto(f"{site}/account/data/erase/")
    holds = page.locator("section", has=page.locator("#holds-heading"))
    expect(holds).to_contain_text(HOLD_REASON)
    expect(page.locator("#confirm-erase")).to_have_count(0)
    _check(page, language, assert_accessible)
