"""Case notes: sealed, author-only (and a supervisor), locked after 24 hours, reads audited."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from casework.accounts.models import User
from casework.care.models import Case, CaseNote
from casework.care.services import cases, notes
from casework.privacy.models import AuditEvent
from casework.testing import care
from casework.testing.vault import raw_column

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 3)


def write(case: Case, **sections: str) -> CaseNote:
    return notes.write_note(
        case=case,
        author=case.practitioner,
        template="dap",
        session_on=TODAY,
        sections=sections or {"data": "Slept badly", "assessment": "Low", "plan": "Call Friday"},
    )


def test_a_note_is_sealed_in_the_database(case: Case) -> None:
    note = write(case)
    assert CaseNote.objects.get(pk=note.pk).content["data"] == "Slept badly"
    assert b"Slept" not in (raw_column(CaseNote, "content", note.pk) or b"Slept")


def test_an_empty_note_a_future_date_and_a_closed_case_are_refused(
    case: Case, practitioner: User
) -> None:
    with pytest.raises(ValidationError, match="empty"):
        write(case, data=" ", assessment="", plan="")
    with pytest.raises(ValidationError, match="future"):
        notes.write_note(
            case=case,
            author=practitioner,
            template="soap",
            session_on=TODAY + timedelta(days=2),
            sections={"subjective": "x"},
        )
    with pytest.raises(ValidationError, match="template"):
        notes.write_note(
            case=case, author=practitioner, template="poem", session_on=TODAY, sections={}
        )
    cases.change_case_status(case=case, actor=practitioner, to_status="closed")
    with pytest.raises(ValidationError, match="closed"):
        write(case)
    assert not CaseNote.objects.exists()


def test_a_note_changes_for_24_hours_then_only_by_addenda(case: Case, frozen: Any) -> None:
    note = write(case)
    frozen.shift(timedelta(hours=23))
    notes.edit_note(note=note, author=case.practitioner, session_on=TODAY, sections={"data": "A"})
    frozen.shift(timedelta(hours=2))
    with pytest.raises(ValidationError, match="locked"):
        notes.edit_note(
            note=note, author=case.practitioner, session_on=TODAY, sections={"data": "B"}
        )
    addendum = notes.add_addendum(note=note, author=case.practitioner, body="Called: safe.")
    assert CaseNote.objects.get(pk=note.pk).content["data"] == "A"
    assert addendum.body == "Called: safe."


def test_only_the_author_and_a_supervisor_read_a_note_and_every_read_is_audited(
    case: Case, practitioner: User, other_practitioner: User, client: Client
) -> None:
    note = write(case)
    client.force_login(other_practitioner)
    assert client.get(f"/care/notes/{note.pk}/").status_code == 404
    client.force_login(case.client)
    assert client.get(f"/care/notes/{note.pk}/").status_code == 403
    supervisor = care.verified_practitioner()
    care.supervise(case, supervisor)
    client.force_login(supervisor)
    page = client.get(f"/care/notes/{note.pk}/")
    assert page.status_code == 200
    assert "Slept badly" in page.content.decode()
    assert "Add the addendum" not in page.content.decode()
    assert client.get(f"/care/notes/{note.pk}/edit/").status_code == 404
    client.force_login(practitioner)
    assert client.get(f"/care/notes/{note.pk}/").status_code == 200
    reads = AuditEvent.objects.filter(action="care.note_read", object_id=str(note.pk))
    assert sorted(reads.values_list("detail__as", flat=True)) == ["author", "supervisor"]
    assert set(reads.values_list("subject_id", flat=True)) == {case.client_id}


def test_the_note_pages_write_change_and_add(
    case: Case, practitioner: User, client: Client, frozen: Any
) -> None:
    client.force_login(practitioner)
    form = client.get(f"/care/clients/{case.pk}/notes/new/", {"template": "soap"}).content.decode()
    assert 'name="session_on_day"' in form  # day, month and year boxes, not a browser's picker
    assert 'type="date"' not in form
    new = client.post(
        f"/care/clients/{case.pk}/notes/new/",
        {
            "template": "soap",
            "session_on_day": "3",
            "session_on_month": "6",
            "session_on_year": "2026",
            "subjective": "Tired",
            "plan": "Rest",
        },
    )
    note = CaseNote.objects.get()
    assert new.status_code == 302
    assert new["Location"] == f"/care/notes/{note.pk}/"
    assert note.template == "soap"
    assert note.content["subjective"] == "Tired"
    assert note.session_on == TODAY
    impossible = client.post(
        f"/care/notes/{note.pk}/edit/",
        {"session_on_day": "31", "session_on_month": "2", "session_on_year": "2026"},
    )
    assert impossible.status_code == 400
    assert "That date does not exist" in impossible.content.decode()
    future = client.post(
        f"/care/notes/{note.pk}/edit/", {"session_on": "2026-07-01", "subjective": "Later"}
    )
    assert future.status_code == 400
    assert "future" in future.content.decode()
    assert "Later" in future.content.decode()  # what was typed comes back
    frozen.shift(timedelta(days=2))
    client.force_login(practitioner)  # staff sessions end when idle
    locked = client.get(f"/care/notes/{note.pk}/edit/")
    assert locked.status_code == 302
    empty = client.post(f"/care/notes/{note.pk}/addenda/", {"body": "  "})
    assert empty.status_code == 400
    added = client.post(f"/care/notes/{note.pk}/addenda/", {"body": "Follow-up done"})
    assert added.status_code == 302
    assert "Follow-up done" in client.get(f"/care/notes/{note.pk}/").content.decode()


def test_the_list_of_notes_opens_no_note(case: Case, practitioner: User, client: Client) -> None:
    write(case)
    client.force_login(practitioner)
    page = client.get(f"/care/clients/{case.pk}/notes/")
    assert page.status_code == 200
    assert "Slept badly" not in page.content.decode()
    assert not AuditEvent.objects.filter(action="care.note_read").exists()
