from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VideoConfig(AppConfig):
    """Video sessions: the join page, the waiting room, the checks at the start of each session,
    and the websocket that carries the calls' signalling."""

    name = "casework.video"
    verbose_name = _("Video sessions")

    def ready(self) -> None:
        # The case timeline shows each session's start and end (care asks its sources).
        from casework.video import timeline  # noqa: F401
