import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.core import is_ratelimited

from casework.accounts.models import Role, User
from casework.accounts.permissions import role_required
from casework.complaints import services
from casework.complaints.access import (
    find_complaint_by_secret,
    get_complaint_for_staff,
    get_evidence_for_staff,
    visible_complaints,
)
from casework.complaints.bundle import download_bundle
from casework.complaints.forms import ComplaintForm, ProgressForm, TrackForm
from casework.complaints.models import Complaint, ComplaintState
from casework.complaints.subjects import Subject, find_subject
from casework.messaging.attachments import CheckedFile, check_upload
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.registry.models import RegistrationClaim
from casework.vault.crypto import unseal

# Per address, the API's requests counted too: filing is for people with something to say, not
# for flooding; following a complaint allows a few mistyped secrets, never a search through
# references.
FILE_RATE = "10/h"
TRACK_RATE = "20/h"


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def new_complaint(request: HttpRequest) -> HttpResponse:
    """ "Report this social worker to their regulator": from a profile (``?profile=``) or a
    verification page (``?regulator=&number=``)."""
    # Whom it is about stays in the address, which the form posts back to.
    source = request.GET
    subject = find_subject(
        profile=source.get("profile", ""),
        regulator=source.get("regulator", ""),
        number=source.get("number", ""),
    )
    person = request.user if isinstance(request.user, User) else None
    form = ComplaintForm(
        request.POST or None,
        request.FILES or None,
        signed_in=person is not None,
    )
    named = any(source.get(key) for key in ("profile", "regulator", "number"))
    context: dict[str, object] = {"form": form, "subject": subject, "named": named}
    if subject is None:
        # Nobody named: ask whom it is about. Someone named whom we do not know: say so.
        return TemplateResponse(
            request, "complaints/new.html", context, status=404 if named else 200
        )
    context["regulators"] = services.routed_regulators(subject.practitioner)
    if request.method == "POST" and form.is_valid():
        if is_ratelimited(
            request, group="complaints.file", key="ip", rate=FILE_RATE, increment=True
        ):
            form.add_error(None, _("Too many complaints from here. Try again in an hour."))
            return TemplateResponse(request, "complaints/new.html", context, status=429)
        filed = _file(request, form, subject, person)
        if filed is not None:
            return TemplateResponse(
                request,
                "complaints/filed.html",
                {"filed": filed, "subject": subject, "routes": _routes(filed.complaint)},
            )
    return TemplateResponse(request, "complaints/new.html", context)


def _file(
    request: HttpRequest, form: ComplaintForm, subject: Subject, person: User | None
) -> services.FiledComplaint | None:
    checked: list[CheckedFile] = []
    try:
        for upload in form.cleaned_data["evidence"]:
            checked.append(check_upload(upload))
        return services.file_complaint(
            practitioner=subject.practitioner,
            category=form.cleaned_data["category"],
            details=form.cleaned_data["details"],
            evidence=checked,
            complainant=person if form.cleaned_data.get("share_identity") else None,
            idempotency_key=form.cleaned_data["submission"],
        )
    except ValidationError as error:
        form.add_error("evidence" if _is_file_error(error) else None, error)
        return None


def _is_file_error(error: ValidationError) -> bool:
    return getattr(error, "code", "") in {"empty", "too_large", "type_not_allowed", "type_mismatch"}


def _routes(complaint: Complaint) -> list[str]:
    return [str(route.regulator) for route in complaint.routes.select_related("regulator")]


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def track_complaint(request: HttpRequest) -> HttpResponse:
    """Follow a complaint by its reference and secret (both needed; guesses are limited)."""
    form = TrackForm(request.POST or None)
    complaint = None
    if request.method == "POST":
        if is_ratelimited(
            request, group="complaints.track", key="ip", rate=TRACK_RATE, increment=True
        ):
            form.add_error(None, _("Too many tries. Wait an hour, then try again."))
            return TemplateResponse(request, "complaints/track.html", {"form": form}, status=429)
        if form.is_valid():
            complaint = find_complaint_by_secret(
                form.cleaned_data["reference"], form.cleaned_data["secret"]
            )
            if complaint is None:
                form.add_error(
                    None,
                    _("No complaint matches this reference and secret. Check both and try again."),
                )
    context: dict[str, object] = {"form": form, "complaint": complaint}
    if complaint is not None:
        context["routes"] = _routes(complaint)
        context["progress"] = list(complaint.progress.all())
    return TemplateResponse(request, "complaints/track.html", context)


STAFF = (Role.OFFICER, Role.MODERATOR, Role.ADMIN)


def _staff(request: HttpRequest) -> User:
    person = request.user
    assert isinstance(person, User)  # noqa: S101  (role_required ran)
    return person


@role_required(*STAFF)
@require_safe
def complaint_queue(request: HttpRequest) -> HttpResponse:
    complaints = (
        visible_complaints(_staff(request))
        .select_related("practitioner")
        .prefetch_related("routes__regulator")
        .order_by("closed_at", "-created_at")[:200]
    )
    return TemplateResponse(request, "complaints/queue.html", {"complaints": complaints})


@role_required(*STAFF)
@require_http_methods(["GET", "HEAD", "POST"])
def complaint_detail(request: HttpRequest, complaint_id: uuid.UUID) -> HttpResponse:
    person = _staff(request)
    complaint = get_complaint_for_staff(person, complaint_id)
    form = ProgressForm(request.POST or None)
    if request.method == "POST":
        if complaint.is_closed:
            messages.error(request, _("This complaint is closed: it cannot change any more."))
            return redirect("complaints:detail", complaint_id=complaint.pk)
        if form.is_valid():
            try:
                services.move_complaint(
                    complaint=complaint,
                    actor=person,
                    state=form.cleaned_data["state"],
                    outcome_summary=form.cleaned_data["outcome_summary"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The complaint has moved on."))
                return redirect("complaints:detail", complaint_id=complaint.pk)
    record_event(
        action=actions.COMPLAINTS_VIEWED,
        actor=person,
        target=complaint,
        subject_id=complaint.practitioner_id,
    )
    context = {
        "complaint": complaint,
        "routes": _routes(complaint),
        "evidence": list(complaint.evidence.all()),
        "progress": list(complaint.progress.select_related("by")),
        "downloads": list(complaint.downloads.select_related("by")),
        "form": form,
        "next_states": services.NEXT_STATES[complaint.state],
        "registrations": _registrations(complaint),
        "closed": complaint.state == ComplaintState.CLOSED,
    }
    return TemplateResponse(request, "complaints/detail.html", context)


def _registrations(complaint: Complaint) -> list[RegistrationClaim]:
    """The practitioner's verified registrations with the regulators the complaint went to
    (an officer reads nothing of another regulator's register here)."""
    claims = RegistrationClaim.objects.filter(
        practitioner_id=complaint.practitioner_id, state=RegistrationClaim.State.VERIFIED
    ).select_related("regulator", "entry")
    if not complaint.to_moderators:
        claims = claims.filter(regulator__complaint_routes__complaint=complaint)
    return list(claims)


@role_required(*STAFF)
@require_safe
def evidence_file(
    request: HttpRequest, complaint_id: uuid.UUID, evidence_id: uuid.UUID
) -> HttpResponse:
    person = _staff(request)
    evidence = get_evidence_for_staff(person, complaint_id, evidence_id)
    content = unseal(
        evidence.complaint.data_key,
        bytes(evidence.sealed_content),
        context=services.evidence_context(evidence.pk),
    )
    record_event(
        action=actions.COMPLAINTS_EVIDENCE_VIEWED,
        actor=person,
        target=evidence.complaint,
        subject_id=evidence.complaint.practitioner_id,
        detail={"evidence": str(evidence.pk)},
    )
    response = HttpResponse(content, content_type=evidence.content_type)
    response["Content-Disposition"] = f'attachment; filename="evidence-{evidence.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@role_required(*STAFF)
@require_safe
def evidence_bundle(request: HttpRequest, complaint_id: uuid.UUID) -> HttpResponse:
    person = _staff(request)
    complaint = get_complaint_for_staff(person, complaint_id)
    name, content = download_bundle(complaint=complaint, person=person)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
