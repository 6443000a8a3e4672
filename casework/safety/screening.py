"""The safety hook every message passes through before it is stored (PRODUCT C7).

``screen_message`` runs each check named in ``settings.SAFETY_MESSAGE_SCREENS`` (dotted paths to
callables with the signature of :class:`Screen`) and gathers what they find. A finding either
*flags* the message (stored, with the categories, for the moderation queue) or *blocks* it
(refused, with the reason shown to the sender). Later safety work adds checks here without
touching the callers.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, Protocol

from django.conf import settings
from django.utils.functional import Promise
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from casework.accounts.models import User

DEFAULT_SCREENS = [
    "casework.safety.checks.payment_cards.card_numbers",
    "casework.safety.checks.off_platform.off_platform_requests",
]

Action = Literal["flag", "block"]


@dataclass(frozen=True)
class Finding:
    category: str  # stable key, e.g. "off_platform_payment"
    action: Action
    reason: str | Promise  # said to the sender (blocks) or to moderators (flags)


@dataclass(frozen=True)
class ScreeningResult:
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def blocked(self) -> bool:
        return any(finding.action == "block" for finding in self.findings)

    @property
    def flagged(self) -> bool:
        return bool(self.findings) and not self.blocked

    @property
    def categories(self) -> list[str]:
        return sorted({finding.category for finding in self.findings})

    @property
    def block_reasons(self) -> list[str]:
        return [str(f.reason) for f in self.findings if f.action == "block"]


class Screen(Protocol):
    def __call__(self, *, sender: "User", conversation: Any, text: str) -> Sequence[Finding]: ...


@cache
def _load(paths: tuple[str, ...]) -> tuple[Screen, ...]:
    return tuple(import_string(path) for path in paths)


def configured_screens() -> tuple[Screen, ...]:
    paths = getattr(settings, "SAFETY_MESSAGE_SCREENS", DEFAULT_SCREENS)
    return _load(tuple(paths))


def screen_message(*, sender: "User", conversation: Any, text: str) -> ScreeningResult:
    """Run every configured check on ``text`` (the message's plain text, never stored here)."""
    findings: list[Finding] = []
    for screen in configured_screens():
        findings.extend(screen(sender=sender, conversation=conversation, text=text))
    return ScreeningResult(tuple(findings))
