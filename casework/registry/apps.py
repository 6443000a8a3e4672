from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    """Regulators, their registers, practitioners' claims and verifiable credentials."""

    name = "casework.registry"
    verbose_name = _("Registry and verification")
