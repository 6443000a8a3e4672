"""What a case's export for a transfer holds: that case, as its practitioner sees it, and
nothing of any other case or client.

Each section reads through care's own helpers for what the practitioner sees (check-ins from
the case's ``check_ins_visible_from``, their own notes only), so the export never shows more
than the case page. Appointments and the case conversation belong to the client and
practitioner as a pair, not to a case: they are taken from the case's own period only (booked
or written from a month before it opened, or from when the pair's previous case closed, until
it closed), so an earlier or later case of the same pair stays out. The layout is documented in
``EXPORT_FORMAT.md``.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db.models import Max, Q

from casework.accounts.models import User
from casework.care import access as care_access
from casework.care.models import Case, CaseNote, CheckInStatus
from casework.care.timeline import LEAD_IN, Span, case_timeline
from casework.messaging.models import Conversation, Message
from casework.privacy.export_contents import (
    AttachedFile,
    Record,
    attachments_without_content,
    check_in_records,
    consent_record,
    message_record,
    sealed_field,
    when,
)
from casework.scheduling.models import Appointment

SCHEMA_VERSION = "1.1"


def period(case: Case) -> tuple[datetime, bool, datetime | None]:
    """When ``case`` ran: from a month before it opened, or from the close of the pair's
    previous case if that is later (the instant of that close is the previous case's: the
    second value says the start is exclusive), until it closed (``None`` while open)."""
    previous_close = (
        Case.objects.filter(
            practitioner_id=case.practitioner_id,
            client_id=case.client_id,
            closed_at__lte=case.opened_at,
        )
        .exclude(pk=case.pk)
        .aggregate(last=Max("closed_at"))["last"]
    )
    start = case.opened_at - LEAD_IN
    if previous_close is not None and previous_close >= start:
        return previous_close, True, case.closed_at
    return start, False, case.closed_at


def _within(field: str, case: Case) -> Q:
    start, exclusive, end = period(case)
    found = Q(**{f"{field}__gt" if exclusive else f"{field}__gte": start})
    if end is not None:
        found &= Q(**{f"{field}__lte": end})
    return found


def about(case: Case) -> Record:
    return {
        "id": str(case.pk),
        "client": case.client.display_name,
        "practitioner": case.practitioner.display_name,
        "status": case.status,
        "source": case.source,
        "opened_at": when(case.opened_at),
        "closed_at": when(case.closed_at),
        "where_the_client_is": case.client_location.code if case.client_location else None,
        "emergency_contact": sealed_field(case, "emergency_contact"),
        "crisis_plan": sealed_field(case, "crisis_plan"),
        "online_suitability": case.online_suitability,
        "consents": [consent_record(consent) for consent in case.consents.all()],
    }


def timeline(case: Case, practitioner: User) -> list[Record]:
    """The case page's timeline over the case's whole period: the practitioner who receives
    the case has no other way to read what came before the last half year."""
    start, exclusive, end = period(case)
    span = Span(since=start, until=end, limit=None, since_exclusive=exclusive)
    return [
        {
            "at": when(entry.at),
            "kind": entry.kind,
            "title": entry.title,
            "detail": entry.detail,
            "text": entry.text,
        }
        for entry in case_timeline(case, practitioner, span)
    ]


def notes(case: Case, practitioner: User) -> list[Record]:
    """The notes the practitioner wrote on this case, with their own addenda: never a
    predecessor's (they remain their author's), never a supervisor's reading of them."""
    found = []
    for note in (
        CaseNote.objects.filter(case=case, author=practitioner)
        .select_related("case__data_key")
        .prefetch_related("addenda")
        .order_by("session_on", "created_at")
    ):
        found.append(
            {
                "id": str(note.pk),
                "template": note.template,
                "session_on": note.session_on.isoformat(),
                "written_at": when(note.created_at),
                "content": sealed_field(note, "content"),
                "addenda": [
                    {"written_at": when(addendum.created_at), "body": addendum.body}
                    for addendum in note.addenda.all()
                    if addendum.author_id == practitioner.pk
                ],
            }
        )
    return found


def check_ins(case: Case) -> Record:
    plans = care_access.plans_seen_by_practitioners().filter(case=case).order_by("created_at")
    seen = (
        care_access.check_ins_seen_by_practitioners()
        .filter(case=case)
        .exclude(status=CheckInStatus.OPEN)
        .order_by("due_at")
    )
    return {
        "plans": [
            {
                "instrument": plan.instrument,
                "every_days": plan.every_days,
                "time_of_day": plan.time_of_day.isoformat(),
                "starts_on": plan.starts_on.isoformat(),
                "status": plan.status,
                "created_at": when(plan.created_at),
                "ended_at": when(plan.ended_at),
            }
            for plan in plans
        ],
        "results": list(check_in_records(seen)),
    }


def appointments(case: Case, practitioner: User) -> list[Record]:
    found = []
    for appointment in (
        Appointment.objects.filter(
            # Booked while the case ran: an appointment it booked belongs to it, even one that
            # falls after it closed.
            _within("created_at", case),
            practitioner_id=case.practitioner_id,
            client_id=case.client_id,
        )
        .select_related("client_location")
        .order_by("starts_at")
    ):
        found.append(
            {
                "id": appointment.pk,
                "starts_at": when(appointment.starts_at),
                "ends_at": when(appointment.ends_at),
                "status": appointment.status,
                "modality": appointment.modality,
                "where_the_client_is": appointment.client_location.code,
                "ended_at": when(appointment.ended_at),
                # Only a reason the practitioner gave: the client's words stay hers.
                "your_reason": appointment.reason_given
                if appointment.ended_by_id == practitioner.pk
                else "",
            }
        )
    return found


def conversation(case: Case, practitioner: User, files: list[AttachedFile]) -> list[Record]:
    """The case conversation's messages within the case's period, opened with the
    conversation's key (a message under a destroyed key says so by an empty body)."""
    conversations = Conversation.objects.filter(
        kind=Conversation.Kind.CASE,
        client_id=case.client_id,
        practitioner_id=case.practitioner_id,
    )
    return [
        message_record(practitioner, message, files)
        for message in Message.objects.filter(
            _within("created_at", case), conversation__in=conversations
        )
        .select_related("sender", "conversation__data_key")
        .prefetch_related(attachments_without_content())
        .order_by("created_at", "seq")
    ]


SECTIONS = ("case", "timeline", "notes", "check_ins", "appointments", "messages")


def collect(
    case: Case, practitioner: User, *, on_section: Callable[[int], None] | None = None
) -> tuple[Record, list[AttachedFile]]:
    """The case export's JSON document and the files beside it (the conversation's
    attachments). ``on_section`` is told how many sections are done, for the progress bar."""
    files: list[AttachedFile] = []
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("case", lambda: about(case)),
        ("timeline", lambda: timeline(case, practitioner)),
        ("notes", lambda: notes(case, practitioner)),
        ("check_ins", lambda: check_ins(case)),
        ("appointments", lambda: appointments(case, practitioner)),
        ("messages", lambda: conversation(case, practitioner, files)),
    ]
    document: Record = {"schema_version": SCHEMA_VERSION, "kind": "case_transfer"}
    for done, (name, build) in enumerate(steps, start=1):
        document[name] = build()
        if on_section is not None:
            on_section(done)
    return document, files
