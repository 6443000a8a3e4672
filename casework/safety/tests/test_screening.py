"""The safety hook: configured checks, blocking versus flagging, and what a finding carries."""

from collections.abc import Sequence
from typing import Any

import pytest
from pytest_django import Settings

from casework.accounts.models import User
from casework.safety.checks.payment_cards import card_numbers, luhn_valid
from casework.safety.detection import OFF_PLATFORM_PAYMENT, PERSONAL_CHANNEL
from casework.safety.screening import Finding, screen_message
from casework.testing.factories import ClientFactory


def test_card_numbers_are_blocked_when_they_pass_the_luhn_check() -> None:
    assert luhn_valid("4111111111111111")
    (finding,) = card_numbers(sender=None, conversation=None, text="it's 4111-1111-1111-1111")  # type: ignore[arg-type]
    assert (finding.category, finding.action) == ("payment_card", "block")
    assert card_numbers(sender=None, conversation=None, text="ref 4111 1111 1111 1112") == []  # type: ignore[arg-type]
    assert card_numbers(sender=None, conversation=None, text="call 0800 83 85 87") == []  # type: ignore[arg-type]


def shout(*, sender: Any, conversation: Any, text: str) -> Sequence[Finding]:
    return [Finding("shouting", "flag", "All capitals")] if text.isupper() else []


@pytest.mark.django_db
def test_the_checks_come_from_settings(settings: Settings) -> None:
    settings.SAFETY_MESSAGE_SCREENS = ["casework.safety.tests.test_screening.shout"]
    sender = ClientFactory.create()
    result = screen_message(sender=sender, conversation=None, text="HELLO THERE")
    assert (result.flagged, result.blocked, result.categories) == (True, False, ["shouting"])
    assert not screen_message(sender=sender, conversation=None, text="4111 1111 1111 1111").blocked


@pytest.mark.django_db
def test_by_default_cards_block_and_detections_flag() -> None:
    sender = ClientFactory.create()
    blocked = screen_message(
        sender=sender, conversation=None, text="4111 1111 1111 1111 on WhatsApp"
    )
    assert blocked.blocked
    assert "card number" in blocked.block_reasons[0]
    flagged = screen_message(sender=sender, conversation=None, text="Pay me with gift cards")
    assert (flagged.flagged, flagged.categories) == (True, [OFF_PLATFORM_PAYMENT])
    insult = screen_message(sender=sender, conversation=None, text="Eres una inútil, cállate.")
    assert (insult.flagged, insult.blocked, insult.categories) == (True, False, ["harassment"])
    assert not screen_message(sender=sender, conversation=None, text="See you Tuesday").findings


@pytest.mark.django_db
def test_a_flag_carries_the_reason_the_safer_way_and_the_boundary() -> None:
    sender = ClientFactory.create()
    result = screen_message(
        sender=sender, conversation=None, text="Buy me an Amazon gift card and text me on WhatsApp"
    )
    assert result.categories == [OFF_PLATFORM_PAYMENT, PERSONAL_CHANNEL]
    assert all(f.action == "flag" and f.boundary_crossing for f in result.findings)
    assert "Casework" in str(result.findings[0].reason)
    assert any(way.startswith("Payments go through Casework") for way in result.safer_ways)
    assert any(way.startswith("Keep contact on Casework") for way in result.safer_ways)


@pytest.mark.django_db
def test_boundary_crossing_sends_a_practitioners_draft_to_moderation_not_a_clients(
    client_person: User, practitioner: User
) -> None:
    text = "Send me a photo in your underwear"
    assert screen_message(sender=practitioner, conversation=None, text=text).crosses_boundary_for(
        practitioner
    )
    assert not screen_message(
        sender=client_person, conversation=None, text=text
    ).crosses_boundary_for(client_person)
    # Harassment is moderated when sent, whoever sends it: it crosses no boundary by itself.
    rude = screen_message(sender=practitioner, conversation=None, text="Shut up and listen")
    assert rude.flagged
    assert not rude.crosses_boundary_for(practitioner)
