"""'You have a new message' emails: batched, never with content or the sender's name, and not
sent to someone who is on the site reading.

A new message for someone offline makes their notice due a few minutes later (several messages
in that time share one email); the next email waits at least ``policy.notice_interval()``. When
the notice falls due, it is dropped if the person came online or read everything meanwhile.
Presence lives in the database (``Participant.last_seen_at``): the worker sending these is
another process than the websocket server that sees people come and go. The email is recorded
(sealed, see ``casework/emails.py``) in the transaction that marks the notice sent, so neither
happens without the other.
"""

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from casework.accounts.models import User
from casework.emails import send_email
from casework.messaging import policy
from casework.messaging.models import MessageNotice, Participant
from casework.messaging.queries import unread_total


def is_online(person_id: int, now: datetime | None = None) -> bool:
    moment = now or timezone.now()
    return Participant.objects.filter(
        person_id=person_id, last_seen_at__gte=moment - policy.presence_window()
    ).exists()


def make_due(person_id: int, now: datetime) -> datetime | None:
    """Set the person's notice due (if it is not already); the new due time, else None."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                notice, _created = MessageNotice.objects.select_for_update().get_or_create(
                    person_id=person_id
                )
        except IntegrityError:  # created at the same moment by another sender
            notice = MessageNotice.objects.select_for_update().get(person_id=person_id)
        if notice.due_at is not None:
            return None
        due = now + policy.notice_delay()
        if notice.last_sent_at is not None:
            due = max(due, notice.last_sent_at + policy.notice_interval())
        notice.due_at = due
        notice.save(update_fields=["due_at"])
    return due


def send_due_notices(now: datetime | None = None) -> int:
    """Send every notice that has fallen due; the number of emails sent."""
    moment = now or timezone.now()
    sent = 0
    due_people = list(
        MessageNotice.objects.filter(due_at__lte=moment).values_list("person_id", flat=True)
    )
    for person_id in due_people:
        with transaction.atomic():
            notice = (
                MessageNotice.objects.select_for_update(of=("self",))
                .select_related("person")
                .filter(person_id=person_id, due_at__lte=moment)
                .first()
            )
            if notice is None:  # another worker took it
                continue
            notice.due_at = None
            person = notice.person
            wanted = person.is_active and not is_online(person.pk, moment)
            if wanted and unread_total(person) > 0:
                notice.last_sent_at = moment
                # Sealed into its delivery row in this transaction: it commits with the notice
                # marked sent, or neither does, and the relay's round sends it should its task
                # be lost.
                _email(person)
                sent += 1
            notice.save(update_fields=["due_at", "last_sent_at"])
    return sent


def _email(person: User) -> None:
    with translation.override(person.language):
        context = {"link": settings.SITE_URL + reverse("messaging:inbox")}
        subject = render_to_string("messaging/email/new_message_subject.txt", context)
        body = render_to_string("messaging/email/new_message_body.txt", context)
    send_email(
        to=[person.email],
        subject=" ".join(subject.split()),
        body=body.strip(),
        kind="messaging.new_message",
    )
