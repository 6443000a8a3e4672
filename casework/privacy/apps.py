from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "casework.privacy"
    verbose_name = _("Privacy and audit")

    def ready(self) -> None:
        # Register the deployment checks.
        from casework.privacy import checks  # noqa: F401
