from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    """Cases, consent, remote check-ins, case notes and the caseload screen."""

    name = "casework.care"
    verbose_name = _("Care")

    def ready(self) -> None:
        # Where the access log finds the reasons given for break-glass openings.
        # And what the retention task removes of care's.
        from casework.care import retention  # noqa: F401
        from casework.care.services import emergency  # noqa: F401
