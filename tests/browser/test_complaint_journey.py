"""A visitor reports a social worker from her profile, anonymously; the officer of her regulator
sees the complaint, downloads its bundle (the manifest's hashes check), takes it under review
and suspends the listing; the profile leaves the directory, the credential verifies as
suspended, and the visitor follows the complaint by its reference. The other regulator's
officer sees none of it. Every page passes axe, in English and Spanish, and fits 320 px."""

import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import BrowserContext, Page, expect

from casework.directory.services import save_profile
from casework.registry.credentials.models import IssuedCredential
from casework.registry.credentials.verification import verify_credential_jwt
from casework.registry.models import RegisterEntry, Regulator, RegulatorOfficer
from casework.registry.reference_data import load_reference_data
from casework.testing.directory import profile_details
from casework.testing.factories import OfficerFactory, PractitionerFactory
from casework.testing.messaging import PNG_BYTES
from casework.testing.registry import verified_claim
from tests.browser.test_credential_holder_journey import assert_fits_320_pixels

pytestmark = pytest.mark.browser

AssertAccessible = Callable[[Page], None]


def _signed_in_as(context: BrowserContext, site: str, person: Any) -> None:
    """Stands for a completed sign-in with MFA (the journeys in test_accounts cover it)."""
    client = Client()
    client.force_login(person)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": site}])


def _check(page: Page, assert_accessible: AssertAccessible) -> None:
    assert_accessible(page)
    assert_fits_320_pixels(page)


def test_a_visitors_complaint_reaches_the_right_officer_who_suspends_the_listing(
    page: Page,
    context: BrowserContext,
    browser: Any,
    site: str,
    transactional_db: None,
    tmp_path: Path,
    assert_accessible: AssertAccessible,
) -> None:
    load_reference_data()
    england = Regulator.objects.get(slug="social-work-england")
    scotland = Regulator.objects.get(slug="sssc")
    RegisterEntry.objects.create(
        regulator=england, registration_number="SW400001", name="Amara Okafor", status="registered"
    )
    practitioner = PractitionerFactory.create(legal_name="Amara Okafor")
    claim = verified_claim(
        practitioner=practitioner, regulator=england, registration_number="SW400001"
    )
    profile = save_profile(
        practitioner=practitioner, details=profile_details(display_name="Amara Okafor")
    )
    officer = OfficerFactory.create(legal_name="Siobhan Gallagher")
    RegulatorOfficer.objects.create(officer=officer, regulator=england)
    other_officer = OfficerFactory.create(legal_name="Callum Reid", language="es")
    RegulatorOfficer.objects.create(officer=other_officer, regulator=scotland)

    # The visitor reports her from her profile, without a name or an email address.
    page.goto(f"{site}/practitioners/{profile.slug}/")
    page.get_by_role("link", name="Report this social worker to their regulator").click()
    expect(page.get_by_text("Social Work England", exact=False).first).to_be_visible()
    _check(page, assert_accessible)
    page.get_by_label("What is the complaint about?").select_option("boundary")
    page.get_by_label("What happened?").fill("She asked me to pay her privately, by gift card.")
    evidence = tmp_path / "receipt.png"
    evidence.write_bytes(PNG_BYTES)
    page.get_by_label("Evidence (optional)").set_input_files(str(evidence))
    page.get_by_role("button", name="Send the complaint").click()
    reference = page.locator("#complaint-reference").inner_text()
    secret = page.locator("#complaint-secret").inner_text()
    _check(page, assert_accessible)

    # The officer of Social Work England sees it, downloads its bundle, takes it under review.
    officer_context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    _signed_in_as(officer_context, site, officer)
    desk = officer_context.new_page()
    desk.goto(f"{site}/oversight/")
    expect(desk.get_by_role("heading", level=1)).to_have_text("Social Work England")
    _check(desk, assert_accessible)
    desk.get_by_role("link", name=reference).click()
    _check(desk, assert_accessible)
    with desk.expect_download() as download:
        desk.get_by_role("link", name="Download the evidence bundle (ZIP)").click()
    bundle = zipfile.ZipFile(download.value.path())
    manifest = json.loads(bundle.read("manifest.json"))
    for item in manifest["files"]:
        assert hashlib.sha256(bundle.read(item["name"])).hexdigest() == item["sha256"]
    assert bundle.read("evidence/01-receipt.png") == PNG_BYTES
    desk.reload()
    expect(desk.get_by_text("Downloaded by:")).to_be_visible()
    desk.get_by_label("Move the complaint to").select_option("under_review")
    desk.get_by_role("button", name="Save").click()
    expect(desk.locator("#complaint-state")).to_have_text("Under review")

    # ... and suspends the listing, with a reason.
    desk.get_by_role("link", name="Social Work England SW400001").click()
    _check(desk, assert_accessible)
    desk.get_by_label("Reason").first.fill("Interim order while we investigate a complaint.")
    desk.get_by_role("button", name="Suspend the listing").click()
    expect(desk.locator("#listing-state")).to_have_text("Suspended by an officer")
    # The regulator's webhook deliveries, linked from the dashboard.
    desk.goto(f"{site}/oversight/regulators/social-work-england/webhook/")
    _check(desk, assert_accessible)

    # The profile has left the directory; the registration says suspended; so does the
    # credential.
    gone = page.goto(f"{site}/practitioners/{profile.slug}/")
    assert gone is not None
    assert gone.status == 404
    page.goto(f"{site}/find/")
    expect(page.get_by_text("Amara Okafor")).to_have_count(0)
    page.goto(f"{site}/verify/social-work-england/SW400001/")
    expect(page.locator("#platform-suspension")).to_be_visible()
    _check(page, assert_accessible)
    credential = IssuedCredential.objects.get(claim=claim, revoked=False)
    assert "suspended" in verify_credential_jwt(credential.jwt).codes

    # The visitor follows the complaint by its reference and secret, in Spanish too.
    page.goto(f"{site}/complaints/track/")
    page.get_by_label("Reference").fill(reference)
    page.get_by_label("Secret").fill(secret)
    page.get_by_role("button", name="Show the complaint").click()
    expect(page.locator("#complaint-state")).to_have_text("Under review")
    _check(page, assert_accessible)
    page.get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    _check(page, assert_accessible)

    # The SSSC's officer (who reads Spanish) sees none of it.
    other_context = browser.new_context(locale="es-ES", timezone_id="Europe/London")
    _signed_in_as(other_context, site, other_officer)
    other = other_context.new_page()
    other.goto(f"{site}/oversight/")
    expect(other.locator("html")).to_have_attribute("lang", "es")
    expect(other.get_by_text(reference)).to_have_count(0)
    _check(other, assert_accessible)
    other.goto(f"{site}/oversight/complaints/")
    expect(other.get_by_text(reference)).to_have_count(0)
    refused = other.goto(f"{site}/oversight/regulators/social-work-england/")
    assert refused is not None
    assert refused.status == 404
    refused = other.goto(f"{site}/oversight/regulators/social-work-england/webhook/")
    assert refused is not None
    assert refused.status == 404
    officer_context.close()
    other_context.close()
