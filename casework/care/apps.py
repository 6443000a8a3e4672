from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    """Cases, consent, remote check-ins, case notes and the caseload screen."""

    name = "casework.care"
    verbose_name = _("Care")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from casework.care.receivers import open_case_on_confirmed_booking
        from casework.scheduling.models import Appointment

        # A confirmed booking (at once, or when the practitioner confirms it) opens the case.
        post_save.connect(
            open_case_on_confirmed_booking,
            sender=Appointment,
            dispatch_uid="care.open_case_on_confirmed_booking",
        )
