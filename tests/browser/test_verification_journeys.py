"""A visitor checks a social worker: by registration number, and by a pasted credential that
the browser (WebCrypto) and the server verify alike: valid, altered, suspended."""

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from casework.registry.claims import registration_status_changed
from casework.registry.credentials.models import IssuedCredential
from casework.registry.models import RegisterEntry, RegistrationClaim, Regulator
from casework.registry.reference_data import load_reference_data
from casework.testing.factories import PractitionerFactory
from casework.testing.registry import verified_claim

pytestmark = pytest.mark.browser

AssertAccessible = Callable[[Page], None]


def _verified_practitioner(number: str, name: str) -> RegistrationClaim:
    regulator = Regulator.objects.get(slug="social-work-england")
    RegisterEntry.objects.create(
        regulator=regulator, registration_number=number, name=name, status="registered"
    )
    practitioner = PractitionerFactory.create(legal_name=name)
    return verified_claim(
        practitioner=practitioner, regulator=regulator, registration_number=number
    )


@pytest.fixture
def registry(transactional_db: None, site: str, settings: Any) -> None:
    # Credentials name their status lists by the site's address: this test server's.
    settings.SITE_URL = site
    load_reference_data()


def test_a_visitor_verifies_a_social_worker_by_number(
    page: Page, site: str, registry: None, assert_accessible: AssertAccessible
) -> None:
    _verified_practitioner("SW200001", "Amara Okafor")
    page.goto(f"{site}/verify/")
    assert_accessible(page)
    page.get_by_label("Registration number").fill("SW200001")
    page.get_by_role("button", name="Check", exact=True).click()
    page.get_by_role("link", name="Amara Okafor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Amara Okafor")
    expect(page.get_by_text("Registered: the regulator lists this person")).to_be_visible()
    expect(page.get_by_text("has shown that this registration is theirs")).to_be_visible()
    page.get_by_label("Where the client is").fill("England")
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("covers clients in England")
    assert_accessible(page)


def _check_credential(page: Page, site: str, token: str) -> None:
    page.goto(f"{site}/verify/credential/")
    page.get_by_label("Credential").fill(token)
    page.get_by_role("button", name="Check the credential").click()


def test_a_pasted_credential_is_verified_by_browser_and_server_alike(
    page: Page, site: str, registry: None, assert_accessible: AssertAccessible
) -> None:
    claim = _verified_practitioner("SW200002", "Jonas Berg")
    token = IssuedCredential.objects.get(claim=claim).jwt

    _check_credential(page, site, token)
    server = page.locator("#server-result")
    browser = page.locator("#browser-result")
    expect(server).to_contain_text("Valid.")
    expect(browser).to_contain_text("Valid.")
    expect(browser).to_contain_text("Your browser and our server agree.")
    # Both say whose credential it is: the name on the register, the regulator, the number.
    expect(server).to_contain_text(
        "Whose credential: Jonas Berg, registered with Social Work England (England) "
        "under number SW200002."
    )
    expect(browser).to_contain_text(
        "Whose credential: Jonas Berg, registered with Social Work England (GB-ENG) "
        "under number SW200002."
    )
    assert_accessible(page)

    header, payload, signature = token.split(".")
    altered = f"{header}.{payload[:-4]}AAAA.{signature}"
    _check_credential(page, site, altered)
    expect(server).to_contain_text("Not valid.")
    expect(browser).to_contain_text("Not valid.")
    expect(browser).to_contain_text("Your browser and our server agree.")
    expect(browser).not_to_contain_text("Whose credential")


def test_a_suspended_registrations_credential_shows_suspended(
    page: Page, site: str, registry: None
) -> None:
    claim = _verified_practitioner("SW200003", "Dana Hollis")
    token = IssuedCredential.objects.get(claim=claim).jwt
    entry = claim.entry
    assert entry is not None
    entry.status = "suspended"
    entry.save(update_fields=["status"])
    registration_status_changed(
        entry=entry, old_status="registered", new_status="suspended", register_import=None
    )

    _check_credential(page, site, token)
    expect(page.locator("#server-result")).to_contain_text("suspended")
    expect(page.locator("#browser-result")).to_contain_text("suspended")
    expect(page.locator("#browser-result")).to_contain_text("Your browser and our server agree.")
