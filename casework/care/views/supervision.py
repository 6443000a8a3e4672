"""Supervision pages: the practitioner invites a colleague (and may stop it), the colleague
accepts or declines on their supervision page and reads the supervised notes there, and any of
the three (the client from their care page) ends it."""

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework.accounts.models import Role, User
from casework.accounts.permissions import role_required
from casework.care import access
from casework.care.forms import SupervisorForm
from casework.care.models import LIVE_SUPERVISION_STATUSES, Supervision, SupervisionStatus
from casework.care.services import supervision as supervisions
from casework.care.views import error_text, person_of
from casework.shell.confirmations import Danger, ask_first

# The one answer to an invitation, whatever the address: the page after it says no more.
INVITED = gettext_lazy(
    "If this address belongs to a verified practitioner, we have sent them an invitation. "
    "They read nothing until they accept."
)


def _stopping(supervision: Supervision, person: User, back_url: str) -> Danger:
    """What ending a supervision (or withdrawing the invitation to it) does."""
    if person.pk == supervision.supervisor_id:
        return Danger(
            question=_("Step down as supervisor?"),
            consequences=[
                _("You stop reading the case notes at once."),
                _("The practitioner and the client are told."),
            ],
            confirm=_("Step down as supervisor"),
            back_url=back_url,
        )
    if supervision.status != SupervisionStatus.ACCEPTED or supervision.supervisor is None:
        # Until it is accepted, the invitation names an address, not a person.
        email = supervision.invited_email
        return Danger(
            question=_("Withdraw the invitation to %(email)s?") % {"email": email},
            consequences=[
                _("The invitation no longer works: nobody can accept it."),
                _("To ask again, you send a new invitation."),
            ],
            confirm=_("Withdraw the invitation"),
            back_url=back_url,
        )
    name = supervision.supervisor.display_name
    return Danger(
        question=_("End the supervision by %(name)s?") % {"name": name},
        consequences=[
            _("%(name)s stops reading the case notes at once.") % {"name": name},
            _("Everyone concerned is told. To start again, a new invitation is needed."),
        ],
        confirm=_("End the supervision"),
        back_url=back_url,
    )


@role_required(Role.PRACTITIONER)
@require_http_methods(["GET", "HEAD", "POST"])
def supervisor(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    person = person_of(request)
    case = access.get_case_for_practitioner(person, case_id)
    form = SupervisorForm()
    if request.method == "POST" and request.POST.get("action") == "stop":
        live = (
            Supervision.objects.filter(case=case, status__in=LIVE_SUPERVISION_STATUSES)
            .select_related("supervisor")
            .first()
        )
        if live is not None:
            asking = ask_first(
                request, _stopping(live, person, reverse("care:supervisor", args=[case.pk]))
            )
            if asking is not None:
                return asking
        try:
            stopped = supervisions.stop_supervision(case=case, practitioner=person)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            if stopped is not None:
                messages.success(request, _("The supervision has ended."))
        return redirect("care:supervisor", case_id=case.pk)
    if request.method == "POST":
        form = SupervisorForm(request.POST)
        if form.is_valid():
            try:
                supervisions.invite_supervisor(
                    case=case, practitioner=person, email=form.cleaned_data["email"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, str(INVITED))
                return redirect("care:supervisor", case_id=case.pk)
    current = (
        Supervision.objects.filter(case=case, status__in=LIVE_SUPERVISION_STATUSES)
        .select_related("supervisor")
        .first()
    )
    return TemplateResponse(
        request,
        "care/supervisor.html",
        {"case": case, "form": form, "current": current},
        status=400 if form.is_bound and form.errors else 200,
    )


@role_required(Role.PRACTITIONER)
@require_safe
def supervision(request: HttpRequest) -> HttpResponse:
    """Invitations waiting for this practitioner's answer, and the cases they supervise with
    the notes they may read."""
    person = person_of(request)
    invitations = list(
        access.invitations_for(person)
        .select_related("case__client", "practitioner")
        .order_by("-invited_at")
    )
    supervised = list(access.supervised_by(person).select_related("client", "practitioner"))
    held = {
        row.case_id: row
        for row in access.supervisions_holding().filter(supervisor=person, case__in=supervised)
    }
    notes = (
        access.notes_readable_by(person)
        .filter(access.supervised_notes(person))
        .order_by("-created_at")
    )
    by_case: dict[Any, list[Any]] = {}
    for note_id, case_id, session_on, template, author in notes.values_list(
        "pk", "case_id", "session_on", "template", "author__legal_name"
    ):
        by_case.setdefault(case_id, []).append(
            {"id": note_id, "session_on": session_on, "template": template, "author": author}
        )
    rows = [
        {"case": case, "supervision": held.get(case.pk), "notes": by_case.get(case.pk, [])}
        for case in supervised
    ]
    return TemplateResponse(
        request, "care/supervision.html", {"rows": rows, "invitations": invitations}
    )


@role_required(Role.PRACTITIONER)
@require_POST
def answer_supervision(request: HttpRequest, supervision_id: uuid.UUID) -> HttpResponse:
    person = person_of(request)
    invitation = access.get_invitation(person, supervision_id)
    decision = request.POST.get("decision")
    if decision not in ("accept", "decline"):
        messages.error(request, _("Choose to accept or to decline."))
        return redirect("care:supervision")
    try:
        supervisions.answer_invitation(
            supervision=invitation, supervisor=person, accept=decision == "accept"
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _("You supervise this case now. The client is told.")
            if decision == "accept"
            else _("Declined. Your colleague is told."),
        )
    return redirect("care:supervision")


@require_POST
def end_supervision(request: HttpRequest, supervision_id: uuid.UUID) -> HttpResponse:
    """The client, the practitioner or the supervisor ends a live supervision."""
    person = person_of(request)
    found = access.get_supervision_for_party(person, supervision_id)
    if person.role == Role.CLIENT:
        back = reverse("care:my_care")
    elif person.pk == found.practitioner_id:
        back = reverse("care:supervisor", args=[found.case_id])
    else:
        back = reverse("care:supervision")
    asking = ask_first(request, _stopping(found, person, back))
    if asking is not None:
        return asking
    try:
        supervisions.end_supervision(supervision=found, person=person)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("The supervision has ended: the notes are no longer read."))
    if person.role == Role.CLIENT:
        return redirect("care:my_care")
    if person.pk == found.practitioner_id:
        return redirect("care:supervisor", case_id=found.case_id)
    return redirect("care:supervision")
