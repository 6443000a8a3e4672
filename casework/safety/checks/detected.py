"""The detection pipeline as a safety screen: every message is read by
:func:`casework.safety.detection.detect`, and each category found *flags* it.

A flag stores the message with its categories for the moderation queue and does not stop it:
the same words appear in honest messages ("my PayPal was hacked"), so a person decides. Each
finding carries the reason for moderators, the safer way to show the sender, and whether it
crosses a professional boundary when a practitioner writes it.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from casework.safety.detection import detect
from casework.safety.screening import Finding

if TYPE_CHECKING:
    from casework.accounts.models import User


def detected_risks(*, sender: "User", conversation: Any, text: str) -> Sequence[Finding]:
    return [
        Finding(
            category=detection.category,
            action="flag",
            reason=detection.reason,
            safer_way=detection.safer_way,
            boundary_crossing=detection.boundary_crossing,
            severity=detection.severity,
        )
        for detection in detect(text)
    ]
