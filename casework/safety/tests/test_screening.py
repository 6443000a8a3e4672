"""The safety hook: configured checks, blocking versus flagging, and the off-platform check
measured on a labelled set."""

import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from pytest_django import Settings

from casework.safety.checks.off_platform import (
    OFF_PLATFORM_PAYMENT,
    PERSONAL_CHANNEL,
    off_platform_requests,
)
from casework.safety.checks.payment_cards import card_numbers, luhn_valid
from casework.safety.screening import Finding, screen_message
from casework.testing.factories import ClientFactory

LABELLED = Path(__file__).with_name("labelled_messages.toml")
SAMPLES: list[dict[str, Any]] = tomllib.loads(LABELLED.read_text(encoding="utf-8"))["message"]


def _categories(text: str) -> set[str]:
    return {f.category for f in off_platform_requests(sender=None, conversation=None, text=text)}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("category", "label"), [(OFF_PLATFORM_PAYMENT, "payment"), (PERSONAL_CHANNEL, "channel")]
)
def test_precision_and_recall_on_the_labelled_set(category: str, label: str) -> None:
    true_pos = false_pos = false_neg = 0
    misses = []
    for sample in SAMPLES:
        found = category in _categories(sample["text"])
        if found and sample[label]:
            true_pos += 1
        elif found:
            false_pos += 1
            misses.append(f"false alarm: {sample['text']}")
        elif sample[label]:
            false_neg += 1
            misses.append(f"missed: {sample['text']}")
    precision = true_pos / (true_pos + false_pos)
    recall = true_pos / (true_pos + false_neg)
    assert precision >= 0.9, (precision, misses)
    assert recall >= 0.9, (recall, misses)


def test_the_labelled_set_has_enough_of_each_kind() -> None:
    assert sum(s["payment"] for s in SAMPLES) >= 10
    assert sum(s["channel"] for s in SAMPLES) >= 10
    assert sum(not s["payment"] and not s["channel"] for s in SAMPLES) >= 15


def test_crisis_numbers_are_not_mistaken_for_personal_ones() -> None:
    assert _categories("Lifeline NI is on 0808 808 8000, any time.") == set()
    assert PERSONAL_CHANNEL in _categories("My mobile is 0808 808 8001")


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
def test_by_default_cards_block_and_off_platform_requests_flag() -> None:
    sender = ClientFactory.create()
    blocked = screen_message(
        sender=sender, conversation=None, text="4111 1111 1111 1111 on WhatsApp"
    )
    assert blocked.blocked
    assert "card number" in blocked.block_reasons[0]
    flagged = screen_message(sender=sender, conversation=None, text="Pay me with gift cards")
    assert (flagged.flagged, flagged.categories) == (True, [OFF_PLATFORM_PAYMENT])
