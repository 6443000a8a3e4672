"""Supervision by agreement, in a browser: Amara invites Sam by email (the page answers as it
would for any address), Sam accepts on his supervision page, and Robin sees on her care page
who supervises her case and ends it. Axe checks each page; each fits a 320 px screen."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from casework.accounts.models import User
from casework.care.models import Supervision
from casework.testing.care import ready_case, verified_practitioner
from casework.testing.factories import ClientFactory, PractitionerFactory
from tests.browser.test_care_journey import _signed_in_as
from tests.browser.test_credential_holder_journey import assert_fits_320_pixels

pytestmark = pytest.mark.browser

AssertAccessible = Callable[[Page], None]


def _page_of(browser: Browser, site: str, person: User) -> Page:
    context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(15_000)
    _signed_in_as(context, site, person)
    return context.new_page()


def test_a_supervisor_accepts_and_the_client_sees_and_ends_it(
    browser: Browser, site: str, assert_accessible: AssertAccessible
) -> None:
    robin = ClientFactory.create(alias="Robin", time_zone="Europe/London")
    amara = PractitionerFactory.create(legal_name="Amara Okafor")
    sam = verified_practitioner(legal_name="Sam Achebe", email="sam@example.org")
    case = ready_case(amara, robin)

    desk = _page_of(browser, site, amara)
    desk.goto(f"{site}/care/clients/{case.pk}/supervisor/")
    expect(desk.get_by_role("heading", level=1)).to_have_text("Supervisor")
    desk.get_by_label("Supervisor's email address").fill("sam@example.org")
    desk.get_by_role("button", name="Send the invitation").click()
    expect(desk.get_by_role("status")).to_contain_text(
        "If this address belongs to a verified practitioner, we have sent them an invitation."
    )
    expect(desk.get_by_role("main")).to_contain_text("Invitation sent to sam@example.org")
    assert_accessible(desk)
    assert_fits_320_pixels(desk)

    supervisor = _page_of(browser, site, sam)
    supervisor.goto(f"{site}/care/supervision/")
    invitations = supervisor.get_by_role("region", name="Invitations waiting for your answer")
    expect(invitations).to_contain_text("Amara Okafor asks you to supervise")
    assert_accessible(supervisor)
    invitations.get_by_role("button", name="Accept").click()
    expect(supervisor.get_by_role("status")).to_contain_text("You supervise this case now")
    expect(
        supervisor.get_by_role("heading", level=2, name="Robin, with Amara Okafor")
    ).to_be_visible()

    mine = _page_of(browser, site, robin)
    mine.goto(f"{site}/care/my/")
    shares = mine.get_by_role("region", name="What you share, and with whom")
    expect(shares).to_contain_text("Sam Achebe supervises your work with Amara Okafor")
    assert_accessible(mine)
    assert_fits_320_pixels(mine)
    shares.get_by_role("button", name="End the supervision").click()
    # The confirmation says what ending does; its red button ends the supervision.
    expect(mine.get_by_role("heading", level=1)).to_be_focused()
    mine.locator("main form button.button--danger").click()
    expect(mine.get_by_role("status")).to_contain_text("The supervision has ended")
    expect(mine.get_by_role("region", name="What you share, and with whom")).to_contain_text(
        "You share nothing with anyone besides your social worker."
    )
    assert Supervision.objects.get().end_reason == "client"
