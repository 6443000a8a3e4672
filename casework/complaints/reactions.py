"""The complaints' reactions to events (see casework/events/subscribers.py)."""

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from casework.accounts.models import Role, User
from casework.complaints.models import Category, Complaint, Source
from casework.complaints.services import DETAILS_MAX_CHARS, file_complaint
from casework.emails import send_email
from casework.events.catalogue import ComplaintFiled, RegulatorReferred
from casework.registry.credentials.addresses import public_url
from casework.safety.referrals import mark_picked_up, referred_case

TEMPLATES = "complaints/email/complaint_waiting"


def tell_handlers(event: ComplaintFiled) -> None:
    """The officers of the regulators a complaint went to (or the moderators) hear that one
    waits, with a link: never its words, its category or whom it is about."""
    complaint = Complaint.objects.filter(pk=event.complaint_id).first()
    if complaint is None:
        return
    if complaint.to_moderators:
        handlers = User.objects.filter(role=Role.MODERATOR, is_active=True)
    else:
        handlers = User.objects.filter(
            role=Role.OFFICER,
            is_active=True,
            regulator_memberships__regulator__complaint_routes__complaint=complaint,
        ).distinct()
    link = public_url("complaints:detail", complaint_id=complaint.pk)
    for person in handlers:
        with translation.override(person.language):
            subject = render_to_string(f"{TEMPLATES}_subject.txt")
            body = render_to_string(f"{TEMPLATES}_message.txt", {"link": link})
        send_email(
            to=[person.email],
            subject=" ".join(subject.split()),
            body=body.strip(),
            kind="complaint_waiting",
        )


def file_referral(event: RegulatorReferred) -> None:
    """A moderator's referral becomes a complaint to that regulator, source "moderation".
    The referral's id is the complaint's idempotency key (unique in the database), so the
    reaction running twice files one complaint."""
    case = referred_case(event.referral_id)
    if case is None:
        return
    category = case.category if case.category in Category.values else Category.OTHER
    filed = file_complaint(
        practitioner=case.practitioner,
        category=category,
        details=_("The platform's moderators referred this social worker to you: %(reason)s")
        % {"reason": case.reason[: DETAILS_MAX_CHARS // 2]},
        source=Source.MODERATION,
        source_reference=f"referral:{case.referral_id}",
        idempotency_key=case.referral_id,
        route_to=[case.regulator],
    )
    mark_picked_up(case.referral_id, at=filed.complaint.created_at)
