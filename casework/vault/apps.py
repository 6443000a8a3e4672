from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VaultConfig(AppConfig):
    """Envelope encryption of sensitive fields: data keys wrapped by a key encryption key."""

    name = "casework.vault"
    verbose_name = _("Vault")
