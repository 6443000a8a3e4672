"""iCalendar (RFC 5545) for appointments: the file sent with each confirmation, and each
person's private feed.

Calendars are often shared and synced to third parties, so an event says only "Casework
appointment", its time and a link: no names, no modality, no fee. Times are UTC (``...Z``),
so no VTIMEZONE is needed. The UID stays the same for the life of an appointment and SEQUENCE
grows with every change, so Google, Apple and Outlook update the event they already hold
instead of adding a second one; a cancelled or declined appointment stays in the feed as
STATUS:CANCELLED for a while, which is how a subscribed calendar learns to drop it.
"""

import hashlib
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from casework.scheduling.models import Appointment, AppointmentStatus

if TYPE_CHECKING:
    from icalendar import Calendar, Event

PRODUCT_ID = "-//Casework//Appointments//EN"
# How long past appointments stay in a feed.
FEED_PAST = timedelta(days=90)

STATUS_WORDS = {
    AppointmentStatus.REQUESTED: "TENTATIVE",
    AppointmentStatus.CONFIRMED: "CONFIRMED",
    AppointmentStatus.NO_SHOW: "CONFIRMED",
    AppointmentStatus.CANCELLED: "CANCELLED",
    AppointmentStatus.DECLINED: "CANCELLED",
}


def appointment_link(appointment: Appointment) -> str:
    return settings.SITE_URL + reverse(
        "scheduling:appointment", kwargs={"appointment_id": appointment.pk}
    )


def event_uid(appointment: Appointment) -> str:
    return f"{appointment.uid}@casework"


def appointment_event(appointment: Appointment, *, stamp: datetime) -> "Event":
    # Imported where a calendar is written (a notice's attachment, a feed): the pages that only
    # need a feed's token or an appointment's link leave icalendar (about 5 MiB) unloaded.
    from icalendar import Event

    event = Event()
    link = appointment_link(appointment)
    event.add("uid", event_uid(appointment))
    event.add("dtstamp", stamp)
    event.add("last-modified", appointment.updated_at.astimezone(UTC).replace(microsecond=0))
    event.add("dtstart", appointment.starts_at.astimezone(UTC))
    event.add("dtend", appointment.ends_at.astimezone(UTC))
    event.add("summary", _("Casework appointment"))
    event.add("description", link)
    event.add("url", link)
    event.add("sequence", appointment.sequence)
    event.add("status", STATUS_WORDS[AppointmentStatus(appointment.status)])
    event.add("transp", "OPAQUE")
    return event


def _calendar(name: str) -> "Calendar":
    from icalendar import Calendar  # where a calendar is written, as in appointment_event

    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    return calendar


def appointment_ics(appointment: Appointment, *, now: datetime | None = None) -> bytes:
    """One appointment, as attached to emails and downloaded from its page."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    calendar = _calendar(_("Casework appointment"))
    calendar.add_component(appointment_event(appointment, stamp=stamp))
    return bytes(calendar.to_ical())


def feed_ics(appointments: Iterable[Appointment], *, now: datetime | None = None) -> bytes:
    stamp = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    calendar = _calendar(_("Casework appointments"))
    # Subscribers poll; ask for hourly (Google decides for itself, Apple and Outlook listen).
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for appointment in appointments:
        calendar.add_component(appointment_event(appointment, stamp=stamp))
    return bytes(calendar.to_ical())


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
