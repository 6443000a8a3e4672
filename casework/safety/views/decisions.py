"""Statements of reasons, for the person a decision affects, and their one appeal."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework.accounts.models import User
from casework.safety import access, appeals, rules
from casework.safety.forms import AppealForm
from casework.safety.models import Appeal, ModerationAction
from casework.safety.notices import action_id_from_token

GET_AND_POST = ["GET", "HEAD", "POST"]


def _person(request: HttpRequest) -> User:
    person = request.user
    if not isinstance(person, User):
        raise Http404
    return person


@require_safe
def my_decisions(request: HttpRequest) -> HttpResponse:
    decisions = access.decisions_about(_person(request)).order_by("-created_at")
    return TemplateResponse(request, "safety/my_decisions.html", {"decisions": decisions})


def _statement(
    request: HttpRequest, action: ModerationAction, form: AppealForm, *, status: int = 200
) -> HttpResponse:
    appeal = Appeal.objects.filter(action=action).select_related("data_key").first()
    return TemplateResponse(
        request,
        "safety/decision.html",
        {
            "action": action,
            "rule": rules.rule(action.rule),
            "appeal": appeal,
            "form": form,
            "referrals": action.referrals.select_related("regulator"),
        },
        status=status,
    )


def _appeal(request: HttpRequest, action: ModerationAction, form: AppealForm) -> bool:
    if not form.is_valid():
        return False
    assert action.affected is not None  # noqa: S101  (decisions_about: someone affected)
    try:
        appeals.file_appeal(
            action=action, appellant=action.affected, grounds=form.cleaned_data["grounds"]
        )
    except ValidationError as error:
        form.add_error(None, error)
        return False
    messages.success(request, _("Your appeal was sent. Another moderator will decide it."))
    return True


@require_safe
def decision(request: HttpRequest, action_id: str) -> HttpResponse:
    action = access.get_decision_for_affected(_person(request), action_id)
    return _statement(request, action, AppealForm())


@require_POST
def appeal_decision(request: HttpRequest, action_id: str) -> HttpResponse:
    action = access.get_decision_for_affected(_person(request), action_id)
    form = AppealForm(request.POST)
    if _appeal(request, action, form):
        return redirect("safety:decision", action_id=action.pk)
    return _statement(request, action, form, status=400)


@login_not_required
@require_http_methods(GET_AND_POST)
def decision_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """The statement of reasons for someone who cannot sign in (a suspended account): the
    signed link from their email is the proof, as a check-in link is."""
    action_id = action_id_from_token(token)
    action = access.find_decision_for_link(action_id) if action_id else None
    if action is None:
        raise Http404
    form = AppealForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if _appeal(request, action, form):
            return redirect("safety:decision_by_link", token=token)
        return _statement(request, action, form, status=400)
    return _statement(request, action, form)
