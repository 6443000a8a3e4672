from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    """Articles and their discussion, where social workers share stories without exposing a
    client: the confidentiality guard reads every article and comment before it is saved."""

    name = "casework.community"
    verbose_name = _("Community")
