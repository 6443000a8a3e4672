"""Issue 12's journey, from the harm to the final word on it. A practitioner writes "buy me an
Amazon gift card and text me on WhatsApp", is nudged and sends it anyway; her client reports it
with the message attached; a moderator sees the report and the detection, suspends her with a
statement of reasons and refers her to her regulator; the client sees the outcome; the
practitioner, who can no longer sign in, appeals through the signed link of her email, and a
second moderator decides. In English and in Spanish, every page passes axe and fits 320px; in
Spanish everyone writes Spanish, and no English is left on any page."""

import re
from collections.abc import Callable

import pytest
from django.core import mail
from django.utils import translation
from playwright.sync_api import Browser, BrowserContext, Page, expect

from casework.accounts.models import User
from casework.registry.reference_data import load_reference_data
from casework.safety.models import (
    Appeal,
    Detection,
    ModerationAction,
    RegulatorReferral,
    Report,
)
from casework.safety.notices import action_id_from_token
from casework.testing.directory import registered_practitioner
from casework.testing.factories import ClientFactory, ModeratorFactory
from casework.testing.messaging import enquiry, place
from tests.browser.helpers import AssertAccessible, assert_fits_320_pixels, assert_in_spanish

pytestmark = pytest.mark.browser

ProfileOf = Callable[[User], BrowserContext]

# What each person types, in the language they work in: a Spanish page is checked for
# English, and what people write shows on it.
WRITTEN = {
    "en": {
        "enquiry": "Hello, can you help me?",
        "draft": "buy me an Amazon gift card and text me on WhatsApp",
        "details": "She asked me for a gift card.",
        "reason": "You asked a client for a gift card and a private channel.",
        "grounds": "It was a misunderstanding: I meant the fee.",
        "explanation": "A fee is paid through Casework, not cards.",
    },
    "es": {
        "enquiry": "Hola, ¿puedes ayudarme?",
        "draft": "cómprame una tarjeta regalo de Amazon y escríbeme por WhatsApp",
        "details": "Me pidió una tarjeta regalo.",
        "reason": "Pediste a una clienta una tarjeta regalo y un canal privado.",
        "grounds": "Fue un malentendido: me refería a la tarifa.",
        "explanation": "La tarifa se paga a través de Casework, nunca con tarjetas.",
    },
}
DECISION_LINK = re.compile(r"/decisions/link/[^/\s]+/")


def _checked(page: Page, language: str, assert_accessible: AssertAccessible) -> None:
    """Axe, a 320px screen and, in Spanish, no English left on the page."""
    assert_accessible(page)
    assert_fits_320_pixels(page)
    if language == "es":
        assert_in_spanish(page)


def _in(language: str, text: object) -> str:
    with translation.override(language):
        return str(text)


def _submit(page: Page) -> None:
    page.locator("main form.form button[type=submit]").click()


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_reported_practitioner_is_suspended_appeals_and_a_second_moderator_decides(
    language: str,
    asgi_site: str,
    browser: Browser,
    profile_of: ProfileOf,
    assert_accessible: AssertAccessible,
) -> None:
    load_reference_data()
    place("GB-ENG")
    robin = ClientFactory.create(alias="Robin", language=language)
    amara = registered_practitioner(legal_name="Amara Okafor")
    amara.language = language
    amara.save(update_fields=["language"])
    first = ModeratorFactory.create(legal_name="Kofi Mensah", language=language)
    second = ModeratorFactory.create(legal_name="Ines Duarte", language=language)
    written = WRITTEN[language]
    draft = written["draft"]
    conversation = enquiry(robin, amara, written["enquiry"])

    # Amara is nudged, and sends it anyway.
    theirs = profile_of(amara).new_page()
    theirs.goto(f"{asgi_site}/messages/{conversation.pk}/")
    expect(theirs.locator("html")).to_have_attribute("lang", language)
    theirs.locator("#id_body").fill(draft)
    theirs.locator("#message-form button[type=submit]:not([name])").click()
    expect(theirs.locator(".nudge")).to_be_visible()
    _checked(theirs, language, assert_accessible)
    theirs.locator("#message-form button[name=send_anyway]").click()
    expect(theirs.locator("#message-list > li").last).to_contain_text(draft)
    detection = Detection.objects.get()
    sent = detection.message
    assert sent is not None

    # Robin reports it from under the message, ticking it as evidence, with her consent.
    hers = profile_of(robin).new_page()
    hers.goto(f"{asgi_site}/messages/{conversation.pk}/")
    expect(hers.locator("#message-list > li").last).to_contain_text(draft)
    hers.locator(f'a[href="/report/message/{sent.pk}/"]').click()
    expect(hers.locator("main h1")).to_be_visible()
    _checked(hers, language, assert_accessible)
    hers.locator('input[name=category][value="fraud"]').check()
    hers.locator("#id_details").fill(written["details"])
    hers.locator(f'input[name=evidence][value="{sent.pk}"]').check()
    hers.locator("#id_consent").check()
    _submit(hers)
    report = Report.objects.get()
    expect(hers).to_have_url(f"{asgi_site}/reports/{report.pk}/?filed=1")
    expect(hers.locator("main")).to_contain_text(report.reference)
    _checked(hers, language, assert_accessible)
    assert report.evidence_consented
    assert list(report.evidence.values_list("message_id", flat=True)) == [sent.pk]

    # The first moderator finds the report and the detection in the queue.
    desk = profile_of(first).new_page()
    desk.goto(f"{asgi_site}/moderation/")
    expect(desk.locator(f'a[href="/moderation/reports/{report.pk}/"]')).to_be_visible()
    expect(desk.locator(f'a[href="/moderation/detections/{detection.pk}/"]')).to_be_visible()
    _checked(desk, language, assert_accessible)
    desk.locator(f'a[href="/moderation/detections/{detection.pk}/"]').click()
    expect(desk.locator("main")).to_contain_text(draft)
    _checked(desk, language, assert_accessible)
    desk.goto(f"{asgi_site}/moderation/reports/{report.pk}/")
    expect(desk.locator("main")).to_contain_text(draft)  # the evidence consented to
    expect(desk.locator(f'a[href="/moderation/detections/{detection.pk}/"]')).to_be_visible()
    _checked(desk, language, assert_accessible)

    # She suspends Amara, with a statement of reasons, and refers her to her regulator.
    desk.locator('input[name=kind][value="suspend"]').check()
    desk.locator("#id_rule").select_option("payments-on-platform")
    desk.locator("#id_reason").fill(written["reason"])
    desk.locator("#id_refer").check()
    desk.locator("main form button.button--danger").click()
    expect(desk).to_have_url(f"{asgi_site}/moderation/")
    _checked(desk, language, assert_accessible)
    amara.refresh_from_db()
    assert not amara.is_active
    suspension = ModerationAction.objects.get(kind="suspend")
    assert RegulatorReferral.objects.filter(practitioner=amara).count() == 1

    # Robin sees the outcome from her reports, never the sanction.
    hers.goto(f"{asgi_site}/reports/")
    _checked(hers, language, assert_accessible)
    hers.locator(f'a[href="/reports/{report.pk}/"]').click()
    expect(hers.locator("main")).to_contain_text(_in(language, Report.Outcome.ACTION_TAKEN.label))
    assert "suspen" not in hers.locator("main").inner_text().lower()
    _checked(hers, language, assert_accessible)

    # Amara cannot sign in; the email about the suspension links to its statement of reasons
    # (the referral has an email and a statement of its own).
    links = [
        found.group(0)
        for sent in mail.outbox
        if amara.email in sent.to
        for found in [DECISION_LINK.search(str(sent.body))]
        if found
    ]
    suspension_links = [
        link for link in links if action_id_from_token(link.split("/")[-2]) == str(suspension.pk)
    ]
    assert len(links) == 2, links
    assert len(suspension_links) == 1, "no signed link to the suspension's statement was emailed"
    outside = browser.new_context(
        locale="es-ES" if language == "es" else "en-GB", timezone_id="Europe/London"
    )
    try:
        statement = outside.new_page()
        statement.goto(f"{asgi_site}{suspension_links[0]}")
        expect(statement.locator("main")).to_contain_text(written["reason"])
        _checked(statement, language, assert_accessible)
        statement.locator("#id_grounds").fill(written["grounds"])
        _submit(statement)
        expect(statement.locator("#id_grounds")).to_have_count(0)
        _checked(statement, language, assert_accessible)
        appeal = Appeal.objects.get(action=suspension)

        # The moderator who decided cannot decide the appeal; the second one does.
        desk.goto(f"{asgi_site}/moderation/appeals/{appeal.pk}/")
        expect(desk.locator('input[name="overturn"]')).to_have_count(0)
        other_desk = profile_of(second).new_page()
        other_desk.goto(f"{asgi_site}/moderation/")
        other_desk.locator(f'a[href="/moderation/appeals/{appeal.pk}/"]').click()
        expect(other_desk.locator("main")).to_contain_text(written["grounds"])
        _checked(other_desk, language, assert_accessible)
        other_desk.locator('input[name=overturn][value="no"]').check()
        other_desk.locator("#id_explanation").fill(written["explanation"])
        other_desk.locator("main form button[type=submit]").click()
        expect(other_desk).to_have_url(f"{asgi_site}/moderation/")
        appeal.refresh_from_db()
        assert appeal.outcome == Appeal.Outcome.UPHELD
        assert appeal.decided_by == second

        # Amara reads the final decision and its explanation through the same link.
        statement.reload()
        expect(statement.locator("main")).to_contain_text(written["explanation"])
        expect(statement.locator("main")).to_contain_text(
            _in(language, Appeal.Outcome.UPHELD.label)
        )
        _checked(statement, language, assert_accessible)
    finally:
        outside.close()
