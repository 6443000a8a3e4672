"""Officers and admins read register exports: upload, preview the diff, apply or discard; and
say where the clock re-reads each register from (register_sources.py)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework.accounts.models import Role, User
from casework.accounts.permissions import role_required
from casework.registry import register_import, register_sources
from casework.registry.access import (
    get_import_for_officer,
    get_regulator_for_officer,
    regulators_acted_on_by,
)
from casework.registry.forms import RegisterSourceForm, RegisterUploadForm
from casework.registry.models import RegisterImport, RegisterSource


def _format_choices() -> list[tuple[str, str]]:
    from casework.registry.importers.registry import FORMATS

    return [(key, str(importer.label)) for key, importer in FORMATS.items()]


@role_required(Role.OFFICER, Role.ADMIN)
@require_http_methods(["GET", "HEAD", "POST"])
def register_imports(request: HttpRequest) -> HttpResponse:
    person = request.user
    assert isinstance(person, User)  # noqa: S101
    regulators = regulators_acted_on_by(person)
    form = RegisterUploadForm(
        request.POST or None,
        request.FILES or None,
        regulators=regulators,
        formats=_format_choices(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            received = register_import.receive_register_file(
                regulator=form.cleaned_data["regulator"],
                uploaded_file=form.cleaned_data["file"],
                file_format=form.cleaned_data["file_format"],
                uploaded_by=person,
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect("registry:register_import", import_id=received.pk)
    recent = RegisterImport.objects.filter(regulator__in=regulators).select_related(
        "regulator", "uploaded_by"
    )[:50]
    failing = RegisterSource.objects.filter(
        regulator__in=regulators,
        last_outcome__in=[RegisterSource.Outcome.FAILED, RegisterSource.Outcome.AWAITING],
    ).select_related("regulator")
    return TemplateResponse(
        request,
        "registry/register_imports.html",
        {"form": form, "imports": recent, "failing_sources": failing},
    )


@role_required(Role.OFFICER, Role.ADMIN)
@require_http_methods(["GET", "HEAD", "POST"])
def scheduled_readings(request: HttpRequest) -> HttpResponse:
    person = request.user
    assert isinstance(person, User)  # noqa: S101
    regulators = regulators_acted_on_by(person)
    form = RegisterSourceForm(
        request.POST or None, regulators=regulators, formats=_format_choices()
    )
    if request.method == "POST" and form.is_valid():
        try:
            register_sources.set_register_source(
                regulator=form.cleaned_data["regulator"],
                location=form.cleaned_data["location"],
                file_format=form.cleaned_data["file_format"],
                every_hours=form.cleaned_data["every_hours"],
                set_by=person,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.info(request, _("Saved. The register is read at the clock's next round."))
            return redirect("registry:register_sources")
    sources = RegisterSource.objects.filter(regulator__in=regulators).select_related(
        "regulator", "last_import"
    )
    return TemplateResponse(
        request, "registry/register_sources.html", {"form": form, "sources": sources}
    )


@role_required(Role.OFFICER, Role.ADMIN)
@require_POST
def stop_scheduled_reading(request: HttpRequest, regulator: str) -> HttpResponse:
    person = request.user
    assert isinstance(person, User)  # noqa: S101
    found = get_regulator_for_officer(person, regulator)
    register_sources.remove_register_source(regulator=found, removed_by=person)
    messages.info(request, _("The register is no longer read on a schedule."))
    return redirect("registry:register_sources")


@role_required(Role.OFFICER, Role.ADMIN)
@require_safe
def register_import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    person = request.user
    assert isinstance(person, User)  # noqa: S101
    found = get_import_for_officer(person, import_id)
    busy = found.state in (
        RegisterImport.State.RECEIVED,
        RegisterImport.State.CHECKING,
        RegisterImport.State.APPLYING,
    )
    template = "registry/register_import.html"
    if request.headers.get("HX-Request"):
        template += "#progress"
    return TemplateResponse(request, template, {"imp": found, "busy": busy})


@role_required(Role.OFFICER, Role.ADMIN)
@require_POST
def register_import_decision(request: HttpRequest, import_id: int) -> HttpResponse:
    person = request.user
    assert isinstance(person, User)  # noqa: S101
    found = get_import_for_officer(person, import_id)
    try:
        if request.POST.get("decision") == "apply":
            register_import.queue_register_import_apply(
                register_import_id=found.pk,
                applied_by=person,
                confirmed_withdrawals=_confirmed_count(request.POST.get("confirm_withdrawals")),
            )
            messages.info(request, _("Applying the import. This page shows its progress."))
        else:
            register_import.discard_register_import(
                register_import_id=found.pk, discarded_by=person
            )
            messages.info(request, _("The import was discarded; nothing changed."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("registry:register_import", import_id=found.pk)


def _confirmed_count(typed: str | None) -> int | None:
    """The count an officer typed to confirm a reading's suspensions and removals; anything
    but a whole number confirms nothing (the service then says what it needs)."""
    typed = (typed or "").strip()
    return int(typed) if typed.isascii() and typed.isdigit() and len(typed) <= 9 else None
