"""A practitioner writes "buy me an Amazon gift card and text me on WhatsApp": the draft comes
back with why it was flagged and the safer way, and she sends it anyway. Her client blocks her
from the conversation, through the page that says what a block does. In English and in
Spanish, every page passes axe and fits a 320px screen; in Spanish both write Spanish, and no
English is left on any page."""

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from casework.accounts.models import User
from casework.registry.reference_data import load_reference_data
from casework.safety.models import Block, Detection
from casework.testing.directory import registered_practitioner
from casework.testing.factories import ClientFactory
from casework.testing.messaging import enquiry, place
from tests.browser.helpers import AssertAccessible, assert_fits_320_pixels, assert_in_spanish

pytestmark = pytest.mark.browser

ProfileOf = Callable[[User], BrowserContext]

# What each side types, in the language they work in: a Spanish page is checked for English,
# and what people write shows on it.
WRITTEN = {
    "en": {
        "enquiry": "Hello, can you help me?",
        "draft": "buy me an Amazon gift card and text me on WhatsApp",
    },
    "es": {
        "enquiry": "Hola, ¿puedes ayudarme?",
        "draft": "cómprame una tarjeta regalo de Amazon y escríbeme por WhatsApp",
    },
}


def _checked(page: Page, language: str, assert_accessible: AssertAccessible) -> None:
    """Axe, a 320px screen and, in Spanish, no English left on the page."""
    assert_accessible(page)
    assert_fits_320_pixels(page)
    if language == "es":
        assert_in_spanish(page)


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
    written = WRITTEN[language]
    draft = written["draft"]
    conversation = enquiry(robin, amara, written["enquiry"])

    # Amara writes the draft; it comes back, unsent, with why and the safer way.
    theirs = profile_of(amara).new_page()
    theirs.goto(f"{asgi_site}/messages/{conversation.pk}/")
    expect(theirs.locator("html")).to_have_attribute("lang", language)
    theirs.locator("#id_body").fill(draft)
    theirs.locator("#message-form button[type=submit]:not([name])").click()
    nudge = theirs.locator(".nudge")
    expect(nudge).to_be_visible()
    expect(nudge.locator("li")).to_have_count(4)  # two reasons, two safer ways
    expect(theirs.locator("#id_body")).to_have_value(draft)
    expect(_messages(theirs)).to_have_count(1)
    _checked(theirs, language, assert_accessible)

    # She sends it anyway: it is stored once, and moderators hold one detection of it.
    theirs.locator("#message-form button[name=send_anyway]").click()
    expect(_messages(theirs)).to_have_count(2)
    expect(_messages(theirs).last).to_contain_text(draft)
    expect(theirs.locator(".nudge")).to_have_count(0)
    _checked(theirs, language, assert_accessible)
    detection = Detection.objects.get()
    assert detection.sent

    # Robin reads it and blocks Amara from the conversation, through the confirmation page.
    hers = profile_of(robin).new_page()
    hers.goto(f"{asgi_site}/messages/{conversation.pk}/")
    expect(_messages(hers).last).to_contain_text(draft)
    _checked(hers, language, assert_accessible)
    hers.locator(f'a[href="/messages/{conversation.pk}/block/"]').click()
    expect(hers.get_by_role("heading", level=1)).to_contain_text("Amara Okafor")
    _checked(hers, language, assert_accessible)
    assert not Block.objects.exists()  # opening the page blocks no one
    hers.locator("main form button.button--danger").click()
    expect(hers).to_have_url(f"{asgi_site}/messages/blocked/")
    expect(hers.locator("main")).to_contain_text("Amara Okafor")
    _checked(hers, language, assert_accessible)
    assert Block.objects.filter(blocker=robin, blocked=amara).exists()

    # The conversation takes no more messages from either side.
    hers.goto(f"{asgi_site}/messages/{conversation.pk}/")
    expect(hers.locator("#message-form")).to_have_count(0)
    _checked(hers, language, assert_accessible)
