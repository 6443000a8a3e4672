"""A visitor finds a social worker by place and language, opens the profile, signs up, books a
time, and sees the appointment in their list and in its .ics file; the practitioner sees it
and confirms it. Axe checks every page on the way."""

import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import Browser, BrowserContext, Page, expect

from casework.accounts.models import User
from casework.registry.reference_data import load_reference_data
from casework.scheduling.models import Appointment, AppointmentStatus
from casework.scheduling.queries import bookable, offered_session_types
from casework.scheduling.services import availability
from casework.testing.directory import listed_practitioner
from casework.testing.factories import ClientFactory
from casework.testing.scheduling import book

pytestmark = pytest.mark.browser

AssertAccessible = Callable[[Page], None]
ConfirmationLink = Callable[[str], str]
PASSWORD = "a long sentence nobody guesses"
EMAIL = "wren@example.org"


def _signed_in_as(context: BrowserContext, site: str, person: Any) -> None:
    """Stands for a completed sign-in with MFA (the journeys in test_accounts cover it)."""
    client = Client()
    client.force_login(person)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": site}])


def _without_live_updates(context: BrowserContext) -> None:
    """Answer the pages' live-update websocket in the browser itself. The test server speaks
    no websockets, so each of live.js's retries would be a request writing the session in the
    one in-memory SQLite database, now and then at the same moment as the journey's own
    request ("database table is locked"). The live updates have their own tests."""
    context.route_web_socket(re.compile(r"/ws/"), lambda socket: None)


def _open_practitioner(practitioner: User) -> None:
    """Amara works every hour of every day (so the journey finds a time whenever it runs),
    confirms new clients' first sessions herself, and takes bookings from an hour ahead."""
    availability.replace_weekly_hours(
        practitioner=practitioner, windows=[(day, 0, 24 * 60) for day in range(7)]
    )
    availability.update_booking_rules(
        practitioner=practitioner,
        buffer_before_minutes=0,
        buffer_after_minutes=10,
        slot_interval_minutes=30,
        minimum_notice_hours=1,
        max_per_day=None,
        horizon_days=30,
        cancellation_notice_hours=24,
        confirm_first_sessions=True,
    )
    availability.save_session_type(
        practitioner=practitioner,
        name="Video session",
        duration_minutes=50,
        modality="video",
        price=Decimal("65.00"),
        currency="GBP",
    )


def test_a_visitor_finds_books_and_the_practitioner_confirms(
    page: Page,
    browser: Browser,
    context: BrowserContext,
    site: str,
    transactional_db: None,
    tmp_path: Path,
    assert_accessible: AssertAccessible,
    confirmation_link: ConfirmationLink,
) -> None:
    _without_live_updates(context)
    load_reference_data()
    profile = listed_practitioner(legal_name="Amara Okafor", languages=["en", "yo"])
    listed_practitioner(legal_name="Jonas Berg", languages=["en", "no"])
    practitioner = profile.practitioner
    _open_practitioner(practitioner)

    # Search by place and language, open the profile.
    page.goto(f"{site}/find/")
    assert_accessible(page)
    search = page.get_by_role("search", name="Search the directory")
    search.get_by_label("Where the client is").fill("England")
    search.get_by_label("Language").select_option("yo")
    search.get_by_role("button", name="Search").click()
    results = page.locator("#search-results")
    expect(results).to_contain_text("Amara Okafor")
    expect(results).not_to_contain_text("Jonas Berg")
    assert_accessible(page)
    results.get_by_role("link", name="Amara Okafor", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Amara Okafor")
    assert_accessible(page)

    # Step 1: pick the first free time; a visitor is asked to sign in, and signs up instead.
    panel = page.get_by_role("region", name="Book a session")
    expect(panel).to_contain_text("Times in United Kingdom")
    # Not the first time shown: that one may pass inside the hour's notice while we sign up.
    a_time = panel.locator("ul.actions a").nth(2)
    chosen = a_time.get_attribute("href")
    assert chosen
    assert "where=GB-ENG" in chosen
    a_time.click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    assert_accessible(page)
    page.get_by_role("main").get_by_role("link", name=re.compile("sign up", re.I)).click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/"))
    page.get_by_label("Alias").fill("Wren")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label(re.compile(r"^Password(?! \(again\))")).fill(PASSWORD)
    page.get_by_label(re.compile(r"^Password \(again\)")).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("Verify Your Email Address")
    )
    page.goto(confirmation_link(EMAIL))
    page.get_by_role("button", name="Confirm").click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # Verifying the address in between does not lose the way back to the chosen time.
    expect(page).to_have_url(re.compile(r"/book/confirm/"))

    # Step 2: the time in the client's zone, where they will be, the policy, the waiting.
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your booking")
    expect(page.get_by_role("main")).to_contain_text("(United Kingdom)")
    expect(page.get_by_role("main")).to_contain_text(
        "This booking awaits the practitioner's confirmation."
    )
    expect(page.get_by_label("Where will you be during the session?")).to_have_value(
        "United Kingdom"
    )
    expect(page.get_by_label("Where in United Kingdom")).to_have_value("GB-ENG")
    assert_accessible(page)
    page.get_by_role("button", name="Ask for this time").click()

    # Step 3: the appointment.
    expect(page.get_by_role("heading", level=1)).to_have_text("Your appointment")
    expect(page.get_by_role("main")).to_contain_text("Awaits the practitioner's confirmation")
    assert_accessible(page)
    appointment = Appointment.objects.get(client__email=EMAIL)
    assert appointment.status == AppointmentStatus.REQUESTED

    with page.expect_download() as download:
        page.get_by_role("link", name="Add to your calendar (.ics)").click()
    saved = tmp_path / "appointment.ics"
    download.value.save_as(saved)
    (event,) = Calendar.from_ical(saved.read_bytes()).walk("VEVENT")
    assert event.decoded("DTSTART") == appointment.starts_at
    assert str(event["SUMMARY"]) == "Casework appointment"

    page.get_by_role("link", name="All appointments").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My appointments")
    expect(page.get_by_role("region", name="Coming up")).to_contain_text("Amara Okafor")
    assert_accessible(page)

    # The practitioner sees the request first and confirms it.
    practitioner_page = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    _without_live_updates(practitioner_page)
    _signed_in_as(practitioner_page, site, practitioner)
    theirs = practitioner_page.new_page()
    theirs.goto(f"{site}/practice/appointments/")
    awaiting = theirs.get_by_role("region", name="Awaiting your confirmation")
    expect(awaiting).to_contain_text("Wren")
    assert_accessible(theirs)
    awaiting.get_by_role("button", name=re.compile("^Confirm")).click()
    expect(theirs.get_by_role("status")).to_contain_text("Confirmed. The client has been told.")
    expect(theirs.get_by_role("region", name="Coming up")).to_contain_text("Wren")
    assert_accessible(theirs)
    practitioner_page.close()

    page.reload()
    expect(page.get_by_role("region", name="Coming up")).to_contain_text("Confirmed")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED


def test_every_scheduling_page_passes_axe(
    page: Page,
    browser: Browser,
    context: BrowserContext,
    site: str,
    transactional_db: None,
    assert_accessible: AssertAccessible,
) -> None:
    """The pages the journey above does not pass through, for both sides."""
    _without_live_updates(context)
    load_reference_data()
    profile = listed_practitioner(legal_name="Amara Okafor")
    practitioner = profile.practitioner
    _open_practitioner(practitioner)
    client = ClientFactory.create(alias="Wren", time_zone="Europe/London")
    session_type = offered_session_types(practitioner).get()
    # Two days ahead: outside the 24 hours' notice, so the client may still move it.
    (slot,) = bookable(practitioner).free_slots(
        session_type, since=timezone.now() + timedelta(days=2), limit=1
    )
    appointment = book(client, session_type, slot.starts_at)

    page.goto(f"{site}/book/{practitioner.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Free times of Amara Okafor")
    assert_accessible(page)
    page.get_by_role("link", name="Later week").click()
    expect(page.get_by_role("heading", level=2, name=re.compile("The week from"))).to_be_visible()
    assert_accessible(page)

    _signed_in_as(context, site, client)
    page.goto(f"{site}/appointments/{appointment.pk}/reschedule/")
    assert_accessible(page)
    page.get_by_label(re.compile(r"^\d\d:\d\d")).nth(3).check()
    page.get_by_role("button", name="Move to this time").click()
    expect(page.get_by_role("status")).to_contain_text("The appointment is moved")
    page.get_by_role("link", name="Cancel").click()
    assert_accessible(page)
    page.get_by_label("Reason (optional)").fill("Something came up")
    page.get_by_role("button", name="Cancel the appointment").click()
    expect(page.get_by_role("main")).to_contain_text("Cancelled")
    assert_accessible(page)
    page.goto(f"{site}/calendar/")
    assert_accessible(page)
    page.get_by_role("button", name="Make my calendar address").click()
    expect(page.get_by_label("Calendar address")).to_have_value(re.compile(r"/calendar/.+\.ics$"))
    assert_accessible(page)

    staff = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    _without_live_updates(staff)
    _signed_in_as(staff, site, practitioner)
    theirs = staff.new_page()
    for path in [
        "/practice/availability/",
        f"/practice/sessions/{session_type.pk}/",
        "/practice/appointments/",
        f"/appointments/{appointment.pk}/",
    ]:
        theirs.goto(f"{site}{path}")
        assert_accessible(theirs)
    theirs.goto(f"{site}/practice/availability/")
    hours = theirs.get_by_role("region", name="Days off and extra hours")
    date = hours.get_by_role("group", name="Date")
    date.get_by_label("Day").fill("1")
    date.get_by_label("Month").fill("1")
    date.get_by_label("Year").fill("2030")
    hours.get_by_role("button", name="Add the exception").click()
    expect(theirs.get_by_role("alert")).to_contain_text("about a year ahead")
    assert_accessible(theirs)
    staff.close()
