"""What the browser tests in two languages share: signing a profile in, and the checks every
page passes (its language, a heading, axe, a 320px screen). ``profile_in`` (conftest) opens a
profile in a language."""

from collections.abc import Callable

from allauth.account.internal.flows.login import record_authentication
from django.conf import settings
from django.test import Client, RequestFactory
from playwright.sync_api import BrowserContext, Page, expect

from casework.accounts.models import User
from tests.browser.test_nudge_and_block_journey import assert_fits_320_pixels

AssertAccessible = Callable[[Page], None]
LOCALES = {"en": "en-GB", "es": "es-ES"}


def signed_in_as(
    profile: BrowserContext, site: str, person: User, *, reauthenticated: bool = False
) -> None:
    """Stands for a completed sign-in (the journeys in test_accounts cover the forms);
    ``reauthenticated``: one that has just confirmed the password again, as the pages that
    ask for it again (erasure) need."""
    client = Client()
    client.force_login(person)
    if reauthenticated:
        session = client.session
        confirming = RequestFactory().post("/accounts/reauthenticate/")
        confirming.session = session
        record_authentication(confirming, person, method="password", reauthenticated=True)
        session.save()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    profile.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": site}])


def check_page(page: Page, language: str, assert_accessible: AssertAccessible) -> None:
    """The page is in ``language``, has its heading, passes axe and fits a 320px screen."""
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    assert_fits_320_pixels(page)
