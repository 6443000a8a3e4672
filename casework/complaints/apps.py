from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    """Complaints about practitioners, routed to their regulators (or the platform's
    moderators), followed by the complainant with a reference and a secret."""

    name = "casework.complaints"
    verbose_name = _("Complaints")
