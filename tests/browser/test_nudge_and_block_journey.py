"""A practitioner writes "buy me an Amazon gift card and text me on WhatsApp": the draft comes
back with why it was flagged and the safer way, and she sends it anyway. Her client blocks her
from the conversation, through the page that says what a block does. In English and in
Spanish, every page passes axe and fits a 320px screen."""

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from casework.accounts.models import User
from casework.registry.reference_data import load_reference_data
from casework.safety.models import Block, Detection
from casework.testing.directory import registered_practitioner
from casework.testing.factories import ClientFactory
from casework.testing.messaging import enquiry, place

pytestmark = pytest.mark.browser

AssertAccessible = Callable[[Page], None]
ProfileOf = Callable[[User], BrowserContext]

DRAFT = "buy me an Amazon gift card and text me on WhatsApp"


def assert_fits_320_pixels(page: Page) -> None:
    """WCAG 1.4.10 Reflow: at 320 CSS pixels wide nothing scrolls sideways."""
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 800})
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow}px wider than a 320px screen"
    if size is not None:
        page.set_viewport_size(size)


def _messages(page: Page) -> Locator:
    return page.locator("#message-list > li")


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_flagged_draft_is_nudged_then_sent_anyway_and_the_client_blocks_its_sender(
    language: str,
    asgi_site: str,
    profile_of: ProfileOf,
    assert_accessible: AssertAccessible,
) -> None:
    load_reference_data()
    place("GB-ENG")
    robin = ClientFactory.create(alias="Robin", language=language)
    amara = registered_practitioner(legal_name="Amara Okafor")
    amara.language = language
    amara.save(update_fields=["language"])
    conversation = enquiry(robin, amara, "Hello, can you help me?")

    # Amara writes the draft; it comes back, unsent, with why and the safer way.
    theirs = profile_of(amara).new_page()
    theirs.goto(f"{asgi_site}/messages/{conversation.pk}/")
    expect(theirs.locator("html")).to_have_attribute("lang", language)
    theirs.locator("#id_body").fill(DRAFT)
    theirs.locator("#message-form button[type=submit]:not([name])").click()
    nudge = theirs.locator(".nudge")
    expect(nudge).to_be_visible()
    expect(nudge.locator("li")).to_have_count(4)  # two reasons, two safer ways
    expect(theirs.locator("#id_body")).to_have_value(DRAFT)
    expect(_messages(theirs)).to_have_count(1)
    assert_accessible(theirs)
    assert_fits_320_pixels(theirs)

    # She sends it anyway: it is stored once, and moderators hold one detection of it.
    theirs.locator("#message-form button[name=send_anyway]").click()
    expect(_messages(theirs)).to_have_count(2)
    expect(_messages(theirs).last).to_contain_text(DRAFT)
    expect(theirs.locator(".nudge")).to_have_count(0)
    detection = Detection.objects.get()
    assert detection.sent

    # Robin reads it and blocks Amara from the conversation, through the confirmation page.
    hers = profile_of(robin).new_page()
    hers.goto(f"{asgi_site}/messages/{conversation.pk}/")
    expect(_messages(hers).last).to_contain_text(DRAFT)
    hers.locator(f'a[href="/messages/{conversation.pk}/block/"]').click()
    expect(hers.get_by_role("heading", level=1)).to_contain_text("Amara Okafor")
    assert_accessible(hers)
    assert_fits_320_pixels(hers)
    assert not Block.objects.exists()  # opening the page blocks no one
    hers.locator("main form button.button--danger").click()
    expect(hers).to_have_url(f"{asgi_site}/messages/blocked/")
    expect(hers.locator("main")).to_contain_text("Amara Okafor")
    assert_accessible(hers)
    assert_fits_320_pixels(hers)
    assert Block.objects.filter(blocker=robin, blocked=amara).exists()

    # The conversation takes no more messages from either side.
    hers.goto(f"{asgi_site}/messages/{conversation.pk}/")
    expect(hers.locator("#message-form")).to_have_count(0)
    assert_accessible(hers)
