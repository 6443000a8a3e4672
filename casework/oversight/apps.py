from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    """The regulator portal: officers invited to one regulator, their dashboard, figures and
    exports, the orders they give on registrations, and their regulator's webhook."""

    name = "casework.oversight"
    verbose_name = _("Oversight")
