"""The moderators' area: the queue, one report or detection with the evidence consented to
(every opening audited), decisions, and appeals. Moderators only (MFA enforced globally)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from casework.accounts.models import Role, User
from casework.accounts.permissions import role_required
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.safety import access, appeals, queries, rules
from casework.safety.forms import ActionForm, AppealDecisionForm
from casework.safety.models import ActionKind, Detection, ModerationAction, Report
from casework.safety.moderation import take_action

GET_AND_POST = ["GET", "HEAD", "POST"]


def _moderator(request: HttpRequest) -> User:
    person = request.user
    if not isinstance(person, User):
        raise Http404
    return person


@role_required(Role.MODERATOR)
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    moderator = _moderator(request)
    return TemplateResponse(
        request,
        "safety/moderation/queue.html",
        {"items": queries.queue(moderator), "appeals": queries.waiting_appeals(moderator)},
    )


def _kinds_for(affected: User | None, message_id: object, comment_id: object = None) -> list[str]:
    if affected is None:  # an anonymous comment: nobody to act on, only the comment
        return [ActionKind.DISMISS, ActionKind.HIDE]
    kinds: list[str] = [
        ActionKind.DISMISS,
        ActionKind.WARN,
        ActionKind.RESTRICT,
        ActionKind.SUSPEND,
    ]
    if message_id is not None or comment_id is not None:
        kinds.append(ActionKind.HIDE)
    if affected.role == Role.PRACTITIONER:
        kinds.append(ActionKind.REFER)
    return kinds


def _decide(
    request: HttpRequest,
    moderator: User,
    form: ActionForm,
    *,
    report: Report | None = None,
    detection: Detection | None = None,
) -> bool:
    if not form.is_valid():
        return False
    try:
        take_action(
            moderator=moderator,
            kind=form.cleaned_data["kind"],
            rule=form.cleaned_data["rule"],
            reason=form.cleaned_data["reason"],
            refer=form.cleaned_data["refer"],
            report=report,
            detection=detection,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return False
    messages.success(request, _("Decision recorded. The people concerned are told."))
    return True


@role_required(Role.MODERATOR)
@require_http_methods(GET_AND_POST)
def moderate_report(request: HttpRequest, report_id: str) -> HttpResponse:
    moderator = _moderator(request)
    report = access.get_report_for_moderator(moderator, report_id)
    kinds = _kinds_for(report.reported, report.message_id, report.comment_id)
    form = ActionForm(request.POST if request.method == "POST" else None, kinds=kinds)
    if request.method == "POST" and _decide(request, moderator, form, report=report):
        return redirect("safety:queue")
    # Opening the reporter's words and the messages they consented to show is audited.
    record_event(
        action=actions.SAFETY_EVIDENCE_OPENED,
        actor=moderator,
        target=report,
        subject_id=report.reported_id,
        detail={"kind": "report", "messages": report.evidence.count()},
    )
    evidence = [
        item.message
        for item in report.evidence.select_related("message__conversation__data_key").order_by(
            "message__created_at"
        )
    ]
    detection = (
        Detection.objects.filter(message_id=report.message_id).first()
        if report.message_id
        else None
    )
    return TemplateResponse(
        request,
        "safety/moderation/report.html",
        {
            "report": report,
            "evidence": evidence,
            "detection": detection,
            "history": queries.history_of(report.reported) if report.reported else None,
            "form": form,
            "own": report.reporter_id == moderator.pk,
            "decisions": ModerationAction.objects.filter(report=report).order_by("created_at"),
        },
        status=400 if form.is_bound else 200,
    )


@role_required(Role.MODERATOR)
@require_http_methods(GET_AND_POST)
def moderate_detection(request: HttpRequest, detection_id: str) -> HttpResponse:
    moderator = _moderator(request)
    detection = access.get_detection_for_moderator(moderator, detection_id)
    kinds = _kinds_for(detection.author, detection.message_id)
    form = ActionForm(request.POST if request.method == "POST" else None, kinds=kinds)
    if request.method == "POST" and _decide(request, moderator, form, detection=detection):
        return redirect("safety:queue")
    # The flagged text is the only part of the conversation a moderator reads: audited.
    record_event(
        action=actions.SAFETY_EVIDENCE_OPENED,
        actor=moderator,
        target=detection,
        subject_id=detection.author_id,
        detail={"kind": "detection"},
    )
    return TemplateResponse(
        request,
        "safety/moderation/detection.html",
        {
            "detection": detection,
            "history": queries.history_of(detection.author),
            "form": form,
            "decisions": ModerationAction.objects.filter(detection=detection),
        },
        status=400 if form.is_bound else 200,
    )


@role_required(Role.MODERATOR)
@require_http_methods(GET_AND_POST)
def moderate_appeal(request: HttpRequest, appeal_id: str) -> HttpResponse:
    moderator = _moderator(request)
    appeal = access.get_appeal_for_moderator(moderator, appeal_id)
    form = AppealDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            appeals.decide_appeal(
                appeal=appeal,
                moderator=moderator,
                overturn=form.cleaned_data["overturn"],
                explanation=form.cleaned_data["explanation"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Appeal decided. The person who appealed is told."))
            return redirect("safety:queue")
    record_event(
        action=actions.SAFETY_EVIDENCE_OPENED,
        actor=moderator,
        target=appeal,
        subject_id=appeal.appellant_id,
        detail={"kind": "appeal"},
    )
    action = appeal.action
    return TemplateResponse(
        request,
        "safety/moderation/appeal.html",
        {
            "appeal": appeal,
            "action": action,
            "rule": rules.rule(action.rule),
            "history": queries.history_of(appeal.appellant),
            "form": form,
            "same_moderator": appeal.first_moderator_id == moderator.pk,
            "item_url": _item_url(action),
        },
        status=400 if form.is_bound else 200,
    )


def _item_url(action: ModerationAction) -> str | None:
    if action.report_id:
        return reverse("safety:moderate_report", kwargs={"report_id": action.report_id})
    if action.detection_id:
        return reverse("safety:moderate_detection", kwargs={"detection_id": action.detection_id})
    return None
