"""A regulator officer reads a register export: uploads it, sees the diff, applies it, and the
suspended practitioner's public status changes at once and their listing leaves the directory.

The reading suspends the only entry held, far more than 2 % of the register: applying it needs a
second confirmation naming that count, and a bare "Apply" is refused with the reason."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import BrowserContext, Page, expect

from casework.directory.services import save_profile
from casework.registry.credentials.models import IssuedCredential
from casework.registry.models import RegisterEntry, Regulator, RegulatorOfficer
from casework.registry.reference_data import load_reference_data
from casework.testing.directory import profile_details
from casework.testing.factories import OfficerFactory, PractitionerFactory
from casework.testing.registry import verified_claim

pytestmark = pytest.mark.browser

AssertAccessible = Callable[[Page], None]

REGISTER_EXPORT = """registration_number,name,status
SW300001,Amara Okafor,suspended
SW300002,Jonas Berg,registered
"""


def _signed_in_as(context: BrowserContext, site: str, person: Any) -> None:
    """Stands for a completed sign-in with MFA (the journeys in test_accounts cover it)."""
    client = Client()
    client.force_login(person)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": site}])


def test_an_officer_uploads_a_register_sees_the_diff_applies_it_and_the_status_follows(
    page: Page,
    context: BrowserContext,
    site: str,
    transactional_db: None,
    tmp_path: Path,
    assert_accessible: AssertAccessible,
) -> None:
    load_reference_data()
    england = Regulator.objects.get(slug="social-work-england")
    RegisterEntry.objects.create(
        regulator=england, registration_number="SW300001", name="Amara Okafor", status="registered"
    )
    practitioner = PractitionerFactory.create(legal_name="Amara Okafor")
    claim = verified_claim(
        practitioner=practitioner, regulator=england, registration_number="SW300001"
    )
    save_profile(practitioner=practitioner, details=profile_details(display_name="Amara Okafor"))
    officer = OfficerFactory.create(legal_name="Siobhan Gallagher")
    RegulatorOfficer.objects.create(officer=officer, regulator=england)
    export = tmp_path / "register.csv"
    export.write_text(REGISTER_EXPORT, encoding="utf-8")

    directory = context.new_page()
    directory.goto(f"{site}/find/?where=GB-ENG")
    expect(directory.locator("#search-results")).to_contain_text("Amara Okafor")

    _signed_in_as(context, site, officer)
    page.goto(f"{site}/oversight/imports/")
    assert_accessible(page)
    page.get_by_label("Regulator").select_option("social-work-england")
    page.get_by_label("Format of the file").select_option("generic-csv")
    page.get_by_label("Register export (CSV or JSON)").set_input_files(str(export))
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.get_by_text("Ready to apply")).to_be_visible()
    changes = page.get_by_role("region", name="What would change")
    expect(changes).to_contain_text("SW300001 Amara Okafor: registered → suspended")
    expect(changes).to_contain_text("SW300002 Jonas Berg")
    confirmation = page.get_by_role("region", name="This reading suspends or removes 1 entry")
    expect(confirmation).to_contain_text("1 of the 1 entries on the register")
    assert_accessible(page)

    # Without the count the browser asks for it; a wrong count is refused by the service.
    count = page.get_by_label("To apply it, type the number of entries it suspends or removes (1)")
    count.fill("2")
    page.get_by_role("button", name="Apply these changes").click()
    expect(page.locator(".messages")).to_contain_text("The number given, 2, is not 1.")
    expect(page.get_by_text("Ready to apply")).to_be_visible()
    assert RegisterEntry.objects.get(registration_number="SW300001").status == "registered"

    page.get_by_label("To apply it, type the number of entries it suspends or removes (1)").fill(
        "1"
    )
    page.get_by_role("button", name="Apply these changes").click()
    expect(page.get_by_text("Applied", exact=True)).to_be_visible()

    page.goto(f"{site}/verify/social-work-england/SW300001/")
    expect(page.locator(".status")).to_have_text("Suspended")
    assert IssuedCredential.objects.get(claim=claim).suspended

    # The listing is gone from the directory (new bookings stop with it).
    directory.reload()
    expect(directory.locator("#search-results")).not_to_contain_text("Amara Okafor")
