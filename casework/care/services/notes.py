"""Case notes: written sealed, changed only in their first 24 hours, then by addenda; every
read audited (the note's content is opened only through ``read_note``)."""

from collections.abc import Mapping
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.accounts.models import User
from casework.care.models import Case, CaseNote, NoteAddendum, NoteTemplate
from casework.care.note_templates import SECTION_LIMIT, sections_for
from casework.care.schedules import client_today
from casework.privacy import actions
from casework.privacy.audit import record_event

LOCKS_AFTER = timedelta(hours=24)
ADDENDUM_LIMIT = 10_000


def _clean_sections(template: str, sections: Mapping[str, str]) -> dict[str, str]:
    if template not in NoteTemplate.values:
        raise ValidationError(_("Choose a note template."), code="template")
    content = {}
    for section in sections_for(template):
        text = str(sections.get(section.key) or "").replace("\r\n", "\n").strip()
        if len(text) > SECTION_LIMIT:
            raise ValidationError(
                _("%(section)s can be at most %(limit)d characters long.")
                % {"section": section.label, "limit": SECTION_LIMIT},
                code="too_long",
            )
        content[section.key] = text
    if not any(content.values()):
        raise ValidationError(_("The note is empty: write at least one section."), code="empty")
    return content


def _check_date(case: Case, session_on: date) -> None:
    # The practitioner's "today" may run ahead of the client's: the later of the two counts.
    latest = max(client_today(case), timezone.localdate())
    if session_on > latest:
        raise ValidationError(
            _("The date of the contact cannot be in the future."), code="future_date"
        )
    if session_on < case.opened_at.date() - timedelta(days=365):
        raise ValidationError(
            _("The date is more than a year before the case was opened."), code="too_early"
        )


def write_note(
    *, case: Case, author: User, template: str, session_on: date, sections: Mapping[str, str]
) -> CaseNote:
    if author.pk != case.practitioner_id:
        raise ValidationError(_("Only the case's practitioner writes its notes."))
    if not case.is_open:
        raise ValidationError(
            _("This case is closed: notes can no longer be added."), code="case_closed"
        )
    content = _clean_sections(template, sections)
    _check_date(case, session_on)
    now = timezone.now()
    with transaction.atomic():
        note = CaseNote(
            case=case,
            author=author,
            template=template,
            session_on=session_on,
            content=content,
            created_at=now,
            updated_at=now,
            locks_at=now + LOCKS_AFTER,
        )
        note.save(force_insert=True)
        record_event(
            action=actions.CARE_NOTE_WRITTEN,
            actor=author,
            target=note,
            subject_id=case.client_id,
            detail={"case": str(case.pk), "template": template},
        )
    return note


def is_locked(note: CaseNote) -> bool:
    return timezone.now() >= note.locks_at


def edit_note(
    *, note: CaseNote, author: User, session_on: date, sections: Mapping[str, str]
) -> CaseNote:
    if author.pk != note.author_id:
        raise ValidationError(_("Only the author changes a note."))
    content = _clean_sections(note.template, sections)
    with transaction.atomic():
        locked = (
            CaseNote.objects.select_for_update(of=("self",))
            .select_related("case__data_key", "case__client")
            .get(pk=note.pk)
        )
        if is_locked(locked):
            raise ValidationError(
                _("This note was locked 24 hours after it was written: add an addendum instead."),
                code="locked",
            )
        if not locked.case.is_open:
            raise ValidationError(_("This case is closed."), code="case_closed")
        _check_date(locked.case, session_on)
        locked.content = content
        locked.session_on = session_on
        locked.updated_at = timezone.now()
        locked.save()
        record_event(
            action=actions.CARE_NOTE_CHANGED,
            actor=author,
            target=locked,
            subject_id=locked.case.client_id,
        )
    return locked


def add_addendum(*, note: CaseNote, author: User, body: str) -> NoteAddendum:
    if author.pk != note.author_id:
        raise ValidationError(_("Only the author adds to a note."))
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError(_("The addendum is empty."), code="empty")
    if len(text) > ADDENDUM_LIMIT:
        raise ValidationError(
            _("An addendum can be at most %(limit)d characters long.") % {"limit": ADDENDUM_LIMIT},
            code="too_long",
        )
    if not note.case.is_open:
        raise ValidationError(
            _("This case is closed: notes can no longer be added to."), code="case_closed"
        )
    with transaction.atomic():
        addendum = NoteAddendum(note=note, author=author, body=text, created_at=timezone.now())
        addendum.save(force_insert=True)
        record_event(
            action=actions.CARE_NOTE_ADDENDUM_ADDED,
            actor=author,
            target=note,
            subject_id=note.case.client_id,
        )
    return addendum


def read_note(*, note: CaseNote, reader: User) -> CaseNote:
    """Audit the read of one note, then hand it over to be opened. ``note`` comes from
    ``access.get_note_for_reader``, which decides who may read it."""
    record_event(
        action=actions.CARE_NOTE_READ,
        actor=reader,
        target=note,
        subject_id=note.case.client_id,
        detail={"as": "author" if reader.pk == note.author_id else "supervisor"},
    )
    return note
