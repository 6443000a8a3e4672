"""Emails about appointments: the time, in the reader's own zone and language, and a link.

Nothing else: no names, no modality, no fee, no reason. Mail passes through servers that are
not ours, and an inbox is often read over a shoulder. Confirmations, changes and cancellations
carry the appointment as an .ics file. Composed by ``reactions.py`` once the change has
committed (reminders by ``tasks.py``) and sent by the task queue, so a slow mail server never
holds a page.
"""

import zoneinfo
from enum import StrEnum

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from casework.accounts.models import User
from casework.accounts.zones import zone_label
from casework.scheduling.calendar import appointment_ics, appointment_link
from casework.scheduling.models import Appointment
from casework.scheduling.queries import zone_of


class Notice(StrEnum):
    BOOKED = "booked"
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"
    REMINDER = "reminder"
    STANDING_CHANGED = "standing_changed"


SUBJECTS: dict[Notice, Promise] = {
    Notice.BOOKED: _("Appointment booked"),
    Notice.REQUESTED: _("Booking request"),
    Notice.CONFIRMED: _("Appointment confirmed"),
    Notice.DECLINED: _("Booking request declined"),
    Notice.CANCELLED: _("Appointment cancelled"),
    Notice.RESCHEDULED: _("Appointment moved"),
    Notice.REMINDER: _("Appointment reminder"),
    Notice.STANDING_CHANGED: _("About your upcoming appointment"),
}

# Notices that change what a calendar should show carry the .ics.
WITH_CALENDAR_FILE = frozenset(
    {
        Notice.BOOKED,
        Notice.REQUESTED,
        Notice.CONFIRMED,
        Notice.DECLINED,
        Notice.CANCELLED,
        Notice.RESCHEDULED,
    }
)


def compose(appointment: Appointment, recipient: User, notice: Notice) -> EmailMultiAlternatives:
    zone = zone_of(recipient)
    with translation.override(recipient.language), timezone.override(zone):
        context = {
            "notice": str(notice),
            "appointment": appointment,
            "starts_at": appointment.starts_at.astimezone(zone),
            "zone_name": _zone_name(zone),
            "for_client": recipient.pk == appointment.client_id,
            "link": appointment_link(appointment),
        }
        subject = f"[Casework] {SUBJECTS[notice]}"
        body = render_to_string("scheduling/email/notice.txt", context).strip()
        message = EmailMultiAlternatives(subject=subject, body=body, to=[recipient.email])
        if notice in WITH_CALENDAR_FILE:
            message.attach(
                "appointment.ics",
                appointment_ics(appointment),
                "text/calendar; method=PUBLISH; charset=utf-8",
            )
    return message


def _zone_name(zone: zoneinfo.ZoneInfo) -> str:
    return zone_label(zone.key)
