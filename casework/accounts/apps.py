from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "casework.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # Connect the audit receivers and register the push settings' checks.
        from casework.accounts import checks, retention, signals  # noqa: F401
