"""Deployment checks of what the audit log and the throttles rely on."""

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_trusted_proxies(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    # Behind a TLS proxy (SECURE_PROXY_SSL_HEADER set) every connection comes from the proxy:
    # without its address, one client's failed sign-ins would lock every client out, and the
    # audit log would name the proxy for everyone.
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and not settings.TRUSTED_PROXIES:
        return [
            checks.Warning(
                "The site is behind a reverse proxy, but CASEWORK_TRUSTED_PROXIES is empty: "
                "throttles and the audit log would see every client at the proxy's address.",
                hint=(
                    "Set CASEWORK_TRUSTED_PROXIES to the proxy's addresses or networks "
                    "(e.g. 127.0.0.1 or 10.0.0.0/24), or CASEWORK_BEHIND_TLS_PROXY=false "
                    "when clients connect directly."
                ),
                id="casework.privacy.W001",
            )
        ]
    return []
