"""Typing a date on a page read in British English from a browser set to US English: the day,
month and year boxes come in the page's order (day first), never the browser's mm/dd/yyyy,
and an impossible date is caught on the server with an error at the top of the form."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from casework.scheduling.models import AvailabilityException
from casework.testing.factories import PractitionerFactory

pytestmark = pytest.mark.browser

AssertAccessible = Callable[[Page], None]


def test_a_us_browser_on_the_british_page_types_the_day_first(
    browser: Browser, site: str, assert_accessible: AssertAccessible
) -> None:
    practitioner = PractitionerFactory.create(time_zone="Europe/London")
    profile = browser.new_context(locale="en-US", timezone_id="America/New_York")
    client = Client()
    client.force_login(practitioner)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    profile.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": site}])
    page = profile.new_page()
    page.goto(f"{site}/practice/availability/")

    date = page.get_by_role("region", name="Days off and extra hours").get_by_role(
        "group", name="Date"
    )
    expect(date).to_contain_text("For example, 27 3 2027")
    boxes = date.locator("input")
    expect(boxes).to_have_count(3)
    assert [boxes.nth(index).get_attribute("name") for index in range(3)] == [
        "exception-on_day",
        "exception-on_month",
        "exception-on_year",
    ]
    assert page.locator('input[type="date"]').count() == 0
    assert_accessible(page)

    date.get_by_label("Day").fill("31")
    date.get_by_label("Month").fill("2")
    date.get_by_label("Year").fill(str(timezone.localdate().year + 1))
    page.get_by_role("button", name="Add the exception").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Date: That date does not exist: check the day and the month.")
    expect(summary).to_be_focused()
    date = page.get_by_role("group", name="Date")
    expect(date.get_by_label("Day")).to_have_value("31")  # what was typed stays, to be mended
    assert_accessible(page)

    soon = timezone.localdate() + timedelta(days=10)
    date.get_by_label("Day").fill(str(soon.day))
    date.get_by_label("Month").fill(str(soon.month))
    date.get_by_label("Year").fill(str(soon.year))
    page.get_by_role("button", name="Add the exception").click()
    expect(page.locator(".messages")).to_contain_text("The exception is added.")
    assert AvailabilityException.objects.get(practitioner=practitioner).on == soon
    profile.close()
