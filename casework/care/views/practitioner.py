"""The practitioner's caseload and case pages."""

import uuid
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework.accounts.models import Role
from casework.accounts.permissions import role_required
from casework.accounts.zones import zone_label
from casework.care import access, charts, consent, queries, schedules, timeline
from casework.care.forms import (
    CaseDetailsForm,
    CaseloadFilterForm,
    PlanForm,
    StatusForm,
    SuitabilityForm,
)
from casework.care.instruments import INSTRUMENTS
from casework.care.models import (
    LIVE_SUPERVISION_STATUSES,
    Case,
    CheckInStatus,
    PlanStatus,
    Supervision,
    Technology,
)
from casework.care.services import cases, check_ins
from casework.care.views import error_text, person_of
from casework.dates import reader_datetime
from casework.messaging.access import get_conversation_for_person
from casework.messaging.models import Conversation
from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.shell.confirmations import Danger, ask_first

GET_AND_POST = ["GET", "HEAD", "POST"]


def _case_url(case: Case) -> str:
    return reverse("care:case", kwargs={"case_id": case.pk})


def _form_page(
    request: HttpRequest, case: Case, form: Any, *, title: str, intro: str, submit: str
) -> TemplateResponse:
    return TemplateResponse(
        request,
        "care/case_form.html",
        {"case": case, "form": form, "title": title, "intro": intro, "submit": submit},
        status=400 if form.is_bound and form.errors else 200,
    )


def _row_words(found: list[queries.CaseloadRow], *, now: datetime) -> list[dict[str, Any]]:
    """The table's rows with their words prepared here: a page of the caseload renders each row
    from plain values, without per-row template logic."""
    rows = []
    for row in found:
        case = row.case
        days = row.days_since_contact(now)
        if row.worsening:
            trend, trend_class = _("Worse than baseline"), "tag tag--worse"
        elif row.improving:
            trend, trend_class = _("Better than baseline"), "tag tag--better"
        else:
            trend, trend_class = (_("Steady") if row.instrument else _("No check-ins yet")), ""
        rows.append(
            {
                "case_id": case.pk,
                "name": case.client.display_name,
                "status": case.get_status_display() if case.status != "active" else "",
                "urgent": row.open_flags,
                "flags": ngettext("Urgent flag", "%(count)d urgent flags", row.open_flags)
                % {"count": row.open_flags},
                "worsening": row.worsening,
                "trend": trend,
                "trend_class": trend_class,
                "spark": charts.sparkline(row.instrument, row.points) if row.instrument else None,
                "score": f"{row.instrument.name}: {row.last_score}" if row.instrument else "",
                "missed": row.missed,
                "contact_at": row.last_contact_at.isoformat(),
                "contact": _("Today")
                if days == 0
                else ngettext("%(count)d day ago", "%(count)d days ago", days) % {"count": days},
                "next_at": row.next_appointment_at.isoformat() if row.next_appointment_at else "",
                "next": reader_datetime(row.next_appointment_at, "brief")
                if row.next_appointment_at
                else "",
            }
        )
    return rows


@role_required(Role.PRACTITIONER)
@never_cache
@require_safe
def caseload(request: HttpRequest) -> HttpResponse:
    """Every client, ranked by need, a page at a time (links, so it pages without JavaScript).
    The table refreshes itself when a flag is raised (the page listens on a websocket); without
    JavaScript, reloading shows the same."""
    form = CaseloadFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else queries.CaseloadFilters()
    # Read before the rows: the page's socket asks for anything that changed after this.
    as_of = timezone.now()
    page, found = queries.caseload_page(
        person_of(request), now=as_of, filters=filters, number=request.GET.get("page")
    )
    context = {
        "form": form,
        "page": page,
        "rows": _row_words(found, now=as_of),
        "as_of": as_of,
    }
    template = "care/caseload.html"
    if request.headers.get("HX-Request") == "true":
        template += "#caseload-table"
    return TemplateResponse(request, template, context)


@role_required(Role.PRACTITIONER)
@never_cache
@require_safe
def case_page(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    person = person_of(request)
    case = access.get_case_for_practitioner(person, case_id)
    record_event(
        action=actions.CARE_CASE_VIEWED, actor=person, target=case, subject_id=case.client_id
    )
    trends = [
        charts.trend_chart(INSTRUMENTS[code], points)
        for code, points in queries.practitioner_trends(case).items()
    ]
    plans = list(
        access.plans_seen_by_practitioners()
        .filter(case=case)
        .exclude(status=PlanStatus.ENDED)
        .order_by("created_at")
    )
    open_flags = list(
        access.flags_seen_by_practitioners()
        .filter(case=case, acknowledged_at__isnull=True)
        .select_related("case__data_key", "check_in")
        .order_by("-raised_at")
    )
    consents = {tech: consent.live_consent(case, tech) for tech in Technology.values}
    due = (
        access.check_ins_seen_by_practitioners()
        .filter(case=case, status=CheckInStatus.OPEN)
        .order_by("due_at")
        .values_list("instrument", "due_at")[:10]
    )
    answers = None
    if "answers" in request.GET:
        # One check-in's answers, item by item, on demand: opening them is an audited read.
        answered = access.get_answered_check_in(person, case, request.GET["answers"])
        answers = {
            "name": INSTRUMENTS[answered.instrument].name,
            "answered_at": answered.answered_at,
            "score": answered.score,
            "rows": check_ins.read_answers(check_in=answered, reader=person),
        }
    context = {
        "case": case,
        "client": case.client,
        "supervision": Supervision.objects.filter(case=case, status__in=LIVE_SUPERVISION_STATUSES)
        .select_related("supervisor")
        .first(),
        "answers": answers,
        "trends": trends,
        "plans": plans,
        "open_flags": open_flags,
        "consents": [(Technology(tech).label, given) for tech, given in consents.items()],
        "upcoming_check_ins": [(INSTRUMENTS[code].name, at) for code, at in due],
        "timeline": timeline.case_timeline(case, person),
        "status_form": StatusForm(),
        "Technology": Technology,
    }
    return TemplateResponse(request, "care/case.html", context)


@role_required(Role.PRACTITIONER)
@require_http_methods(GET_AND_POST)
def edit_case(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    person = person_of(request)
    case = access.get_case_for_practitioner(person, case_id)
    initial = {
        "client_location": case.client_location_id,
        "emergency_contact": case.emergency_contact or "",
        "crisis_plan": case.crisis_plan or "",
    }
    form = CaseDetailsForm(request.POST or None, initial=initial)
    if request.method != "POST":
        # The form shows the stored emergency contact and crisis plan: a read of them.
        record_event(
            action=actions.CARE_EMERGENCY_DETAILS_READ,
            actor=person,
            target=case,
            subject_id=case.client_id,
        )
    if request.method == "POST" and form.is_valid():
        try:
            cases.update_case_details(case=case, actor=person, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The case details are saved."))
            return redirect(_case_url(case))
    return _form_page(
        request,
        case,
        form,
        title=_("Location, emergency contact and crisis plan"),
        intro=_(
            "Kept encrypted. Anyone else who opens them must give a reason, and the client is told."
        ),
        submit=_("Save"),
    )


@role_required(Role.PRACTITIONER)
@require_http_methods(GET_AND_POST)
def change_status(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    person = person_of(request)
    case = access.get_case_for_practitioner(person, case_id)
    form = StatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cases.change_case_status(
                case=case,
                actor=person,
                to_status=form.cleaned_data["to_status"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The case's status is changed."))
            return redirect(_case_url(case))
    return _form_page(
        request,
        case,
        form,
        title=_("Change the case's status"),
        intro=_(
            "Pausing stops check-ins. Closing ends them, withdraws referrals not yet taken on "
            "and closes the case conversation; working together again opens a new case."
        ),
        submit=_("Change status"),
    )


@role_required(Role.PRACTITIONER)
@require_http_methods(GET_AND_POST)
def suitability(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    person = person_of(request)
    case = access.get_case_for_practitioner(person, case_id)
    initial: dict[str, Any] = {"alternative": case.online_alternative or ""}
    if case.online_assessed_at:
        initial["suitable"] = "yes" if case.online_suitability == "suitable" else "no"
    form = SuitabilityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            cases.record_online_suitability(
                case=case,
                actor=person,
                suitable=form.cleaned_data["suitable"],
                alternative=form.cleaned_data["alternative"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Recorded."))
            return redirect(_case_url(case))
    return _form_page(
        request,
        case,
        form,
        title=_("Does online work suit this client?"),
        intro=_(
            "Online services start only once this is recorded as suitable and the client has "
            "consented. If it does not suit, say what you offered instead."
        ),
        submit=_("Record"),
    )


@role_required(Role.PRACTITIONER)
@require_http_methods(GET_AND_POST)
def assign_plan(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    person = person_of(request)
    case = access.get_case_for_practitioner(person, case_id)
    form = PlanForm(
        request.POST or None,
        initial={"starts_on": schedules.client_today(case), "time_of_day": "18:00"},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            check_ins.assign_check_in_plan(
                case=case,
                practitioner=person,
                instrument=data["instrument"],
                every_days=data["every_days"],
                time_of_day=data["time_of_day"],
                starts_on=data["starts_on"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The check-ins are planned; the client is reminded."))
            return redirect(_case_url(case))
    return _form_page(
        request,
        case,
        form,
        title=_("Assign check-ins"),
        intro=_(
            "Times are on the client's clock (%(zone)s). The client is reminded by email with "
            "a link that opens only that check-in."
        )
        % {"zone": zone_label(case.client.time_zone)},
        submit=_("Assign"),
    )


PLAN_ACTIONS = {
    "pause": check_ins.pause_plan,
    "resume": check_ins.resume_plan,
    "end": check_ins.end_plan,
}


@role_required(Role.PRACTITIONER)
@require_POST
def change_plan(request: HttpRequest, plan_id: int) -> HttpResponse:
    person = person_of(request)
    plan = access.get_plan_for_practitioner(person, plan_id)
    choice = request.POST.get("action", "")
    action = PLAN_ACTIONS.get(choice)
    if choice == "end":
        # Pausing and resuming undo each other; ending is for good, so it asks first.
        asking = ask_first(
            request,
            Danger(
                question=_("End the check-in plan “%(instrument)s”?")
                % {"instrument": plan.get_instrument_display()},
                consequences=[
                    _("No more check-ins are sent for it, and the ones waiting are called off."),
                    _("An ended plan cannot be resumed: you would start a new one."),
                    _("The answers already given stay in the case."),
                ],
                confirm=_("End the plan"),
                back_url=_case_url(plan.case),
            ),
        )
        if asking is not None:
            return asking
    if action is None:
        messages.error(request, _("Choose pause, resume or end."))
    else:
        try:
            action(plan=plan, practitioner=person)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("The check-in plan is changed."))
    return redirect(_case_url(plan.case))


@role_required(Role.PRACTITIONER)
@require_POST
def acknowledge_flag(request: HttpRequest, flag_id: uuid.UUID) -> HttpResponse:
    person = person_of(request)
    flag = access.get_flag_for_practitioner(person, flag_id)
    try:
        check_ins.acknowledge_flag(flag=flag, practitioner=person)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("The flag is acknowledged."))
    if request.POST.get("next") == "caseload":
        return redirect("care:caseload")
    return redirect(_case_url(flag.case))


@role_required(Role.PRACTITIONER)
@require_POST
def take_on_enquiry(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    """Accept an enquiry: the case opens (as an enquiry) from the conversation."""
    person = person_of(request)
    conversation = get_conversation_for_person(person, conversation_id)
    if (
        conversation.kind not in (Conversation.Kind.ENQUIRY, Conversation.Kind.CASE)
        or conversation.practitioner_id != person.pk
        or conversation.client is None
    ):
        raise Http404
    try:
        case = cases.take_on_enquiry(practitioner=person, conversation=conversation)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("messaging:conversation", conversation_id=conversation.pk)
    messages.success(
        request,
        _("The case is open. The client is asked to consent to online services."),
    )
    return redirect(_case_url(case))
