"""What a person's export holds: everything that is theirs, nothing of anyone else.

Each section is a function of the person alone, reading through the owning app's access
helpers, so an export sees exactly what its person may see on the pages. Other people appear
by display name only; what another person wrote about them (case notes, referral letters, the
reason someone else gave for cancelling) stays out. The layout is versioned and documented in
``EXPORT_FORMAT.md`` and ``export_schema.json`` next to this module.
"""

import re
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet

from casework.accounts.models import User
from casework.care import access as care_access
from casework.care.instruments import get_instrument
from casework.care.models import CheckIn, CheckInStatus, Consent
from casework.community import access as community_access
from casework.community.models import Comment
from casework.complaints import access as complaints_access
from casework.complaints.models import ComplaintEvidence
from casework.complaints.services import evidence_context
from casework.directory import access as directory_access
from casework.messaging import access as messaging_access
from casework.messaging.models import Attachment, Message
from casework.messaging.services import attachment_context
from casework.privacy.models import AuditEvent
from casework.registry import claims as claim_documents
from casework.registry.claims import DOCUMENT_FIELDS
from casework.registry.evidence_notes import open_notes
from casework.registry.models import RegistrationClaim
from casework.safety import access as safety_access
from casework.scheduling.access import appointments_of
from casework.vault.crypto import unseal
from casework.vault.errors import DataKeyDestroyed, VaultError
from casework.vault.models import DataKey
from casework.video.models import VideoSession

SCHEMA_VERSION = "1.3"

Record = dict[str, Any]

# Where each file's sealed bytes are fetched from: given the ids of a batch, yields each id
# with its bytes, one at a time, so a person with many files never holds them all at once.
SealedFetch = Callable[[list[Any]], Iterator[tuple[Any, bytes]]]

# Why a listed file has no content in the archive.
UNAVAILABLE_ERASED = "erased"  # its key was destroyed (the other party or the person erased it)
UNAVAILABLE_UNREADABLE = "unreadable"  # the vault could not open it, or it is gone


@dataclass(frozen=True)
class AttachedFile:
    """A file of the archive beside the JSON: its row in ``data.json``, whose ``file`` names
    where it goes, and how to open it. Opened only when the archive is written, in batches
    per ``fetch``."""

    record: Record
    row_id: Hashable
    fetch: SealedFetch
    open: Callable[[bytes], bytes]


def _sealed_rows(model: type[Attachment] | type[ComplaintEvidence]) -> SealedFetch:
    def fetch(ids: list[Any]) -> Iterator[tuple[Any, bytes]]:
        # One query per batch, read in chunks: the bytes are left out of the listing queries.
        rows = model.objects.filter(pk__in=ids).values_list("pk", "sealed_content")
        for pk, sealed in rows.iterator(chunk_size=8):
            yield pk, bytes(sealed)

    return fetch


_attachment_rows = _sealed_rows(Attachment)
_evidence_rows = _sealed_rows(ComplaintEvidence)


def open_files(files: Iterable[AttachedFile]) -> Iterator[tuple[AttachedFile, bytes | None]]:
    """Each file with its content, one at a time; ``None`` for one the vault cannot open,
    whose row then says why and names no file. The file goes at its row's ``file``."""
    batches: dict[SealedFetch, dict[Hashable, AttachedFile]] = {}
    for attached in files:
        batches.setdefault(attached.fetch, {})[attached.row_id] = attached
    for fetch, by_id in batches.items():
        for row_id, sealed in fetch(list(by_id)):
            attached = by_id.pop(row_id)
            try:
                content: bytes | None = attached.open(sealed)
            except DataKeyDestroyed:
                content = None
                _unavailable(attached.record, UNAVAILABLE_ERASED)
            except VaultError:
                content = None
                _unavailable(attached.record, UNAVAILABLE_UNREADABLE)
            yield attached, content
        # Gone since the listing (a message deleted meanwhile, a stored file lost): listed,
        # not given.
        for attached in by_id.values():
            _unavailable(attached.record, UNAVAILABLE_UNREADABLE)
            yield attached, None


def _unavailable(record: Record, reason: str) -> None:
    record["file"] = None
    record["unavailable"] = reason


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str | None, *, fallback: str) -> str:
    """A file name that cannot climb out of its folder nor trip an unpacker: letters, digits,
    dot, dash and underscore; no leading dot; at most 100 characters."""
    cleaned = _UNSAFE.sub("_", name or "").strip("._")[:100].strip("._")
    return cleaned or fallback


def _unique(name: str, taken: set[str]) -> str:
    # Two files sent under one name both go in: the second is numbered.
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{number}-{name}"
    taken.add(candidate)
    return candidate


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
            .prefetch_related(attachments_without_content())
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


def attachments_without_content() -> "Prefetch[str, QuerySet[Attachment]]":
    # The bytes are read one file at a time when the archive is written (``open_files``).
    return Prefetch("attachments", queryset=Attachment.objects.defer("sealed_content"))


def _attachment(message: Message, attachment: Attachment, files: list[AttachedFile]) -> Record:
    # The file's own name may hold anything: the archive names it by id and keeps the name.
    path = f"attachments/{attachment.pk}"
    record: Record = {
        "id": str(attachment.pk),
        "name": sealed_field(attachment, "name"),
        "content_type": attachment.content_type,
        "size": attachment.size,
        "file": path,
        "unavailable": None,
    }
    return _sealed_file(
        record,
        attachment.pk,
        _attachment_rows,
        message.conversation.data_key,
        attachment_context(attachment),
        files,
    )


def _sealed_file(
    record: Record,
    row_id: Hashable,
    fetch: SealedFetch,
    data_key: DataKey,
    context: str,
    files: list[AttachedFile],
) -> Record:
    """``record``'s file, sealed under ``data_key`` in the rows ``fetch`` reads, goes in the
    archive when it is written."""
    files.append(
        AttachedFile(
            record=record,
            row_id=row_id,
            fetch=fetch,
            open=lambda sealed: unseal(data_key, sealed, context=context),
        )
    )
    return record


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


def articles(person: User) -> list[Record]:
    """The community articles the person wrote, drafts too, as they wrote them."""
    return [
        {
            "title": article.title,
            "address": article.slug,
            "summary": article.summary,
            "body": article.body,
            "tags": list(article.tags),
            "status": article.status,
            "cover_description": article.cover_alt,
            "created_at": when(article.created_at),
            "updated_at": when(article.updated_at),
            "published_at": when(article.published_at),
        }
        for article in community_access.own_articles(person).order_by("created_at")
    ]


def comments(person: User) -> list[Record]:
    """The community comments the person wrote under their name: the article's title, never
    the words of the comment they answered or of the replies."""
    return [
        {
            "id": comment.pk,
            "article": comment.article.title,
            "is_reply": comment.parent_id is not None,
            "body": comment.body,
            "status": comment.status,
            "written_at": when(comment.created_at),
            "edited_at": when(comment.edited_at),
        }
        for comment in Comment.objects.filter(author=person)
        .select_related("article")
        .order_by("created_at", "pk")
    ]


def reports(person: User) -> list[Record]:
    """The reports the person filed, as their own report page shows them, with their words.
    Nothing of the reported person, nor what moderators did about them."""
    return [
        {
            "reference": report.reference,
            "target": report.target_kind,
            "category": report.category,
            "details": sealed_field(report, "details"),
            "evidence_consented": report.evidence_consented,
            "sent_at": when(report.created_at),
            "status": report.status,
            "outcome": report.outcome,
            "closed_at": when(report.closed_at),
        }
        for report in safety_access.reports_of(person)
        .select_related("data_key")
        .order_by("created_at", "reference")
    ]


def complaints(person: User, files: list[AttachedFile]) -> list[Record]:
    """The complaints the person filed under their name, as their tracking page shows them,
    with their own words and the files they sent. Complaints filed without a name are tied to
    nobody and cannot be found for anyone."""
    found = []
    for complaint in (
        complaints_access.complaints_filed_by(person)
        .select_related("practitioner", "data_key")
        .prefetch_related(
            "routes__regulator",
            "progress",
            Prefetch("evidence", queryset=ComplaintEvidence.objects.defer("sealed_content")),
        )
        .order_by("created_at", "reference")
    ):
        folder = f"files/complaints/{safe_name(complaint.reference, fallback=str(complaint.pk))}"
        taken: set[str] = set()
        found.append(
            {
                "reference": complaint.reference,
                "about": complaint.practitioner.display_name,
                "category": complaint.category,
                "details": sealed_field(complaint, "details"),
                "state": complaint.state,
                "handled_by": sorted(str(route.regulator) for route in complaint.routes.all()),
                "to_moderators": complaint.to_moderators,
                "outcome": sealed_field(complaint, "outcome_summary") or None,
                "history": [
                    {"state": step.state, "at": when(step.at)} for step in complaint.progress.all()
                ],
                "evidence": [
                    _complaint_evidence(item, folder, taken, files)
                    for item in complaint.evidence.all()
                ],
                "filed_at": when(complaint.created_at),
                "closed_at": when(complaint.closed_at),
            }
        )
    return found


def _complaint_evidence(
    item: ComplaintEvidence, folder: str, taken: set[str], files: list[AttachedFile]
) -> Record:
    # Opened as the complaint's pages open it: under the complaint's key, bound to the row.
    name = sealed_field(item, "name")
    path = f"{folder}/{_unique(safe_name(name, fallback=f'evidence-{item.pk}'), taken)}"
    record: Record = {
        "name": name,
        "content_type": item.content_type,
        "size": item.size,
        "added_at": when(item.added_at),
        "file": path,
        "unavailable": None,
    }
    return _sealed_file(
        record, item.pk, _evidence_rows, item.complaint.data_key, evidence_context(item.pk), files
    )


def directory_profile(person: User) -> Record | None:
    """A practitioner's own directory profile, as they wrote it; null for anyone without one."""
    profile = directory_access.get_own_profile(person)
    if profile is None:
        return None
    return {
        "address": profile.slug,
        "display_name": profile.display_name,
        "approved_display_name": profile.approved_display_name,
        "bio": profile.bio_source,
        "languages": [row.code for row in profile.language_rows.all()],
        "specialties": [row.code for row in profile.specialty_rows.all()],
        "modalities": [row.modality for row in profile.modality_rows.all()],
        "in_person_place": profile.in_person_place,
        "funded": profile.funded,
        "fee": str(profile.fee) if profile.fee is not None else None,
        "currency": profile.fee_currency,
        "has_photo": bool(profile.photo),
        "published": profile.published,
        "created_at": when(profile.created_at),
        "updated_at": when(profile.updated_at),
    }


def registration_claims(person: User, files: list[AttachedFile]) -> list[Record]:
    """A practitioner's claims to register entries, as their registrations page shows them,
    with their note on the evidence and the documents they uploaded. Who reviewed a claim is
    left out: that is the reviewer's."""
    claims = list(
        RegistrationClaim.objects.filter(practitioner=person)
        .select_related("regulator", "entry")
        .order_by("created_at", "pk")
    )
    notes = open_notes(claims)
    # The documents are sealed under the person's key; their keys, destroyed ones too, in one go.
    keys = {key.pk: key for key in DataKey.objects.filter(owner=f"person:{person.pk}")}
    return [
        {
            "regulator": str(claim.regulator),
            "registration_number": claim.registration_number,
            "state": claim.state,
            "register_status": claim.entry.status if claim.entry is not None else None,
            "proof_route": claim.proof_route,
            "proved_at": when(claim.proved_at),
            "in_dispute_since": when(claim.disputed_since),
            "decided_at": when(claim.decided_at),
            "decision_reason": claim.decision_reason,
            "evidence_given": bool(claim.evidence),
            "identity_document_given": bool(claim.identity_document),
            "documents": [
                _claim_document(claim, field, keys, files)
                for field in DOCUMENT_FIELDS
                if getattr(claim, field)
            ],
            "evidence_note": notes[claim.pk],
            "claimed_at": when(claim.created_at),
        }
        for claim in claims
    ]


def _claim_document(
    claim: RegistrationClaim, field: str, keys: dict[Any, DataKey], files: list[AttachedFile]
) -> Record:
    name = "evidence" if field == "evidence" else "identity-document"
    path = f"files/claims/{claim.pk}/{name}"
    record: Record = {"document": field, "file": path, "unavailable": None}

    def open_document(stored: bytes) -> bytes:
        # As the reviewers' download opens it, and named by what it is, as theirs is.
        content = claim_documents.open_document(claim, field, stored, keys=keys)
        record["file"] = f"{path}.{claim_documents.document_extension(content)}"
        return content

    files.append(
        AttachedFile(
            record=record,
            row_id=(claim.pk, field),
            fetch=_stored_documents(getattr(claim, field)),
            open=open_document,
        )
    )
    return record


def _stored_documents(stored: Any) -> SealedFetch:
    # A claim's documents are files in storage, not rows: each is read when its turn comes.
    def fetch(ids: list[Any]) -> Iterator[tuple[Any, bytes]]:
        try:
            with stored.open("rb") as handle:
                content = handle.read()
        except OSError:
            return  # named unreadable by ``open_files``
        for row_id in ids:
            yield row_id, content

    return fetch


SECTIONS = (
    "account",
    "conversations",
    "appointments",
    "video_sessions",
    "cases",
    "articles",
    "comments",
    "reports",
    "complaints",
    "directory_profile",
    "registration_claims",
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
        ("articles", lambda: articles(person)),
        ("comments", lambda: comments(person)),
        ("reports", lambda: reports(person)),
        ("complaints", lambda: complaints(person, files)),
        ("directory_profile", lambda: directory_profile(person)),
        ("registration_claims", lambda: registration_claims(person, files)),
        ("who_accessed", lambda: who_accessed(person)),
    ]
    document: Record = {"schema_version": SCHEMA_VERSION}
    for done, (name, build) in enumerate(steps, start=1):
        document[name] = build()
        if on_section is not None:
            on_section(done)
    return document, files
