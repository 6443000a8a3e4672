"""A demo report with its outcome, so that the demo moderator's message to Robin ("thank you
for your report ... we have taken action") is true: Robin reported a colleague's reply that
advertised a course; Tomás warned them under the rule on advertising. Idempotent: once
Robin has a report, nothing is added. Run after ``seed_messaging``."""

from casework.accounts.models import Role, User
from casework.demo.people import DEMO_CLIENT_EMAIL, DEMO_MODERATOR_EMAIL, DEMO_PRACTITIONER_EMAIL
from casework.messaging import services
from casework.messaging.models import Conversation
from casework.registry.models import Jurisdiction
from casework.registry.standing import in_good_standing_expression
from casework.safety import access
from casework.safety.models import Report
from casework.safety.moderation import take_action
from casework.safety.reports import file_report

ENQUIRY = "Hello, do you have evening sessions?"
REPLY = "Before we talk, please buy my self-help course and share it with five friends."


def seed_safety() -> Report | None:
    robin = User.objects.filter(email=DEMO_CLIENT_EMAIL).first()
    tomas = User.objects.filter(email=DEMO_MODERATOR_EMAIL).first()
    if robin is None or tomas is None:
        return None
    existing = Report.objects.filter(reporter=robin).first()
    if existing is not None:
        return existing
    colleague = (
        # A practitioner who takes enquiries: in good standing on a register.
        User.objects.filter(role=Role.PRACTITIONER, is_active=True)
        .filter(in_good_standing_expression())
        .exclude(email=DEMO_PRACTITIONER_EMAIL)
        .order_by("email")
        .first()
    )
    if colleague is None:
        return None
    enquiry = Conversation.objects.filter(
        kind=Conversation.Kind.ENQUIRY, client=robin, practitioner=colleague
    ).first() or services.start_enquiry(
        client=robin,
        practitioner=colleague,
        client_jurisdiction=Jurisdiction.objects.filter(code="GB-ENG").first(),
        body=ENQUIRY,
    )
    reply = services.send_message(conversation=enquiry, sender=colleague, body=REPLY)
    report = file_report(
        reporter=robin,
        target=access.target_for_message(robin, reply.pk),
        category="spam",
        details="They tried to sell me a course before answering my question.",
        evidence=[reply],
        consented=True,
    ).report
    take_action(
        moderator=tomas,
        report=report,
        kind="warn",
        rule="spam",
        reason="You advertised a paid course to a client who asked about sessions.",
    )
    report.refresh_from_db()
    return report
