from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    """Cases, consent, remote check-ins, case notes and the caseload screen."""

    name = "casework.care"
    verbose_name = _("Care")
