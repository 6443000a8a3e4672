"""The complaints' reactions to events (see casework/events/subscribers.py)."""

from django.template.loader import render_to_string
from django.utils import translation

from casework.accounts.models import Role, User
from casework.complaints.models import Complaint
from casework.emails import send_email
from casework.events.catalogue import ComplaintFiled
from casework.registry.credentials.addresses import public_url

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
