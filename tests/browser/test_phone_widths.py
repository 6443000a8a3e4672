"""The first hour's pages on phones: nothing scrolls sideways at 320 or 390 CSS pixels (WCAG
1.4.10 Reflow), tables become stacked rows, the Spanish directory fits a 390 px phone, and the
caseload shows 20 clients with every column on a 1280 by 800 desktop. Axe checks each page."""

from collections.abc import Callable, Iterator

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page, expect

from casework.accounts.models import User
from casework.testing import care
from casework.testing.directory import listed_practitioner
from casework.testing.factories import ClientFactory
from casework.testing.scheduling import (
    NOW,
    THURSDAY_9,
    book,
    bookable_practitioner,
    reference_places,
)

pytestmark = pytest.mark.browser

AssertAccessible = Callable[[Page], None]
ProfileOf = Callable[..., BrowserContext]  # (person or None, locale="en-GB")
WIDTHS = (320, 390)


@pytest.fixture(autouse=True)
def _places(transactional_db: None) -> None:
    reference_places()


def overflow_of(page: Page, width: int) -> str:
    """How much wider than ``width`` the page is, and its widest elements ("" when it fits)."""
    page.set_viewport_size({"width": width, "height": 800})
    extra = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if extra <= 0:
        return ""
    wide = page.evaluate(
        """(width) => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > width + 1)
            .slice(0, 5).map(e => e.tagName + '.' + e.className).join(', ')""",
        width,
    )
    return f"{page.url} is {extra}px wider than {width}px: {wide}"


def assert_fits_phones(page: Page) -> None:
    problems = [problem for width in WIDTHS if (problem := overflow_of(page, width))]
    page.set_viewport_size({"width": 1280, "height": 800})
    assert not problems, "\n".join(problems)


@pytest.fixture
def profile_of(browser: Browser, site: str) -> Iterator[ProfileOf]:
    """``profile_of(person)``: a browser profile signed in as ``person`` (standing for a
    completed sign-in with MFA), in their language; ``profile_of(None)`` a visitor's."""
    profiles: list[BrowserContext] = []

    def new_profile(person: User | None, locale: str = "en-GB") -> BrowserContext:
        if person is not None and person.language == "es":
            locale = "es-ES"
        profile = browser.new_context(locale=locale, timezone_id="Europe/London")
        profile.set_default_timeout(15_000)
        profiles.append(profile)
        if person is not None:
            client = Client()
            client.force_login(person)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            profile.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": site}]
            )
        return profile

    yield new_profile
    for profile in profiles:
        profile.close()


def test_the_first_hours_pages_fit_phones(
    site: str, transactional_db: None, profile_of: ProfileOf, assert_accessible: AssertAccessible
) -> None:
    listed = listed_practitioner(legal_name="Amara Okafor")
    practitioner, session_type = bookable_practitioner(
        practitioner=listed.practitioner, rules={"confirm_first_sessions": True}
    )
    robin = ClientFactory.create(alias="Robin", language="es")
    with time_machine.travel(NOW, tick=False):
        appointment = book(robin, session_type, THURSDAY_9)
    care.open_case(practitioner, robin)

    visitor = profile_of(None).new_page()
    for path in ("/", "/find/", f"/practitioners/{listed.slug}/"):
        visitor.goto(site + path)
        assert_fits_phones(visitor)

    hers = profile_of(robin).new_page()
    for path in (
        reverse("shell:dashboard"),
        reverse("messaging:start", kwargs={"person_id": practitioner.pk}),
        reverse("scheduling:appointment", kwargs={"appointment_id": appointment.pk}),
        reverse("scheduling:my_appointments"),
        reverse("accounts:sessions"),
        reverse("care:my_care"),
    ):
        hers.goto(site + path)
        assert_accessible(hers)
        assert_fits_phones(hers)

    theirs = profile_of(practitioner).new_page()
    for path in (
        reverse("shell:dashboard"),
        reverse("scheduling:appointment", kwargs={"appointment_id": appointment.pk}),
        reverse("scheduling:practitioner_appointments"),
        reverse("registry:my_registrations"),
    ):
        theirs.goto(site + path)
        assert_accessible(theirs)
        assert_fits_phones(theirs)


def test_the_spanish_directory_fits_a_390_pixel_phone(
    site: str, transactional_db: None, profile_of: ProfileOf
) -> None:
    listed_practitioner(legal_name="Rosa Delgado", languages=["es"])
    page = profile_of(None, "es-ES").new_page()
    page.goto(f"{site}/find/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert not overflow_of(page, 390), overflow_of(page, 390)
    assert not overflow_of(page, 320), overflow_of(page, 320)
    # The language form ("Cambiar") in the header of every page.
    page.goto(f"{site}/")
    assert not overflow_of(page, 320), overflow_of(page, 320)


# Where each caseload row and its cells are: the header cells, then every row of the body
# with each cell and everything drawn inside it (a time, a sparkline, a tag).
CASELOAD_LAYOUT_JS = """() => {
  const box = (element) => {
    const r = element.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom,
            width: r.width, height: r.height};
  };
  const table = document.querySelector('table.caseload');
  return {
    width: document.documentElement.clientWidth,
    height: document.documentElement.clientHeight,
    headers: [...table.tHead.rows[0].cells].map(
      (cell) => ({text: cell.textContent.trim(), ...box(cell)})),
    rows: [...table.tBodies[0].rows].map((row) => ({
      ...box(row),
      cells: [...row.cells].map((cell) => ({
        ...box(cell),
        parts: [...cell.querySelectorAll('*')].map(box),
      })),
    })),
  };
}"""


def test_the_caseload_shows_20_clients_with_every_column_on_a_1280_by_800_desktop(
    site: str, transactional_db: None, profile_of: ProfileOf, assert_accessible: AssertAccessible
) -> None:
    practitioner = care.verified_practitioner()
    with time_machine.travel(NOW, tick=False):
        care.bulk_caseload(practitioner, 25, now=NOW)
    page = profile_of(practitioner).new_page()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(site + reverse("care:caseload"))
    expect(page.locator("table.caseload tbody tr")).to_have_count(25)
    layout = page.evaluate(CASELOAD_LAYOUT_JS)
    width, height = layout["width"], layout["height"]

    def on_screen(box: dict[str, float]) -> bool:
        """Drawn, and wholly inside the window's width (and above its bottom edge)."""
        return (
            box["width"] > 0
            and box["height"] > 0
            and box["left"] >= 0
            and box["right"] <= width
            and box["bottom"] <= height
        )

    assert len(layout["headers"]) == 6
    clipped = [header["text"] for header in layout["headers"] if not on_screen(header)]
    assert clipped == [], f"column headers cut off at 1280 by 800: {clipped}"
    seen = [row for row in layout["rows"] if row["top"] >= 0 and row["bottom"] <= height]
    assert len(seen) >= 20, f"only {len(seen)} clients fit a 1280 by 800 window"
    for number, row in enumerate(seen, start=1):
        assert len(row["cells"]) == 6
        for column, cell in enumerate(row["cells"]):
            parts = [cell, *cell["parts"]]
            assert all(on_screen(part) for part in parts), (
                f"row {number}, column {layout['headers'][column]['text']!r} is cut off"
            )
    assert not page.evaluate(
        """() => [...document.querySelectorAll('.table-wrap')]
            .some(w => w.scrollWidth > w.clientWidth + 1)"""
    ), "the caseload scrolls sideways at 1280 px"
    assert_accessible(page)
    # On a phone each client is a stacked block: nothing scrolls sideways, and axe agrees.
    assert not overflow_of(page, 320), overflow_of(page, 320)
    assert_accessible(page)


def test_a_submit_button_says_it_is_busy_while_its_form_is_sent(
    site: str, transactional_db: None, profile_of: ProfileOf
) -> None:
    practitioner = listed_practitioner(legal_name="Amara Okafor").practitioner
    robin = ClientFactory.create(alias="Robin")
    page = profile_of(robin).new_page()
    page.goto(site + reverse("messaging:start", kwargs={"person_id": practitioner.pk}))
    # Hold the form here (after busy.js has seen the submit) to look at the button.
    page.evaluate("document.addEventListener('submit', (event) => event.preventDefault())")
    send = page.locator("main form button[type=submit]")
    assert send.get_attribute("aria-busy") is None
    send.click()
    expect(send).to_have_attribute("aria-busy", "true")
