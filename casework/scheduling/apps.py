from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    """Availability, slots, appointments, reminders and calendar feeds."""

    name = "casework.scheduling"
    verbose_name = _("Scheduling")
