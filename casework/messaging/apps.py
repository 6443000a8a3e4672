from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    """Confidential conversations between clients, practitioners and moderators."""

    name = "casework.messaging"
    verbose_name = _("Messaging")
