"""A case's timeline for its practitioner: check-ins, appointments, messages, notes, consent
and status events, newest first. A fixed number of queries; message bodies are never opened here
(only when and from whom). The case page shows the last half year, at most 300 entries; a case's
export for a transfer takes its whole period (``Span.whole``), because the practitioner who
receives it has no other way to read the earlier part.

What a client wrote in a free-text check-in is shown in full (opened with the case's data key,
read in the same query as the check-ins, and audited as one read); a questionnaire's answers
item by item are one click away (the case page's ``?answers=<check-in>``, audited too)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Self

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.accounts.models import User
from casework.care.access import check_ins_seen_by_practitioners, flags_seen_by_practitioners
from casework.care.instruments import INSTRUMENTS
from casework.care.models import (
    BreakGlassOpening,
    Case,
    CaseNote,
    CaseStatus,
    CaseStatusChange,
    CheckIn,
    CheckInStatus,
    Consent,
    Referral,
    ReferralStatus,
    Technology,
)
from casework.care.services.check_ins import record_answers_read
from casework.dates import reader_date
from casework.messaging.models import Message
from casework.scheduling.models import Appointment, AppointmentStatus

HORIZON = timedelta(days=180)
LIMIT = 300
# A booking made shortly before the case opened belongs to it.
LEAD_IN = timedelta(days=30)


@dataclass(frozen=True)
class Span:
    """Which part of a case's history a timeline covers: from ``since`` (after it, when
    ``since_exclusive``: the instant the pair's previous case closed is that case's), until
    ``until`` once the case has closed, at most ``limit`` entries (all when ``None``)."""

    since: datetime
    until: datetime | None = None
    limit: int | None = LIMIT
    since_exclusive: bool = False

    @classmethod
    def recent(cls, case: Case) -> Self:
        """The case page's: the last half year, at most ``LIMIT`` entries."""
        return cls(since=max(case.opened_at - LEAD_IN, timezone.now() - HORIZON))

    def bounds(self, field: str) -> Q:
        found = Q(**{f"{field}__gt" if self.since_exclusive else f"{field}__gte": self.since})
        if self.until is not None:
            found &= Q(**{f"{field}__lte": self.until})
        return found


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str
    title: str
    detail: str = ""
    link: str = ""
    # The client's own words (a free-text check-in), shown as text.
    text: str = ""
    check_in: CheckIn | None = None
    answers_link: str = ""


# Entries that apps above care add to a case's timeline (video sessions): each source is a
# function of the case and the span shown, registered by the app that owns the
# rows when it loads (``register_source``), so care imports none of them.
Source = Callable[[Case, Span], list[Entry]]
SOURCES: list[Source] = []


def register_source(source: Source) -> Source:
    if source not in SOURCES:
        SOURCES.append(source)
    return source


def _status_label(status: str) -> str:
    return str(CaseStatus(status).label) if status in CaseStatus.values else status


def _check_in_entries(case: Case, span: Span) -> list[Entry]:
    entries = []
    rows = (
        check_ins_seen_by_practitioners()
        .filter(
            span.bounds("due_at"),
            case=case,
            status__in=[CheckInStatus.ANSWERED, CheckInStatus.MISSED],
        )
        .order_by("-due_at")
        .only(
            "id",
            "case_id",
            "instrument",
            "status",
            "score",
            "urgent",
            "answered_at",
            "due_at",
            "answers",
        )[: span.limit]
    )
    page = reverse("care:case", kwargs={"case_id": case.pk})
    for row in rows:
        row.case = case  # sealed answers open with the case's data key, already loaded
        instrument = INSTRUMENTS[row.instrument]
        if row.status == CheckInStatus.MISSED:
            entries.append(
                Entry(row.due_at, "missed", _("Missed: %(name)s") % {"name": instrument.name})
            )
            continue
        title = _("Answered: %(name)s") % {"name": instrument.name}
        at = row.answered_at or row.due_at
        if instrument.free_text:
            text = str((row.answers or {}).get("text") or "")
            entries.append(Entry(at, "check_in", title, text=text, check_in=row))
            continue
        detail = ""
        if row.score is not None:
            band = instrument.band_for(row.score)
            detail = _("Score %(score)d") % {"score": row.score}
            if band is not None:
                detail += f" ({band.label})"
        entries.append(
            Entry(
                at,
                "urgent" if row.urgent else "check_in",
                title,
                detail,
                answers_link=f"{page}?answers={row.pk}#answers",
            )
        )
    return entries


def _appointment_entries(case: Case, span: Span) -> list[Entry]:
    rows = (
        Appointment.objects.filter(
            span.bounds("starts_at"),
            practitioner_id=case.practitioner_id,
            client_id=case.client_id,
        )
        .order_by("-starts_at")
        .values_list("pk", "starts_at", "status")[: span.limit]
    )
    return [
        Entry(
            starts_at,
            "appointment",
            _("Appointment"),
            str(AppointmentStatus(status).label) if status in AppointmentStatus.values else status,
            reverse("scheduling:appointment", kwargs={"appointment_id": pk}),
        )
        for pk, starts_at, status in rows
    ]


def _message_entries(case: Case, span: Span, viewer: User) -> list[Entry]:
    rows = (
        Message.objects.filter(
            span.bounds("created_at"),
            conversation__client_id=case.client_id,
            conversation__practitioner_id=case.practitioner_id,
            kind=Message.Kind.MESSAGE,
        )
        .order_by("-created_at")
        .values_list("created_at", "sender_id", "conversation_id")[: span.limit]
    )
    return [
        Entry(
            created_at,
            "message",
            _("Message from you") if sender_id == viewer.pk else _("Message from the client"),
            link=reverse("messaging:conversation", kwargs={"conversation_id": conversation_id}),
        )
        for created_at, sender_id, conversation_id in rows
    ]


def case_timeline(case: Case, viewer: User, span: Span | None = None) -> list[Entry]:
    span = span or Span.recent(case)
    entries = [
        *_check_in_entries(case, span),
        *_appointment_entries(case, span),
        *_message_entries(case, span, viewer),
        *(entry for source in SOURCES for entry in source(case, span)),
    ]
    for change in CaseStatusChange.objects.filter(case=case).select_related("case__data_key"):
        entries.append(
            Entry(
                change.changed_at,
                "status",
                _("Case %(status)s") % {"status": _status_label(change.to_status).lower()},
                # A reason is its writer's words, as a note is: whoever held the case before
                # keeps theirs.
                (change.reason or "") if change.changed_by_id == viewer.pk else "",
            )
        )
    for consent in Consent.objects.filter(case=case):
        name = Technology(consent.technology).label
        entries.append(
            Entry(
                consent.given_at,
                "consent",
                _("Consent given: %(service)s") % {"service": name},
                _("Text version %(version)s") % {"version": consent.text_version},
            )
        )
        if consent.withdrawn_at:
            entries.append(
                Entry(
                    consent.withdrawn_at,
                    "consent_withdrawn",
                    _("Consent withdrawn: %(service)s") % {"service": name},
                )
            )
    for flag in (
        flags_seen_by_practitioners().filter(case=case).values_list("raised_at", "acknowledged_at")
    ):
        entries.append(Entry(flag[0], "urgent", _("Urgent flag raised")))
        if flag[1]:
            entries.append(Entry(flag[1], "acknowledged", _("Urgent flag acknowledged")))
    for note_id, session_on, created_at, template in CaseNote.objects.filter(
        case=case, author=viewer
    ).values_list("pk", "session_on", "created_at", "template")[: span.limit]:
        entries.append(
            Entry(
                created_at,
                "note",
                _("Your note of %(date)s") % {"date": reader_date(session_on, "short")},
                template.upper(),
                reverse("care:note", kwargs={"note_id": note_id}),
            )
        )
    # The referrals the viewer made, and the transfer that brought them the case.
    for referral_id, kind, status, created_at in (
        Referral.objects.filter(case=case)
        .filter(Q(from_practitioner=viewer) | Q(to_practitioner=viewer))
        .values_list("pk", "kind", "status", "created_at")
    ):
        entries.append(
            Entry(
                created_at,
                "referral",
                _("Transfer proposed") if kind == "transfer" else _("Referral proposed"),
                str(ReferralStatus(status).label),
                reverse("care:referral", kwargs={"referral_id": referral_id}),
            )
        )
    for opened_at, opener in BreakGlassOpening.objects.filter(case=case).values_list(
        "opened_at", "opened_by__legal_name"
    ):
        entries.append(
            Entry(
                opened_at,
                "break_glass",
                _("Emergency details opened by %(name)s (break-glass)") % {"name": opener},
            )
        )
    entries.sort(key=lambda entry: entry.at, reverse=True)
    shown = entries[: span.limit]
    record_answers_read(
        case=case,
        reader=viewer,
        check_ins=[entry.check_in for entry in shown if entry.check_in is not None],
    )
    return shown
