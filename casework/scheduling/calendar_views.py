"""Calendar files: one appointment's .ics, and each person's private feed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from casework.accounts.models import Role, User
from casework.accounts.permissions import role_required
from casework.scheduling.access import appointments_of, get_appointment_for_person, get_live_feed
from casework.scheduling.calendar import FEED_PAST, appointment_ics, feed_ics
from casework.scheduling.models import CalendarFeed
from casework.scheduling.services import feeds
from casework.shell.confirmations import Danger, ask_first

# The new address, kept in the session only until the page that shows it once.
NEW_FEED_TOKEN = "scheduling:new_calendar_feed_token"  # noqa: S105  (a session key's name)
FEED_LIMIT = 500
CALENDAR_TYPE = "text/calendar; charset=utf-8"


def _person(request: HttpRequest) -> User:
    person = request.user
    assert isinstance(person, User)  # noqa: S101  (role_required ran)
    return person


@role_required(Role.CLIENT, Role.PRACTITIONER)
@require_safe
def appointment_file(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = get_appointment_for_person(_person(request), appointment_id)
    response = HttpResponse(appointment_ics(appointment), content_type=CALENDAR_TYPE)
    response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return response


@role_required(Role.CLIENT, Role.PRACTITIONER)
@require_safe
def calendar_settings(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    token = request.session.pop(NEW_FEED_TOKEN, None)
    feed_url = ""
    if token:
        feed_url = request.build_absolute_uri(
            reverse("scheduling:calendar_feed", kwargs={"token": token})
        )
    live = CalendarFeed.objects.filter(person=person, revoked_at__isnull=True).first()
    context = {
        "feed": live,
        "feed_url": feed_url,
        "webcal_url": feed_url.replace("https://", "webcal://").replace("http://", "webcal://"),
    }
    return TemplateResponse(request, "scheduling/calendar_settings.html", context)


@role_required(Role.CLIENT, Role.PRACTITIONER)
@require_POST
def create_calendar_feed(request: HttpRequest) -> HttpResponse:
    request.session[NEW_FEED_TOKEN] = feeds.create_calendar_feed(person=_person(request))
    return redirect("scheduling:calendar_settings")


@role_required(Role.CLIENT, Role.PRACTITIONER)
@require_POST
def revoke_calendar_feed(request: HttpRequest) -> HttpResponse:
    asking = ask_first(
        request,
        Danger(
            question=_("Stop the calendar address?"),
            consequences=[
                _("Calendars that subscribe to it stop getting your appointments."),
                _(
                    "A stopped address cannot be turned back on: you would make a new one "
                    "and subscribe to that."
                ),
            ],
            confirm=_("Stop the address"),
            back_url=reverse("scheduling:calendar_settings"),
        ),
    )
    if asking is not None:
        return asking
    if feeds.revoke_calendar_feed(person=_person(request)):
        messages.success(request, _("The calendar address no longer works."))
    return redirect("scheduling:calendar_settings")


@login_not_required
@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed calendars subscribe to: the secret address is the only key."""
    feed = get_live_feed(token)
    person = feed.person
    appointments = (
        appointments_of(person)
        .filter(starts_at__gte=timezone.now() - FEED_PAST)
        .order_by("starts_at")[:FEED_LIMIT]
    )
    with translation.override(person.language):
        body = feed_ics(appointments)
    response = HttpResponse(body, content_type=CALENDAR_TYPE)
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    response["Content-Disposition"] = 'inline; filename="casework.ics"'
    return response
