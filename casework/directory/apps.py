from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    """Practitioners' public profiles, and the search for who may practise where a client is."""

    name = "casework.directory"
    verbose_name = _("Directory")

    def ready(self) -> None:
        from casework.directory.name_review import follow_standing
        from casework.registry.standing import standing_changed

        standing_changed.connect(follow_standing, dispatch_uid="directory.follow_standing")
