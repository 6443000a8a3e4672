"""A person's own data: download it all (export), or have the account erased (erasure)."""

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework.accounts.models import User
from casework.privacy import access, erasure, export


def _person(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101  (LoginRequiredMiddleware ran)
    return request.user


@require_http_methods(["GET", "HEAD", "POST"])
def export_page(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    status = 200
    if request.method == "POST":
        try:
            export.request_export(person=person)
        except export.ExportAlreadyRunning:
            messages.error(request, _("Your export is still being prepared: one at a time."))
            status = 409
        else:
            return redirect("rights:export")
    exports = list(access.own_exports(person)[:5])
    latest = exports[0] if exports else None
    return TemplateResponse(
        request,
        "privacy/export.html",
        {"latest": latest, "exports": exports, "running": latest is not None and latest.is_running},
        status=status,
    )


@require_safe
def export_download(request: HttpRequest, export_id: str) -> HttpResponseBase:
    person = _person(request)
    found = access.get_own_export(person, export_id)
    try:
        content = export.open_export(export=found, person=person)
    except export.ExportExpired:
        return TemplateResponse(request, "privacy/export_expired.html", {}, status=410)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, export.archive_name(found))
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@reauthentication_required  # type: ignore[untyped-decorator]  # allauth is untyped
def erasure_page(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    status = 200
    refused: list[erasure.Held] = []
    if request.method == "POST":
        if request.POST.get("confirm") != "erase":
            messages.error(request, _("Tick the box to confirm that you want your account erased."))
            status = 400
        else:
            try:
                erasure.request_erasure(person=person)
            except erasure.ErasureRefused as refusal:
                refused, status = refusal.holds, 409
            else:
                return redirect("rights:erasure")
    return TemplateResponse(
        request,
        "privacy/erasure.html",
        {
            "waiting": erasure.waiting_erasure(person),
            "holds": refused or erasure.legal_holds(person),
            "kept": erasure.kept_records(person),
            "cooling_off_days": settings.ERASURE_COOLING_OFF_DAYS,
        },
        status=status,
    )


@require_POST
def erasure_cancel(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    try:
        erasure.cancel_erasure(person=person)
    except erasure.NoErasureWaiting:
        messages.error(request, _("There is no erasure of your account waiting to cancel."))
        return redirect("rights:erasure")
    messages.success(request, _("Your account will not be erased."))
    return redirect("rights:erasure")
