"""Case notes: written by the case's practitioner, read by them (and a supervisor), every
read audited; after 24 hours, addenda only."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework.accounts.models import Role, User
from casework.accounts.permissions import role_required
from casework.care import access
from casework.care.forms import AddendumForm, NoteForm, NoteTemplateForm
from casework.care.models import CaseNote, NoteTemplate
from casework.care.note_templates import sections_for
from casework.care.services import notes
from casework.care.views import person_of

GET_AND_POST = ["GET", "HEAD", "POST"]


def _note_url(note: CaseNote) -> str:
    return reverse("care:note", kwargs={"note_id": note.pk})


@role_required(Role.PRACTITIONER)
@require_safe
def case_notes(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """The practitioner's own notes of a case: dates and templates only (opening one is the
    audited read)."""
    person = person_of(request)
    case = access.get_case_for_practitioner(person, case_id)
    own = (
        access.notes_readable_by(person)
        .filter(case=case, author=person)
        .values("pk", "session_on", "template", "created_at", "locks_at")
    )
    return TemplateResponse(
        request,
        "care/case_notes.html",
        {
            "case": case,
            "notes": list(own),
            "template_form": NoteTemplateForm(),
            "now": timezone.now(),
            "NoteTemplate": NoteTemplate,
        },
    )


@role_required(Role.PRACTITIONER)
@require_http_methods(GET_AND_POST)
def new_note(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    person = person_of(request)
    case = access.get_case_for_practitioner(person, case_id)
    template = request.POST.get("template") or request.GET.get("template") or NoteTemplate.DAP
    if template not in NoteTemplate.values:
        template = NoteTemplate.DAP
    form = NoteForm(
        request.POST if request.method == "POST" else None,
        template=template,
        initial={"session_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            note = notes.write_note(
                case=case,
                author=person,
                template=template,
                session_on=form.cleaned_data["session_on"],
                sections=form.sections(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The note is saved. You can change it for 24 hours, then add to it.")
            )
            return redirect(_note_url(note))
    return TemplateResponse(
        request,
        "care/note_form.html",
        {
            "case": case,
            "form": form,
            "template": template,
            "template_label": NoteTemplate(template).label,
            "note": None,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _note_page(
    request: HttpRequest, person: User, found: CaseNote, addendum_form: AddendumForm
) -> TemplateResponse:
    found = notes.read_note(note=found, reader=person)
    content = found.content or {}
    sections = [
        {"label": section.label, "text": content.get(section.key, "")}
        for section in sections_for(found.template)
    ]
    addenda = list(found.addenda.select_related("author", "note__case__data_key"))
    return TemplateResponse(
        request,
        "care/note.html",
        {
            "note": found,
            "sections": sections,
            "addenda": addenda,
            "is_author": found.author_id == person.pk,
            "locked": notes.is_locked(found),
            "addendum_form": addendum_form,
            "template_label": NoteTemplate(found.template).label,
        },
        status=400 if addendum_form.is_bound else 200,
    )


@role_required(Role.PRACTITIONER)
@never_cache
@require_safe
def note(request: HttpRequest, note_id: uuid.UUID) -> HttpResponse:
    person = person_of(request)
    return _note_page(request, person, access.get_note_for_reader(person, note_id), AddendumForm())


@role_required(Role.PRACTITIONER)
@require_http_methods(GET_AND_POST)
def edit_note(request: HttpRequest, note_id: uuid.UUID) -> HttpResponse:
    person = person_of(request)
    found = access.get_own_note(person, note_id)
    if notes.is_locked(found):
        messages.info(request, _("This note is locked: add an addendum instead."))
        return redirect(_note_url(found))
    if request.method == "POST":
        form = NoteForm(request.POST, template=found.template)
    else:
        notes.read_note(note=found, reader=person)
        form = NoteForm(
            template=found.template, initial={"session_on": found.session_on, **found.content}
        )
    if request.method == "POST" and form.is_valid():
        try:
            notes.edit_note(
                note=found,
                author=person,
                session_on=form.cleaned_data["session_on"],
                sections=form.sections(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The note is saved."))
            return redirect(_note_url(found))
    return TemplateResponse(
        request,
        "care/note_form.html",
        {
            "case": found.case,
            "form": form,
            "template": found.template,
            "template_label": NoteTemplate(found.template).label,
            "note": found,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@role_required(Role.PRACTITIONER)
@require_POST
def add_addendum(request: HttpRequest, note_id: uuid.UUID) -> HttpResponse:
    person = person_of(request)
    found = access.get_own_note(person, note_id)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            notes.add_addendum(note=found, author=person, body=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The addendum is added."))
            return redirect(_note_url(found))
    # What was written comes back with the reason it was refused.
    return _note_page(request, person, found, form)
