"""Payment card numbers in a message are refused before they are stored.

Nobody on Casework needs a card number in a message, and a stored one would be a liability for
the sender. A 13 to 19 digit run (spaces or dashes allowed) that passes the Luhn check is
treated as a card number.
"""

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from casework.safety.screening import Finding

if TYPE_CHECKING:
    from casework.accounts.models import User

PAYMENT_CARD = "payment_card"
_CANDIDATE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def card_numbers(*, sender: "User", conversation: Any, text: str) -> Sequence[Finding]:
    for match in _CANDIDATE.finditer(text):
        digits = re.sub(r"\D", "", match.group(0))
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            return [
                Finding(
                    PAYMENT_CARD,
                    "block",
                    _(
                        "This message looks like it contains a payment card number. Casework "
                        "never asks for card numbers in messages: please remove it."
                    ),
                )
            ]
    return []
