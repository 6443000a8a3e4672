"""The first hour of a new client and practitioner: what happens after a first booking, and
who acts next. Confirm the booking (practitioner), record whether online work suits the
client (practitioner), give consent (client), then the first session (both). Read only.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from casework.care.models import OPEN_STATUSES, Case, OnlineSuitability, Technology
from casework.scheduling.models import Appointment, AppointmentStatus


class Actor(StrEnum):
    CLIENT = "client"
    PRACTITIONER = "practitioner"
    BOTH = "both"


class State(StrEnum):
    DONE = "done"
    NOW = "now"  # the step that waits, for ``actor``
    LATER = "later"


@dataclass(frozen=True)
class Step:
    title: Promise
    actor: Actor
    state: State
    url: str = ""  # where the one who acts does it


def first_hour(appointment: Appointment) -> list[Step] | None:
    """The steps for ``appointment``'s pair, or None once the pair's work is under way (their
    case has consent to every online service) or the appointment is no longer open. One
    query (the pair's open case with its count of live consents)."""
    if appointment.status not in (AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED):
        return None
    case = (
        Case.objects.filter(
            practitioner_id=appointment.practitioner_id,
            client_id=appointment.client_id,
            status__in=OPEN_STATUSES,
        )
        .annotate(live=Count("consents", filter=Q(consents__withdrawn_at__isnull=True)))
        .first()
    )
    confirmed = appointment.status == AppointmentStatus.CONFIRMED
    assessed = case is not None and case.online_suitability != OnlineSuitability.UNASSESSED
    consented = case is not None and getattr(case, "live", 0) >= len(Technology.values)
    if confirmed and assessed and consented:
        return None
    facts = [
        (_("Confirm the booking"), Actor.PRACTITIONER, confirmed, ""),
        (
            _("Record whether online work suits the client"),
            Actor.PRACTITIONER,
            assessed,
            reverse("care:suitability", kwargs={"case_id": case.pk}) if case else "",
        ),
        (
            _("Read how online work happens and give consent"),
            Actor.CLIENT,
            consented,
            reverse("care:my_care") if case else "",
        ),
    ]
    steps: list[Step] = []
    waiting = False
    for title, actor, done, url in facts:
        state = State.DONE if done else State.LATER if waiting else State.NOW
        waiting = waiting or not done
        steps.append(Step(title, actor, state, url if state == State.NOW else ""))
    steps.append(Step(_("The first session"), Actor.BOTH, State.LATER))
    return steps
