from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    """Availability, slots, appointments, reminders and calendar feeds."""

    name = "casework.scheduling"
    verbose_name = _("Scheduling")

    def ready(self) -> None:
        from casework.registry.standing import standing_changed
        from casework.scheduling.receivers import follow_standing

        standing_changed.connect(follow_standing, dispatch_uid="scheduling.follow_standing")
