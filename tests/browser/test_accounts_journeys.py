"""Signing up, verifying an email address, signing in and out, and MFA, as a browser does it.

Each journey also runs axe-core (WCAG 2.2 AA) on the pages it passes through.
"""

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import hotp_value
from playwright.sync_api import Page, expect

from casework.accounts.models import User
from casework.testing.factories import PERSONA_PASSWORD, PERSONA_TOTP_SECRET, PractitionerFactory
from tests.browser.helpers import assert_in_spanish

pytestmark = pytest.mark.browser

AssertAccessible = Callable[[Page], None]
ConfirmationLink = Callable[[str], str]

TOTP_PERIOD = 30
# "Password (required)" but not "Password (again) (required)".
PASSWORD_LABEL = re.compile(r"^Password(?! \(again\))")
PASSWORD_AGAIN_LABEL = re.compile(r"^Password \(again\)")
NEW_PASSWORD = "a long sentence nobody guesses"

VISITOR_PAGES = [
    "/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/signup/practitioner/",
    "/accounts/password/reset/",
]


def path_is(site: str, path: str) -> re.Pattern[str]:
    """Matches the page's URL when it is exactly ``path`` (any query string)."""
    return re.compile(rf"^{re.escape(site + path)}(\?.*)?$")


@contextmanager
def fresh_totp_window() -> Iterator[None]:
    """Time starts again at the beginning of a TOTP period, for this process only.

    allauth accepts only the current period's code (no tolerance), so a code computed a moment
    before the period ends would be refused. Clocks keep ticking from the period's start, which
    leaves the whole period for the browser to type and submit the code.
    """
    next_period = (int(time.time()) // TOTP_PERIOD + 1) * TOTP_PERIOD
    with time_machine.travel(datetime.fromtimestamp(next_period, tz=UTC), tick=True):
        yield


def current_totp_code(secret: str) -> str:
    return f"{hotp_value(secret, int(time.time()) // TOTP_PERIOD):06d}"


def sign_in(page: Page, site: str, email: str, password: str) -> None:
    page.goto(f"{site}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page, site: str) -> None:
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    # The header's form posts to allauth's sign-out, which signs out at once (only a GET asks
    # "Are you sure?") and goes to the public home page.
    expect(page).to_have_url(path_is(site, "/"))
    expect(page.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()


def verify_email(page: Page, site: str, link: str) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Confirm Email Address"))
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(path_is(site, "/accounts/login/"))


def test_a_client_signs_up_verifies_email_and_signs_in(
    page: Page,
    site: str,
    assert_accessible: AssertAccessible,
    confirmation_link: ConfirmationLink,
) -> None:
    email = "sparrow@example.org"

    page.goto(f"{site}/")
    assert_accessible(page)
    page.get_by_role("banner").get_by_role("link", name="Sign up", exact=True).click()
    expect(page).to_have_url(path_is(site, "/accounts/signup/"))
    assert_accessible(page)

    page.get_by_label("Alias").fill("Sparrow")
    page.get_by_label("Email").fill(email)
    page.get_by_label(PASSWORD_LABEL).fill(NEW_PASSWORD)
    page.get_by_label(PASSWORD_AGAIN_LABEL).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(path_is(site, "/accounts/confirm-email/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("Verify Your Email Address")
    )
    assert_accessible(page)

    verify_email(page, site, confirmation_link(email))
    sign_in(page, site, email, NEW_PASSWORD)
    expect(page).to_have_url(path_is(site, "/home/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Sparrow")
    assert_accessible(page)

    page.get_by_role("link", name="Sessions").click()
    expect(page).to_have_url(path_is(site, "/accounts/sessions/"))
    assert_accessible(page)
    page.get_by_role("link", name="Preferences").click()
    expect(page).to_have_url(path_is(site, "/accounts/preferences/"))
    assert_accessible(page)

    sign_out(page, site)
    page.goto(f"{site}/home/")
    expect(page).to_have_url(path_is(site, "/accounts/login/"))

    sign_in(page, site, email, NEW_PASSWORD)
    expect(page).to_have_url(path_is(site, "/home/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Sparrow")


def test_a_practitioner_signs_up_and_must_enrol_totp_before_home_opens(
    page: Page,
    site: str,
    assert_accessible: AssertAccessible,
    confirmation_link: ConfirmationLink,
) -> None:
    email = "nadia.hassan@example.org"
    enrolment = "/accounts/mfa/totp/activate/"

    page.goto(f"{site}/accounts/signup/practitioner/")
    assert_accessible(page)
    page.get_by_label("Legal name").fill("Nadia Hassan")
    page.get_by_label("Email").fill(email)
    page.get_by_label(PASSWORD_LABEL).fill(NEW_PASSWORD)
    page.get_by_label(PASSWORD_AGAIN_LABEL).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create practitioner account").click()
    expect(page).to_have_url(path_is(site, "/accounts/confirm-email/"))

    verify_email(page, site, confirmation_link(email))
    sign_in(page, site, email, NEW_PASSWORD)
    # Instead of home, enrolment, at once: the password she just typed to sign in counts (no
    # second "confirm your password" before a first factor).
    expect(page).to_have_url(path_is(site, enrolment))
    expect(page.get_by_role("status")).to_contain_text("Set up two-factor authentication first")
    assert_accessible(page)

    page.goto(f"{site}/home/")
    expect(page).to_have_url(path_is(site, enrolment))

    secret = page.get_by_label("Authenticator secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]+=*", secret), f"not a base32 TOTP secret: {secret!r}"
    with fresh_totp_window():
        page.get_by_label("Authenticator code").fill(current_totp_code(secret))
        page.get_by_role("button", name="Activate").click()
        # The first factor comes with recovery codes, shown straight away.
        expect(page).to_have_url(path_is(site, "/accounts/mfa/recovery-codes/"))
    expect(page.get_by_label("Unused codes")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Security").click()
    expect(page).to_have_url(path_is(site, "/accounts/mfa/"))
    expect(page.get_by_role("main")).to_contain_text(
        "Authentication using an authenticator app is active."
    )
    assert_accessible(page)

    page.goto(f"{site}/home/")
    expect(page).to_have_url(path_is(site, "/home/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Nadia Hassan")
    assert User.objects.get(email=email).role == "practitioner"


def test_a_practitioner_with_totp_signs_in_with_password_and_code(
    page: Page, site: str, assert_accessible: AssertAccessible
) -> None:
    PractitionerFactory(email="jonas.berg@example.org", legal_name="Jonas Berg")

    sign_in(page, site, "jonas.berg@example.org", PERSONA_PASSWORD)
    expect(page).to_have_url(path_is(site, "/accounts/mfa/authenticate/"))
    assert_accessible(page)

    with fresh_totp_window():
        page.get_by_label("Code").fill(current_totp_code(PERSONA_TOTP_SECRET))
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(path_is(site, "/home/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Jonas Berg")


def test_a_sign_up_with_mistakes_says_what_to_fix_at_each_field(
    page: Page, site: str, assert_accessible: AssertAccessible
) -> None:
    page.goto(f"{site}/accounts/signup/practitioner/")
    page.get_by_label("Email").fill("not an email address")
    page.get_by_label(PASSWORD_LABEL).fill("short")
    page.get_by_label(PASSWORD_AGAIN_LABEL).fill("short")
    page.get_by_role("button", name="Create practitioner account").click()

    legal_name = page.get_by_label("Legal name")
    email = page.get_by_label("Email")
    expect(legal_name).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_attribute("aria-invalid", "true")
    # Screen readers read each field's hint and error with the field itself.
    expect(legal_name).to_have_accessible_description(
        re.compile(r"regulator's register.*This field is required", re.DOTALL)
    )
    expect(email).to_have_accessible_description(re.compile("Enter a valid email address"))
    # The problems are listed at the top, and focus starts there; each leads to its field.
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name=re.compile("^Email: Enter a valid email address")).click()
    expect(email).to_be_focused()
    assert_accessible(page)


@pytest.mark.parametrize("path", VISITOR_PAGES)
def test_the_pages_a_visitor_sees_meet_wcag_22_aa_in_english_and_spanish(
    page: Page, site: str, assert_accessible: AssertAccessible, path: str
) -> None:
    page.goto(f"{site}{path}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_accessible(page)

    page.get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page).to_have_url(path_is(site, path))
    assert_accessible(page)
    assert_in_spanish(page)
