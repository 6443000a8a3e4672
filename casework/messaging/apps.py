from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    """Confidential conversations between clients, practitioners and moderators."""

    name = "casework.messaging"
    verbose_name = _("Messaging")

    def ready(self) -> None:
        # What the retention task removes of messaging's.
        from casework.messaging import retention  # noqa: F401
