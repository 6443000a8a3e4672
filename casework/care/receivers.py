"""What care does when scheduling confirms a booking: the pair's case opens (or an enquiry
case becomes active). Runs inside the transaction that saved the appointment."""

from typing import Any

from casework.accounts.models import Role
from casework.care.models import CaseSource
from casework.care.services.cases import open_case
from casework.scheduling.models import Appointment, AppointmentStatus


def open_case_on_confirmed_booking(
    sender: type[Appointment],
    *,
    instance: Appointment,
    created: bool = False,
    update_fields: frozenset[str] | None = None,
    raw: bool = False,
    **kwargs: Any,
) -> None:
    if raw or instance.status != AppointmentStatus.CONFIRMED:
        return
    # Only the moment it becomes confirmed: booked confirmed, or its status set to confirmed.
    # A confirmed appointment is saved again when it is moved, and that must not reopen a case
    # the practitioner has since closed. (The booking services name the fields they save; a
    # status change is always among them.)
    if not created and (update_fields is None or "status" not in update_fields):
        return
    if instance.client.role != Role.CLIENT or instance.practitioner.role != Role.PRACTITIONER:
        return  # a consultation between colleagues is not a case
    open_case(
        practitioner=instance.practitioner,
        client=instance.client,
        source=CaseSource.BOOKING,
        client_location=instance.client_location,
    )
