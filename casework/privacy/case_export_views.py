"""A case's export for a transfer: its practitioner asks for it and downloads it from the
case; its client agrees or declines on a page of her own. Thin: ``case_export`` does the
work, ``access`` and care's ``access`` say who opens what."""

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from casework.accounts.models import Role
from casework.accounts.permissions import role_required
from casework.care import access as care_access
from casework.care.views import person_of
from casework.privacy import access, case_export, export
from casework.privacy.rights_models import RUNNING_CASE_EXPORT_STATUSES, ExportStatus
from casework.shell.confirmations import Danger, ask_first


@role_required(Role.PRACTITIONER)
@require_http_methods(["GET", "HEAD", "POST"])
def case_export_page(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    person = person_of(request)
    case = care_access.get_case_for_practitioner(person, case_id)
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "call_off":
            asking = ask_first(
                request,
                Danger(
                    question=_("Call off the export request?"),
                    consequences=[
                        _("The client is no longer asked, and nothing is exported."),
                        _("To export the case later, you ask the client again."),
                    ],
                    confirm=_("Call off the request"),
                    back_url=reverse("privacy:case_export", args=[case.pk]),
                ),
            )
            if asking is not None:
                return asking
            waiting = case_export.running_case_export(case)
            try:
                if waiting is None or waiting.person_id != person.pk:
                    raise case_export.CaseExportAlreadyAnswered
                case_export.call_off_case_export(found=waiting, practitioner=person)
            except case_export.CaseExportAlreadyAnswered:
                messages.error(
                    request, _("There is no request waiting for the client to call off.")
                )
                status = 409
            else:
                messages.success(request, _("The request is called off; nothing was exported."))
                return redirect("privacy:case_export", case_id=case.pk)
        else:
            try:
                case_export.ask_for_case_export(case=case, practitioner=person)
            except case_export.CaseExportAlreadyAsked:
                messages.error(
                    request,
                    _(
                        "An export of this case is already waiting for the client or being "
                        "prepared: one at a time."
                    ),
                )
                status = 409
            else:
                messages.success(
                    request, _("The client is asked to agree. Nothing is exported before they do.")
                )
                return redirect("privacy:case_export", case_id=case.pk)
    exports = list(access.case_exports_of(case, person).order_by("-requested_at")[:5])
    latest = exports[0] if exports else None
    return TemplateResponse(
        request,
        "privacy/case_export.html",
        {
            "case": case,
            "client": case.client,
            "latest": latest,
            "waiting": latest is not None and latest.status == ExportStatus.ASKING,
            "running": latest is not None and latest.status in RUNNING_CASE_EXPORT_STATUSES,
            "ExportStatus": ExportStatus,
        },
        status=status,
    )


@role_required(Role.PRACTITIONER)
@require_safe
def case_export_download(
    request: HttpRequest, case_id: uuid.UUID, export_id: uuid.UUID
) -> HttpResponseBase:
    person = person_of(request)
    case = care_access.get_case_for_practitioner(person, case_id)
    found = access.get_case_export_for_practitioner(person, case, export_id)
    try:
        content = case_export.open_case_export(found=found, practitioner=person)
    except case_export.CaseExportNotAgreed as refusal:
        return TemplateResponse(
            request,
            "privacy/case_export_refused.html",
            {"case": case, "declined": refusal.status == ExportStatus.DECLINED},
            status=409,
        )
    except export.ExportExpired:
        return TemplateResponse(
            request, "privacy/case_export_refused.html", {"case": case, "expired": True}, status=410
        )
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(
        True, case_export.archive_name(found)
    )
    return response


@role_required(Role.CLIENT)
@require_http_methods(["GET", "HEAD", "POST"])
def case_export_consent(request: HttpRequest, export_id: uuid.UUID) -> HttpResponse:
    person = person_of(request)
    found = access.get_case_export_for_client(person, export_id)
    status = 200
    if request.method == "POST":
        decision = request.POST.get("decision")
        if decision not in ("agree", "decline"):
            messages.error(request, _("Choose whether you agree to the export or decline it."))
            status = 400
        else:
            try:
                case_export.answer_case_export(
                    export_id=str(found.pk), client=person, agree=decision == "agree"
                )
            except case_export.CaseExportAlreadyAnswered:
                messages.error(
                    request,
                    _("This request was answered already, or your social worker called it off."),
                )
                status = 409
            else:
                if decision == "agree":
                    messages.success(request, _("Thank you. Your social worker can now export it."))
                else:
                    messages.success(request, _("You declined. Nothing of your case is exported."))
                return redirect("privacy:case_export_consent", export_id=found.pk)
    return TemplateResponse(
        request,
        "privacy/case_export_consent.html",
        {
            "asked": found,
            "case": found.case,
            "practitioner": found.person,
            "asking": found.status == ExportStatus.ASKING,
            "declined": found.status == ExportStatus.DECLINED,
            # Called off by the practitioner before she answered.
            "called_off": found.consent_decided_at is None and found.status == ExportStatus.EXPIRED,
        },
        status=status,
    )
