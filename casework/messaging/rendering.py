"""One way to show a message, whoever asks: the page, the live socket and the API.

Pages and sockets share the ``message`` partial of ``messaging/conversation.html``, so a message
that arrives live looks exactly like one on a reloaded page (and is escaped the same way).
"""

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casework.accounts.models import Role, User
from casework.messaging.models import Attachment, Conversation, Message
from casework.messaging.services import can_still_edit
from casework.safety.restrictions import hidden_messages


@dataclass(frozen=True)
class MessageView:
    """A message as one person sees it."""

    message: Message
    mine: bool
    editable: bool
    read: bool  # the viewer's own message, read by the other side
    sender_name: str
    hidden: bool = False  # hidden by a moderator's decision in force

    @property
    def seq(self) -> int:
        return self.message.seq


MODERATING_ROLES = (Role.MODERATOR, Role.ADMIN)


def sender_name(sender: User, viewer: User) -> str:
    """Moderators write as the team: the people they warn or help never learn their names."""
    if sender.role in MODERATING_ROLES and viewer.role not in MODERATING_ROLES:
        return str(_("Casework moderator"))
    return sender.display_name


def views_for(
    messages: Iterable[Message], viewer: User, read_by_others: int, *, just_sent: bool = False
) -> list[MessageView]:
    """``just_sent``: the messages were stored by ``viewer`` in this very request, so no
    moderator can have hidden them yet (not for a send's replay, which returns an older one)."""
    now = timezone.now()
    messages = list(messages)
    hidden = set() if just_sent else hidden_messages(message.pk for message in messages)
    return [
        MessageView(
            message=message,
            mine=message.sender_id == viewer.pk and message.kind == Message.Kind.MESSAGE,
            editable=message.sender_id == viewer.pk
            and message.pk not in hidden
            and can_still_edit(message, now),
            read=message.sender_id == viewer.pk and message.seq <= read_by_others,
            sender_name=sender_name(message.sender, viewer),
            hidden=message.pk in hidden,
        )
        for message in messages
    ]


def attachment_url(message: Message, attachment_id: object) -> str:
    return reverse(
        "messaging:attachment",
        kwargs={"conversation_id": message.conversation_id, "attachment_id": attachment_id},
    )


def attachments_of(message: Message) -> list[Attachment]:
    """The message's attachments, without their (sealed) content."""
    prefetched = getattr(message, "_prefetched_objects_cache", {}).get("attachments")
    if prefetched is not None:
        return list(prefetched)
    return list(message.attachments.defer("sealed_content"))


def payload(view: MessageView) -> dict[str, Any]:
    """The message as data (API and socket). A deleted message keeps only its place, and so
    does one a moderator hid: the API shows it no more than the page does."""
    message = view.message
    deleted = message.is_deleted
    withheld = deleted or view.hidden
    return {
        "id": str(message.pk),
        "seq": message.seq,
        "kind": message.kind,
        "sender": {"id": message.sender_id, "name": view.sender_name},
        "mine": view.mine,
        "body": "" if withheld else message.body,
        "deleted": deleted,
        "hidden": view.hidden,
        "edited": message.edited_at is not None,
        "read": view.read,
        "sent_at": message.created_at.isoformat(),
        "attachments": []
        if withheld
        else [
            {
                "id": str(attachment.pk),
                "name": attachment.name,
                "size": attachment.size,
                "content_type": attachment.content_type,
                "url": attachment_url(message, attachment.pk),
            }
            for attachment in attachments_of(message)
        ],
    }


def _zone(person: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(person.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def render_for(views: Iterable[MessageView], viewer: User) -> list[dict[str, Any]]:
    """Payloads with their HTML, in the viewer's language and time zone (for the socket)."""
    items = []
    with translation.override(viewer.language), timezone.override(_zone(viewer)):
        for view in views:
            item = payload(view)
            item["html"] = render_to_string(
                "messaging/conversation.html#message", {"item": view}
            ).strip()
            items.append(item)
    return items


def title_for(conversation: Conversation, others: list[User], viewer: User) -> str:
    """What a conversation is called, for the person looking at it."""
    names = ", ".join(person.display_name for person in others) or _("nobody else")
    kind = conversation.kind
    if kind == Conversation.Kind.ENQUIRY:
        return _("Enquiry with %(names)s") % {"names": names}
    if kind == Conversation.Kind.CASE:
        return _("Messages with %(names)s") % {"names": names}
    if kind == Conversation.Kind.CONSULTATION:
        return _("Consultation with %(names)s") % {"names": names}
    if viewer.role in MODERATING_ROLES:
        return _("Moderation: %(names)s") % {"names": names}
    return _("Message from Casework's moderators")
