"""What care does when scheduling confirms a booking: the pair's case opens (or an enquiry
case becomes active). Runs inside the transaction that saved the appointment."""

from typing import Any

from casework.accounts.models import Role
from casework.care.models import CaseSource
from casework.care.services.cases import open_case
from casework.scheduling.models import Appointment, AppointmentStatus


def open_case_on_confirmed_booking(
    sender: type[Appointment], *, instance: Appointment, raw: bool = False, **kwargs: Any
) -> None:
    if raw or instance.status != AppointmentStatus.CONFIRMED:
        return
    if instance.client.role != Role.CLIENT or instance.practitioner.role != Role.PRACTITIONER:
        return  # a consultation between colleagues is not a case
    open_case(
        practitioner=instance.practitioner,
        client=instance.client,
        source=CaseSource.BOOKING,
        client_location=instance.client_location,
    )
