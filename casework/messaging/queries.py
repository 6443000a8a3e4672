"""Reads that need care: the inbox with unread counts, the unread total, pages of messages."""

import uuid
from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from casework.accounts.models import User
from casework.messaging.models import Attachment, Conversation, Message, Participant

PAGE_SIZE = 100


@dataclass(frozen=True)
class InboxRow:
    conversation: Conversation
    others: list[User]
    unread: int


def inbox(person: User) -> list[InboxRow]:
    """Every conversation of ``person``, latest first, with its unread count. Two queries."""
    unread = (
        Message.objects.filter(
            conversation=OuterRef("conversation_id"),
            seq__gt=OuterRef("last_read_seq"),
            deleted_at__isnull=True,
        )
        .exclude(sender=person)
        .order_by()
        .values("conversation")
        .annotate(count=Count("pk"))
        .values("count")
    )
    places = list(
        Participant.objects.filter(person=person)
        .select_related("conversation")
        .annotate(unread=Coalesce(Subquery(unread, output_field=IntegerField()), 0))
        .order_by(
            F("conversation__last_message_at").desc(nulls_last=True), "-conversation__created_at"
        )
    )
    others: dict[uuid.UUID, list[User]] = {}
    for place in (
        Participant.objects.filter(conversation_id__in=[p.conversation_id for p in places])
        .exclude(person=person)
        .select_related("person")
        .order_by("joined_at")
    ):
        others.setdefault(place.conversation_id, []).append(place.person)
    return [
        InboxRow(place.conversation, others.get(place.conversation_id, []), place.unread)
        for place in places
    ]


def unread_total(person: User) -> int:
    """Unread messages across all of ``person``'s conversations, in one query (the navigation)."""
    return (
        Message.objects.filter(
            conversation__participants__person=person,
            seq__gt=F("conversation__participants__last_read_seq"),
            deleted_at__isnull=True,
        )
        .exclude(sender=person)
        .count()
    )


def _messages(conversation_id: uuid.UUID | str) -> QuerySet[Message]:
    return (
        Message.objects.filter(conversation_id=conversation_id)
        .select_related("sender", "conversation__data_key")
        .prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.defer("sealed_content"))
        )
    )


def page_of_messages(
    conversation: Conversation, *, before: int | None = None, size: int = PAGE_SIZE
) -> list[Message]:
    """The latest page of messages (or the page just before ``before``), oldest first."""
    found = _messages(conversation.pk)
    if before is not None:
        found = found.filter(seq__lt=before)
    latest = list(found.order_by("-seq")[:size])
    latest.reverse()
    return latest


def messages_after(
    conversation_id: uuid.UUID | str, after: int, *, limit: int = PAGE_SIZE
) -> list[Message]:
    """The cursor read: messages with ``seq`` above ``after``, in order."""
    return list(_messages(conversation_id).filter(seq__gt=after).order_by("seq")[:limit])


def message_by_seq(conversation_id: uuid.UUID | str, seq: int) -> Message | None:
    return _messages(conversation_id).filter(seq=seq).first()


def sent_with_key(
    conversation: Conversation, sender: User, idempotency_key: uuid.UUID
) -> Message | None:
    """What ``sender`` stored in ``conversation`` under this key: a replayed send's answer."""
    return _messages(conversation.pk).filter(sender=sender, idempotency_key=idempotency_key).first()


def read_by_others(conversation_id: uuid.UUID | str, person: User) -> int:
    """How far the other participants have all read: the receipt shown under one's messages."""
    positions = list(
        Participant.objects.filter(conversation_id=conversation_id)
        .exclude(person=person)
        .values_list("last_read_seq", flat=True)
    )
    return min(positions) if positions else 0


def open_conversation_between(kind: str, first: User, second: User) -> Conversation | None:
    """The open conversation of ``kind`` the two share, if any (an enquiry also counts a case
    conversation: a client who has one writes there). One query."""
    kinds = (
        [Conversation.Kind.ENQUIRY, Conversation.Kind.CASE]
        if kind == Conversation.Kind.ENQUIRY
        else [kind]
    )
    return (
        Conversation.objects.filter(kind__in=kinds, state=Conversation.State.OPEN)
        .filter(participants__person=first)
        .filter(participants__person=second)
        .order_by("-created_at")
        .first()
    )
