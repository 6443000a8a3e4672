"""An impostor signs up under a real registrant's name and claims her number: the claim waits
for proof and lists nobody; the real registrant proves control by the code her regulator's
address receives and is verified; an officer of the regulator refuses the impostor's claim."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.core import mail
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, expect

from casework.accounts.models import User
from casework.directory.services import save_profile
from casework.registry.models import RegisterEntry, RegistrationClaim, Regulator, RegulatorOfficer
from casework.registry.reference_data import load_reference_data
from casework.testing.directory import profile_details
from casework.testing.factories import PERSONA_TOTP_SECRET, OfficerFactory, PractitionerFactory

pytestmark = pytest.mark.browser

AssertAccessible = Callable[[Page], None]
ConfirmationLink = Callable[[str], str]

CONTACT = "rosa.delgado@registrant.example"
IMPOSTOR = "rosa.delgado.lcsw@example.net"
PASSWORD = "a long sentence nobody guesses"
CODE = re.compile(r"\b(\d{8})\b")


def _signed_in_as(context: BrowserContext, site: str, person: Any) -> None:
    """Stands for a completed sign-in with MFA (the journeys in test_accounts cover it)."""
    client = Client()
    client.force_login(person)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": site}])


def _new_context(browser: Browser) -> BrowserContext:
    context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(15_000)
    return context


def _claim(page: Page, site: str) -> None:
    page.goto(f"{site}/practice/registrations/")
    page.get_by_label("Regulator").select_option("us-ca-bbs")
    page.get_by_label("Registration number").fill("LCSW 91234")
    page.get_by_role("button", name="Claim", exact=True).click()


def _codes_sent_to(address: str) -> list[str]:
    return [
        match.group(1)
        for message in mail.outbox
        if address in message.to
        for match in [CODE.search(str(message.body))]
        if match
    ]


def _leave_the_site(*pages: Page) -> None:
    for open_page in pages:
        open_page.goto("about:blank")


def test_an_impostor_stays_unverified_and_the_real_registrant_proves_control_by_code(
    page: Page,
    context: BrowserContext,
    browser: Browser,
    site: str,
    transactional_db: None,
    assert_accessible: AssertAccessible,
    confirmation_link: ConfirmationLink,
) -> None:
    load_reference_data()
    california = Regulator.objects.get(slug="us-ca-bbs")
    RegisterEntry.objects.create(
        regulator=california,
        registration_number="LCSW91234",
        name="Rosa Delgado",
        status="registered",
        contact_email=CONTACT,
    )
    officer = OfficerFactory.create(legal_name="Kai Moana")
    RegulatorOfficer.objects.create(officer=officer, regulator=california)

    # The impostor signs up with the registrant's name, as the register shows it.
    page.goto(f"{site}/accounts/signup/practitioner/")
    page.get_by_label("Legal name").fill("Rosa Delgado")
    page.get_by_label("Email").fill(IMPOSTOR)
    page.get_by_label(re.compile(r"^Password(?! \(again\))")).fill(PASSWORD)
    page.get_by_label(re.compile(r"^Password \(again\)")).fill(PASSWORD)
    page.get_by_role("button", name="Create practitioner account").click()
    page.goto(confirmation_link(IMPOSTOR))
    page.get_by_role("button", name="Confirm").click()
    impostor = User.objects.get(email=IMPOSTOR)
    # Enrolling a second factor is its own journey (test_accounts_journeys).
    TOTP.activate(impostor, PERSONA_TOTP_SECRET)
    RecoveryCodes.activate(impostor)
    _signed_in_as(context, site, impostor)
    save_profile(
        practitioner=impostor,
        details=profile_details(display_name="Rosa Delgado", fee_currency="USD"),
    )

    _claim(page, site)
    expect(page.get_by_role("status").or_(page.locator(".messages"))).to_contain_text(
        "Now show that it is yours"
    )
    expect(page.get_by_role("table")).to_contain_text("Matched, awaiting proof")
    assert_accessible(page)
    # The code goes to the register's address, never to the impostor.
    page.get_by_role("button", name="Send me a code").click()
    expect(page.locator(".messages")).to_contain_text("We sent a code")
    assert _codes_sent_to(IMPOSTOR) == []
    assert len(_codes_sent_to(CONTACT)) == 1
    page.get_by_label("Code from the email").fill("12345678")
    page.get_by_role("button", name="Confirm the code").click()
    expect(page.locator(".messages")).to_contain_text("That code is not right")

    visitor = _new_context(browser).new_page()
    visitor.goto(f"{site}/find/?q=Delgado")
    expect(visitor.locator("main")).not_to_contain_text("Rosa Delgado")
    visitor.goto(f"{site}/verify/us-ca-bbs/LCSW91234/")
    expect(visitor.locator("main")).to_contain_text(
        "No practitioner on Casework has shown that this registration is theirs."
    )

    # The real registrant claims her number: a dispute, and the code proves she holds it.
    # No page of the site stays open while this thread writes: an open page keeps asking (its
    # live socket, which this server does not speak), and a request in flight on the live
    # server's shared in-memory database would meet the write ("table is locked").
    _leave_the_site(page, visitor)
    rosa = PractitionerFactory.create(legal_name="Rosa Delgado", email="rosa@example.org")
    save_profile(
        practitioner=rosa, details=profile_details(display_name="Rosa Delgado", fee_currency="USD")
    )
    hers = _new_context(browser)
    _signed_in_as(hers, site, rosa)
    her_page = hers.new_page()
    _claim(her_page, site)
    expect(her_page.locator(".messages")).to_contain_text("Another account has claimed")
    her_page.get_by_role("button", name="Send me a code").click()
    [code] = _codes_sent_to(CONTACT)[-1:]
    her_page.get_by_label("Code from the email").fill(code)
    her_page.get_by_role("button", name="Confirm the code").click()
    expect(her_page.locator(".messages")).to_contain_text(
        "you have shown that this registration is yours"
    )
    expect(her_page.get_by_role("table")).to_contain_text("Verified")
    assert_accessible(her_page)

    visitor.goto(f"{site}/find/?q=Delgado")
    expect(visitor.locator("#search-results")).to_contain_text("On the register as Rosa Delgado")
    expect(visitor.locator("#search-results .directory-card")).to_have_count(1)

    # The officer decides the dispute: the impostor's claim is refused, with the reason.
    _leave_the_site(her_page, visitor)
    officers = _new_context(browser)
    _signed_in_as(officers, site, officer)
    review = officers.new_page()
    review.goto(f"{site}/oversight/reviews/")
    assert_accessible(review)
    waiting = review.get_by_role("listitem").filter(has_text="Matched, awaiting proof")
    expect(waiting).to_contain_text("In dispute")
    waiting.get_by_role("link").click()
    expect(review.get_by_role("main")).to_contain_text("In dispute.")
    assert_accessible(review)
    review.get_by_label("Refuse").check()
    review.get_by_label("Reason (the practitioner reads it)").fill(
        "The registrant proved control of this registration; this account did not."
    )
    review.get_by_role("button", name="Record the decision").click()
    expect(review.locator(".messages")).to_contain_text("Your decision is recorded.")

    page.goto(f"{site}/practice/registrations/")
    expect(page.get_by_role("table")).to_contain_text("Refused")
    expect(page.get_by_role("table")).to_contain_text("this account did not")
    claims = RegistrationClaim.objects.filter(registration_number="LCSW91234")
    assert sorted(claims.values_list("practitioner__email", "state", "proof_route")) == [
        ("rosa.delgado.lcsw@example.net", "rejected", ""),
        ("rosa@example.org", "verified", "emailed_code"),
    ]
    assert not claims.filter(disputed_since__isnull=False).exists()
