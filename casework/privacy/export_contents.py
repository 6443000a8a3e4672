"""What a person's export holds: everything that is theirs, nothing of anyone else.

Each section is a function of the person alone, reading through the owning app's access
helpers, so an export sees exactly what its person may see on the pages. Other people appear
by display name only; what another person wrote about them (case notes, referral letters, the
reason someone else gave for cancelling) stays out. The layout is versioned and documented in
``EXPORT_FORMAT.md`` and ``export_schema.json`` next to this module.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from casework.accounts.models import User
from casework.care import access as care_access
from casework.care.instruments import get_instrument
from casework.care.models import CheckIn, CheckInStatus, Consent
from casework.messaging import access as messaging_access
from casework.messaging.models import Attachment, Message
from casework.messaging.services import attachment_context
from casework.privacy.models import AuditEvent
from casework.scheduling.access import appointments_of
from casework.vault.crypto import unseal
from casework.vault.errors import VaultError
from casework.video.models import VideoSession

SCHEMA_VERSION = "1.1"

Record = dict[str, Any]


@dataclass(frozen=True)
class AttachedFile:
    """A file of the archive beside the JSON: where it goes and what it holds."""

    path: str
    content: bytes


def when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def account(person: User) -> Record:
    return {
        "id": person.pk,
        "email": person.email,
        "role": person.role,
        "alias": person.alias,
        "legal_name": person.legal_name,
        "language": person.language,
        "time_zone": person.time_zone,
        "place": person.place,
        "joined_at": when(person.date_joined),
    }


def _readable(read: Callable[[], Any]) -> Any:
    # Content under a destroyed key (a conversation erased by the other party) says so.
    try:
        return read()
    except VaultError:
        return None


def sealed_field(instance: object, name: str) -> Any:
    return _readable(lambda: getattr(instance, name))


def conversations(person: User, files: list[AttachedFile]) -> list[Record]:
    found = []
    for conversation in (
        messaging_access.conversations_for(person)
        .select_related("data_key")
        .prefetch_related("participants__person")
        .order_by("created_at")
    ):
        others = sorted(
            place.person.display_name
            for place in conversation.participants.all()
            if place.person_id != person.pk
        )
        messages = []
        for message in (
            Message.objects.filter(conversation=conversation)
            .select_related("sender", "conversation__data_key")
            .prefetch_related("attachments")
            .order_by("seq")
        ):
            messages.append(message_record(person, message, files))
        found.append(
            {
                "id": str(conversation.pk),
                "kind": conversation.kind,
                "started_at": when(conversation.created_at),
                "with": others,
                "messages": messages,
            }
        )
    return found


def message_record(person: User, message: Message, files: list[AttachedFile]) -> Record:
    mine = message.sender_id == person.pk
    deleted = message.deleted_at is not None
    attachments = []
    if not deleted:
        for attachment in message.attachments.all():
            attachments.append(_attachment(message, attachment, files))
    return {
        "id": str(message.pk),
        "sent_at": when(message.created_at),
        "from": "you" if mine else (message.sender.display_name if message.sender else ""),
        "kind": message.kind,
        "body": None if deleted else sealed_field(message, "body"),
        "edited_at": when(message.edited_at),
        "deleted_at": when(message.deleted_at),
        "attachments": attachments,
    }


def _attachment(message: Message, attachment: Attachment, files: list[AttachedFile]) -> Record:
    # The file's own name may hold anything: the archive names it by id and keeps the name.
    path = f"attachments/{attachment.pk}"
    content = _readable(
        lambda: unseal(
            message.conversation.data_key,
            bytes(attachment.sealed_content),
            context=attachment_context(attachment),
        )
    )
    if content is not None:
        files.append(AttachedFile(path=path, content=content))
    return {
        "id": str(attachment.pk),
        "name": sealed_field(attachment, "name"),
        "content_type": attachment.content_type,
        "size": attachment.size,
        "file": path if content is not None else None,
    }


def appointments(person: User) -> list[Record]:
    found = []
    for appointment in appointments_of(person).select_related(
        "client", "practitioner", "client_location"
    ):
        other = (
            appointment.practitioner if appointment.client_id == person.pk else appointment.client
        )
        found.append(
            {
                "id": appointment.pk,
                "starts_at": when(appointment.starts_at),
                "ends_at": when(appointment.ends_at),
                "status": appointment.status,
                "modality": appointment.modality,
                "with": other.display_name,
                "fee": str(appointment.price),
                "currency": appointment.currency,
                "where_the_client_is": appointment.client_location.code,
                "ended_at": when(appointment.ended_at),
                # Only a reason this person gave: the other party's words stay theirs.
                "your_reason": appointment.reason_given
                if appointment.ended_by_id == person.pk
                else "",
            }
        )
    return found


def video_sessions(person: User) -> list[Record]:
    """The video sessions of the person's appointments: when each began and ended and how.
    Nothing of a call is recorded, so there is no content to give."""
    found = []
    for session in (
        VideoSession.objects.filter(appointment__in=appointments_of(person))
        .select_related(
            "appointment__client", "appointment__practitioner", "client_place", "case__data_key"
        )
        .order_by("created_at")
    ):
        appointment = session.appointment
        is_client = appointment.client_id == person.pk
        other = appointment.practitioner if is_client else appointment.client
        found.append(
            {
                "appointment": appointment.pk,
                "with": other.display_name,
                "arrived_at": when(session.place_confirmed_at),
                "admitted_at": when(session.admitted_at),
                "ended_at": when(session.ended_at),
                "outcome": session.outcome,
                # Where the client said she was is hers: the practitioner's export leaves it.
                "where_you_said_you_were": session.client_place.code
                if is_client and session.client_place is not None
                else None,
                # Only a reason this person gave, as for appointments.
                "your_reason": (sealed_field(session, "outcome_reason") or "")
                if session.ended_by_id == person.pk
                else "",
            }
        )
    return found


def cases(person: User) -> list[Record]:
    """A client's own cases: their details, consents, check-ins and referrals. Never the
    practitioner's notes or letters."""
    found = []
    for case in care_access.cases_of_client(person).select_related(
        "practitioner", "data_key", "client_location"
    ):
        found.append(
            {
                "id": str(case.pk),
                "practitioner": case.practitioner.display_name,
                "status": case.status,
                "opened_at": when(case.opened_at),
                "closed_at": when(case.closed_at),
                "where_you_are": case.client_location.code if case.client_location else None,
                "emergency_contact": sealed_field(case, "emergency_contact"),
                "crisis_plan": sealed_field(case, "crisis_plan"),
                "consents": [consent_record(consent) for consent in case.consents.all()],
                "check_ins": list(
                    check_in_records(case.check_ins.exclude(status=CheckInStatus.OPEN))
                ),
                "referrals": [
                    {
                        "kind": referral.kind,
                        "to": referral.to_practitioner.display_name,
                        "status": referral.status,
                        "shared": list(referral.shared_items),
                        "proposed_at": when(referral.created_at),
                        "decided_at": when(referral.decided_at),
                        "withdrawn_at": when(referral.withdrawn_at),
                    }
                    for referral in case.referrals.select_related("to_practitioner")
                ],
            }
        )
    return found


def consent_record(consent: Consent) -> Record:
    return {
        "technology": consent.technology,
        "text_version": consent.text_version,
        "given_at": when(consent.given_at),
        "withdrawn_at": when(consent.withdrawn_at),
    }


def check_in_records(check_ins: QuerySet[CheckIn]) -> Iterator[Record]:
    for check_in in check_ins.select_related("case__data_key"):
        band = None
        if check_in.score is not None:
            found = get_instrument(check_in.instrument).band_for(check_in.score)
            band = str(found.label) if found is not None else None
        yield {
            "instrument": check_in.instrument,
            "due_at": when(check_in.due_at),
            "status": check_in.status,
            "answered_at": when(check_in.answered_at),
            "answers": sealed_field(check_in, "answers"),
            "score": check_in.score,
            "severity": band,
            "urgent": check_in.urgent,
        }


def who_accessed(person: User) -> list[Record]:
    """Each access to this person's records by someone else, from the audit log."""
    events = list(
        AuditEvent.objects.filter(subject_id=person.pk, actor_id__isnull=False)
        .exclude(actor_id=person.pk)
        .order_by("occurred_at")
    )
    names = {
        actor.pk: actor.display_name
        for actor in User.objects.filter(pk__in={event.actor_id for event in events}).only(
            "role", "alias", "legal_name"
        )
    }
    return [
        {
            "at": when(event.occurred_at),
            "who": names.get(event.actor_id or 0, ""),
            "role": event.actor_role,
            "action": event.action,
            "reason": event.reason,
        }
        for event in events
    ]


SECTIONS = (
    "account",
    "conversations",
    "appointments",
    "video_sessions",
    "cases",
    "who_accessed",
)


def collect(
    person: User, *, on_section: Callable[[int], None] | None = None
) -> tuple[Record, list[AttachedFile]]:
    """The export's JSON document and the files beside it. ``on_section`` is told how many
    sections are done, for the progress bar."""
    files: list[AttachedFile] = []
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("account", lambda: account(person)),
        ("conversations", lambda: conversations(person, files)),
        ("appointments", lambda: appointments(person)),
        ("video_sessions", lambda: video_sessions(person)),
        ("cases", lambda: cases(person)),
        ("who_accessed", lambda: who_accessed(person)),
    ]
    document: Record = {"schema_version": SCHEMA_VERSION}
    for done, (name, build) in enumerate(steps, start=1):
        document[name] = build()
        if on_section is not None:
            on_section(done)
    return document, files
