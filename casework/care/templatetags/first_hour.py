from django import template

from casework.care.first_hour import Step, first_hour
from casework.scheduling.models import Appointment

register = template.Library()


@register.simple_tag
def first_hour_steps(appointment: Appointment) -> list[Step] | None:
    """``{% first_hour_steps appointment as steps %}``: see ``care.first_hour``."""
    return first_hour(appointment)
