"""The practitioner assigns a PHQ-9 check-in; the client answers it with item 9 at "several
days", and is shown the crisis lines of where she is at once; the practitioner's caseload, open
all the while, puts her first with an urgent flag without being reloaded (over its websocket).
Axe checks the caseload, the check-in and the page after it."""

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from casework.accounts.models import User
from casework.testing.care import ready_case
from casework.testing.factories import ClientFactory, PractitionerFactory

pytestmark = pytest.mark.browser

AssertAccessible = Callable[[Page], None]
ProfileOf = Callable[[User], BrowserContext]

PHQ9 = "PHQ-9 (depression)"
# PHQ-9's ninth question: thoughts of being better off dead or of self-harm.
ITEM_9 = re.compile(r"Question 9 of 9: Thoughts that you would be better off dead")


def _signed_in_as(context: BrowserContext, site: str, person: Any) -> None:
    """Stands for a completed sign-in with MFA (the journeys in test_accounts cover it)."""
    client = Client()
    client.force_login(person)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": site}])


@pytest.fixture
def profile_of(browser: Browser, asgi_site: str) -> Iterator[ProfileOf]:
    """``profile_of(person)``: a browser profile of its own, signed in as ``person`` on the
    ASGI site. The profiles close before the server stops."""
    profiles: list[BrowserContext] = []

    def new_profile(person: User) -> BrowserContext:
        profile = browser.new_context(locale="en-GB", timezone_id="Europe/London")
        profile.set_default_timeout(15_000)  # as conftest's TIMEOUT_MS
        profiles.append(profile)
        _signed_in_as(profile, asgi_site, person)
        return profile

    yield new_profile
    for profile in profiles:
        profile.close()


def _table(caseload: Page) -> Locator:
    return caseload.get_by_role("table", name=re.compile("most in need first"))


def _rows(caseload: Page) -> Locator:
    """The caseload's clients, most in need first (without the header row)."""
    return _table(caseload).get_by_role("rowgroup").nth(1).get_by_role("row")


def test_an_urgent_check_in_shows_crisis_lines_and_tops_the_open_caseload(
    asgi_site: str, profile_of: ProfileOf, assert_accessible: AssertAccessible
) -> None:
    amara = PractitionerFactory.create(legal_name="Amara Okafor")
    # Two clients waiting longer for contact rank above Robin until she needs help.
    for alias in ("Ash", "Blake"):
        ready_case(amara, ClientFactory.create(alias=alias, time_zone="Europe/London"))
    robin = ClientFactory.create(alias="Robin", time_zone="Europe/London")
    ready_case(amara, robin, where="GB-SCT")

    # Amara keeps her caseload open in one tab; the page listens on a websocket (opened as the
    # page loads, long before Robin answers: a dozen requests come in between).
    practice = profile_of(amara)
    caseload = practice.new_page()
    with caseload.expect_websocket(lambda socket: socket.url.endswith("/ws/care/caseload/")):
        caseload.goto(f"{asgi_site}/care/caseload/")
    expect(_rows(caseload)).to_have_count(3)
    expect(_rows(caseload).first).to_contain_text("Ash")
    expect(_rows(caseload).last).to_contain_text("Robin")
    expect(_table(caseload).get_by_text("Urgent flag")).to_have_count(0)
    assert_accessible(caseload)
    caseload.evaluate("window.sameDocument = true")  # a reload would lose it

    # In another tab she assigns Robin a weekly PHQ-9 whose first one is due already.
    desk = practice.new_page()
    desk.goto(f"{asgi_site}/care/caseload/")
    desk.get_by_role("link", name="Robin").click()
    expect(desk.get_by_role("heading", level=1)).to_contain_text("Robin")
    desk.get_by_role("navigation", name="Case actions").get_by_role(
        "link", name="Assign check-ins"
    ).click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Assign check-ins")
    desk.get_by_label("Check-in").select_option(label=PHQ9)
    desk.get_by_label("How often").select_option(label="Every week")
    desk.get_by_label("Time of day (the client's time)").fill("00:00")
    desk.get_by_role("button", name="Assign").click()
    expect(desk.get_by_role("status")).to_contain_text("The check-ins are planned")
    plans = desk.get_by_role("table", name="Check-in plans")
    expect(plans).to_contain_text(PHQ9)
    expect(plans).to_contain_text("Every 7 days at 00:00")

    # Robin finds it on her care page and answers: item 9 at "several days", the rest "not at
    # all".
    mine = profile_of(robin).new_page()
    mine.goto(f"{asgi_site}/care/my/")
    mine.get_by_role("link", name=f"Answer: {PHQ9}").click()
    expect(mine.get_by_role("heading", level=1)).to_have_text(PHQ9)
    assert_accessible(mine)
    questions = mine.get_by_role("group", name=re.compile(r"^Question \d of 9"))
    expect(questions).to_have_count(9)
    for number in range(1, 9):
        mine.get_by_role("group", name=re.compile(rf"^Question {number} of 9:")).get_by_label(
            "Not at all"
        ).check()
    mine.get_by_role("group", name=ITEM_9).get_by_label("Several days").check()
    mine.get_by_role("button", name="Send my answers").click()

    # At once: what to do now, where she is (Scotland: its own line, then the UK's).
    expect(mine.get_by_role("heading", level=1)).to_have_text("Thank you for telling us")
    expect(mine.get_by_role("main")).to_contain_text("Amara Okafor has been told now")
    crisis = mine.get_by_role("region", name="If you need help now")
    expect(crisis).to_contain_text("If you are in danger, call 999 or 112 now.")
    expect(crisis).to_contain_text("Breathing Space")
    expect(crisis.get_by_role("link", name="0800 83 85 87")).to_have_attribute(
        "href", "tel:0800838587"
    )
    expect(crisis).to_contain_text("Samaritans")
    expect(crisis.get_by_role("link", name="116 123")).to_have_attribute("href", "tel:116123")
    assert_accessible(mine)

    # Amara's open caseload now starts with Robin, flagged, and says it changed.
    expect(_rows(caseload).first).to_contain_text("Robin")
    expect(_rows(caseload).first).to_contain_text("Urgent flag")
    expect(_rows(caseload)).to_have_count(3)
    expect(_table(caseload).get_by_text("Urgent flag")).to_have_count(1)
    expect(caseload.get_by_text("The caseload was updated.")).to_be_attached()
    assert caseload.evaluate("window.sameDocument === true"), "the caseload was loaded again"
    assert_accessible(caseload)
