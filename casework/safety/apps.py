from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafetyConfig(AppConfig):
    """Crisis resources per jurisdiction and the safety checks every message passes through."""

    name = "casework.safety"
    verbose_name = _("Safety")
