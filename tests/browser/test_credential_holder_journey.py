"""A practitioner takes their credential: downloads it from their registrations page and it
verifies with ``manage.py verify_credential`` and on /verify/credential/; copies it; and a
wallet written from the OpenID4VCI specification redeems the page's offer and receives the
same credential."""

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import BrowserContext, Page, expect

from casework.registry.models import Regulator
from casework.registry.reference_data import load_reference_data
from casework.testing.credentials import held_credential
from casework.testing.factories import PractitionerFactory
from casework.testing.wallet import UrllibTransport, Wallet

pytestmark = pytest.mark.browser

AssertAccessible = Callable[[Page], None]


def _signed_in_as(context: BrowserContext, site: str, person: Any) -> None:
    """Stands for a completed sign-in with MFA (the journeys in test_accounts cover it)."""
    client = Client()
    client.force_login(person)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": site}])


def assert_fits_320_pixels(page: Page) -> None:
    """WCAG 1.4.10 Reflow: at 320 CSS pixels wide nothing scrolls sideways."""
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 800})
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
        " > document.documentElement.clientWidth + 1).map(e => e.tagName + '.' + e.className"
        " + '#' + e.id).slice(0, 8)"
    )
    assert overflow <= 0, f"{page.url} is {overflow}px wider than a 320px screen: {wide}"
    if size is not None:
        page.set_viewport_size(size)


def test_a_practitioner_downloads_copies_checks_and_adds_their_credential_to_a_wallet(
    page: Page,
    context: BrowserContext,
    site: str,
    transactional_db: None,
    tmp_path: Path,
    settings: Any,
    assert_accessible: AssertAccessible,
) -> None:
    settings.SITE_URL = site  # the credential names this server's addresses
    load_reference_data()
    practitioner = PractitionerFactory.create(legal_name="Amara Okafor")
    held_credential(
        practitioner,
        regulator=Regulator.objects.get(slug="social-work-england"),
        number="SW600001",
    )
    _signed_in_as(context, site, practitioner)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)

    page.goto(f"{site}/practice/registrations/")
    expect(page.get_by_role("heading", name="Your credentials")).to_be_visible()
    assert_accessible(page)
    assert_fits_320_pixels(page)

    # Download, then check the file on the command line (it fetches the DID document and the
    # status lists from this server).
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the credential (.jwt)").click()
    download = download_info.value
    assert download.suggested_filename == "casework-social-work-england-SW600001.jwt"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    token = saved.read_text()
    out = io.StringIO()
    call_command("verify_credential", str(saved), stdout=out)
    assert "Amara Okafor" in out.getvalue()
    assert "Valid." in out.getvalue()

    # Copy: the text is there without scripts; the button copies it.
    page.get_by_text("Show the credential to copy it").click()
    expect(page.get_by_label("Your credential", exact=True)).to_have_value(token)
    page.get_by_role("button", name="Copy the credential").click()
    expect(page.get_by_text("Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == token

    # The check page says it is valid, and whose it is.
    page.goto(f"{site}/verify/credential/")
    page.get_by_label("Credential").fill(token)
    page.get_by_role("button", name="Check the credential").click()
    expect(page.locator("#server-result")).to_contain_text("Valid.")
    expect(page.locator("#browser-result")).to_contain_text("Valid.")
    for result in ("#server-result", "#browser-result"):
        expect(page.locator(result)).to_contain_text("Whose credential: Amara Okafor")

    # A wallet app: the page shows a one-time offer as a QR code and a link.
    page.goto(f"{site}/practice/registrations/")
    page.get_by_role("button", name="Add to a wallet app").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add your credential to a wallet app")
    expect(page.get_by_role("img", name="QR code of the credential offer for your wallet app"))
    assert_accessible(page)
    assert_fits_320_pixels(page)
    offer_uri = page.get_by_role("link", name="Open in my wallet app").get_attribute("href")
    assert offer_uri is not None
    assert offer_uri.startswith("openid-credential-offer://?credential_offer=")
    wallet = Wallet(UrllibTransport(), allow_http=True)  # the test server speaks plain HTTP
    assert wallet.receive(offer_uri) == [token]
