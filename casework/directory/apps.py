from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    """Practitioners' public profiles, and the search for who may practise where a client is."""

    name = "casework.directory"
    verbose_name = _("Directory")
