"""Safety's test data: a decision already taken, as a moderator takes one."""

from casework.accounts.models import User
from casework.safety import access
from casework.safety.models import ModerationAction
from casework.safety.moderation import take_action
from casework.safety.reports import file_report
from casework.testing.messaging import enquiry, send


def warned_over_a_gift_card(client: User, practitioner: User, moderator: User) -> ModerationAction:
    """The practitioner asked the client for a gift card in her enquiry; she reported the
    message; the moderator warned the practitioner under the payments rule."""
    sent = send(enquiry(client, practitioner), practitioner, "Buy me a gift card")
    report = file_report(
        reporter=client,
        target=access.target_for_message(client, sent.pk),
        category="fraud",
        details="",
    ).report
    (warning,) = take_action(
        moderator=moderator,
        report=report,
        kind="warn",
        rule="payments-on-platform",
        reason="Payments go through the platform.",
    )
    return warning
