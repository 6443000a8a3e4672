"""A practitioner's availability page: booking rules, weekly hours, exceptions, session types.

One page, several small forms; each posts to its own address and, when something is wrong,
the page comes back with that form's errors.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casework.accounts.models import Role, User
from casework.accounts.permissions import role_required
from casework.accounts.zones import zone_label
from casework.dates import reader_date
from casework.scheduling.access import get_own_exception, get_own_session_type, get_own_window
from casework.scheduling.forms import (
    AvailabilityExceptionForm,
    AvailabilityWindowForm,
    BookingRulesForm,
    SessionTypeForm,
)
from casework.scheduling.models import AvailabilityException, AvailabilityWindow, SessionType
from casework.scheduling.queries import offered_session_types, schedule_of, zone_of
from casework.scheduling.services import availability
from casework.scheduling.services.availability import clock, describe_exception
from casework.shell.confirmations import Danger, ask_first

AVAILABILITY = "scheduling:availability"


def _practitioner(request: HttpRequest) -> User:
    person = request.user
    assert isinstance(person, User)  # noqa: S101  (role_required ran)
    return person


def _window_label(window: AvailabilityWindow) -> str:
    return (
        f"{window.get_weekday_display()}, {clock(window.start_minute)}-{clock(window.end_minute)}"
    )


def _page(request: HttpRequest, practitioner: User, **bound: BaseForm) -> HttpResponse:
    schedule = schedule_of(practitioner)
    zone = zone_of(practitioner)
    today = timezone.now().astimezone(zone).date()
    windows = [
        {
            "window": w,
            "label": _window_label(w),
        }
        for w in AvailabilityWindow.objects.filter(practitioner=practitioner)
    ]
    exceptions = [
        {"exception": e, "label": describe_exception(e)}
        for e in AvailabilityException.objects.filter(practitioner=practitioner, on__gte=today)
    ]
    context: dict[str, Any] = {
        "schedule": schedule,
        "zone_name": zone_label(zone.key),
        "windows": windows,
        "exceptions": exceptions,
        "session_types": list(offered_session_types(practitioner)),
        "rules_form": bound.get("rules_form") or BookingRulesForm(instance=schedule),
        "window_form": bound.get("window_form") or AvailabilityWindowForm(),
        "exception_form": bound.get("exception_form")
        or AvailabilityExceptionForm(initial={"kind": AvailabilityException.Kind.TIME_OFF}),
        "session_form": bound.get("session_form") or SessionTypeForm(),
    }
    return TemplateResponse(request, "scheduling/availability.html", context)


@role_required(Role.PRACTITIONER)
@require_safe
def availability_page(request: HttpRequest) -> HttpResponse:
    return _page(request, _practitioner(request))


@role_required(Role.PRACTITIONER)
@require_POST
def update_rules(request: HttpRequest) -> HttpResponse:
    practitioner = _practitioner(request)
    form = BookingRulesForm(request.POST, instance=schedule_of(practitioner))
    if form.is_valid():
        try:
            availability.update_booking_rules(
                practitioner=practitioner,
                **{name: form.cleaned_data[name] for name in BookingRulesForm.Meta.fields},
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your booking rules are saved."))
            return redirect(AVAILABILITY)
    return _page(request, practitioner, rules_form=form)


@role_required(Role.PRACTITIONER)
@require_POST
def add_window(request: HttpRequest) -> HttpResponse:
    practitioner = _practitioner(request)
    form = AvailabilityWindowForm(request.POST)
    if form.is_valid():
        try:
            availability.add_availability_window(practitioner=practitioner, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The hours are added."))
            return redirect(AVAILABILITY)
    return _page(request, practitioner, window_form=form)


@role_required(Role.PRACTITIONER)
@require_POST
def remove_window(request: HttpRequest, window_id: int) -> HttpResponse:
    practitioner = _practitioner(request)
    window = get_own_window(practitioner, window_id)
    asking = ask_first(
        request,
        Danger(
            question=_("Remove the hours %(hours)s?") % {"hours": _window_label(window)},
            consequences=[
                _("Clients can no longer book these hours."),
                _("Booked appointments stay as they are."),
            ],
            confirm=_("Remove the hours"),
            back_url=reverse(AVAILABILITY),
        ),
    )
    if asking is not None:
        return asking
    availability.remove_availability_window(practitioner=practitioner, window=window)
    messages.success(request, _("The hours are removed."))
    return redirect(AVAILABILITY)


@role_required(Role.PRACTITIONER)
@require_POST
def add_exception(request: HttpRequest) -> HttpResponse:
    practitioner = _practitioner(request)
    form = AvailabilityExceptionForm(request.POST)
    if form.is_valid():
        try:
            availability.add_availability_exception(practitioner=practitioner, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The exception is added."))
            return redirect(AVAILABILITY)
    return _page(request, practitioner, exception_form=form)


@role_required(Role.PRACTITIONER)
@require_POST
def remove_exception(request: HttpRequest, exception_id: int) -> HttpResponse:
    practitioner = _practitioner(request)
    exception = get_own_exception(practitioner, exception_id)
    asking = ask_first(
        request,
        Danger(
            question=_("Remove the exception on %(day)s?")
            % {"day": reader_date(exception.on, "long")},
            consequences=[
                _("Your weekly hours apply on that day again."),
                _("Booked appointments stay as they are."),
            ],
            confirm=_("Remove the exception"),
            back_url=reverse(AVAILABILITY),
        ),
    )
    if asking is not None:
        return asking
    availability.remove_availability_exception(practitioner=practitioner, exception=exception)
    messages.success(request, _("The exception is removed."))
    return redirect(AVAILABILITY)


def _save_session_type(
    practitioner: User, form: SessionTypeForm, session_type: SessionType | None = None
) -> bool:
    try:
        availability.save_session_type(
            practitioner=practitioner, session_type=session_type, **form.cleaned_data
        )
    except ValidationError as error:
        form.add_error(None, error)
        return False
    return True


@role_required(Role.PRACTITIONER)
@require_POST
def add_session_type(request: HttpRequest) -> HttpResponse:
    practitioner = _practitioner(request)
    form = SessionTypeForm(request.POST)
    if form.is_valid() and _save_session_type(practitioner, form):
        messages.success(request, _("The session is offered."))
        return redirect(AVAILABILITY)
    return _page(request, practitioner, session_form=form)


@role_required(Role.PRACTITIONER)
@require_http_methods(["GET", "HEAD", "POST"])
def edit_session_type(request: HttpRequest, session_type_id: int) -> HttpResponse:
    practitioner = _practitioner(request)
    session_type = get_own_session_type(practitioner, session_type_id)
    initial = {
        "name": session_type.name,
        "duration_minutes": session_type.duration_minutes,
        "modality": session_type.modality,
        "place": session_type.place,
        "price": session_type.price,
        "currency": session_type.currency,
    }
    form = SessionTypeForm(request.POST or None, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and _save_session_type(practitioner, form, session_type)
    ):
        messages.success(request, _("The session is saved. Booked appointments keep their terms."))
        return redirect(AVAILABILITY)
    return TemplateResponse(
        request,
        "scheduling/edit_session_type.html",
        {"form": form, "session_type": session_type},
    )


@role_required(Role.PRACTITIONER)
@require_POST
def withdraw_session_type(request: HttpRequest, session_type_id: int) -> HttpResponse:
    practitioner = _practitioner(request)
    session_type = get_own_session_type(practitioner, session_type_id)
    asking = ask_first(
        request,
        Danger(
            question=_("Stop offering “%(name)s”?") % {"name": session_type.name},
            consequences=[
                _("Clients can no longer book it."),
                _("Booked appointments stand."),
            ],
            confirm=_("Stop offering it"),
            back_url=reverse(AVAILABILITY),
        ),
    )
    if asking is not None:
        return asking
    availability.withdraw_session_type(practitioner=practitioner, session_type=session_type)
    messages.success(request, _("The session is no longer offered. Booked appointments stand."))
    return redirect(AVAILABILITY)
