from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class ShellConfig(AppConfig):
    """The site shell: base layout, navigation, home page, language switch, health checks."""

    default = True
    name = "casework.shell"
    verbose_name = _("Site shell")

    def ready(self) -> None:
        # Before any URLconf is read: the apps name rows in their addresses as <id:...>.
        from django.urls import register_converter

        from casework.shell.converters import RowIdConverter

        register_converter(RowIdConverter, "id")

        # Prometheus metrics: the signals they count (sign-ins, second factors, tasks).
        from casework.shell import metrics

        metrics.connect_library_signals()


class CaseworkAdminConfig(admin_apps.AdminConfig):
    """The Django admin, on a site that lets in administrators with MFA only."""

    default = False
    default_site = "casework.shell.admin_site.CaseworkAdminSite"
