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

from casework.accounts.models import Role

if TYPE_CHECKING:
    from casework.accounts.models import User

DEFAULT_SCREENS = [
    "casework.safety.checks.payment_cards.card_numbers",
    "casework.safety.checks.detected.detected_risks",
]

Action = Literal["flag", "block"]


@dataclass(frozen=True)
class Finding:
    category: str  # stable key, e.g. "off_platform_payment"
    action: Action
    reason: str | Promise  # said to the sender (blocks) or to moderators (flags)
    safer_way: str | Promise = ""  # shown to the sender of a flagged draft, before sending
    # Payment, personal channels, sexual content: a practitioner who writes this crosses a
    # professional boundary, and the draft goes to moderation whether or not it is sent.
    boundary_crossing: bool = False
    severity: int = 1  # 1 (lowest) to 3: the moderation queue orders by it


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

    @property
    def safer_ways(self) -> list[str]:
        """What the sender of a flagged draft is told, once per category."""
        ways = dict.fromkeys(str(f.safer_way) for f in self.findings if f.safer_way)
        return list(ways)

    def crosses_boundary_for(self, sender: "User") -> bool:
        """A practitioner's boundary-crossing message goes to moderation even unsent; a
        client's only once sent."""
        return sender.role == Role.PRACTITIONER and any(f.boundary_crossing for f in self.findings)


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
