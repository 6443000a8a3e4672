from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    """Domain events: the outbox services write to, the table of who reacts, and the relay."""

    name = "casework.events"
    verbose_name = _("Events")
