"""System checks of the web push settings: a key that cannot sign stops start-up checks, not
the first reminder."""

import re
from typing import Any

from django.conf import settings
from django.core import checks

# What push services accept as the contact of a sender (RFC 8292 section 2.1).
_SUBJECT = re.compile(r"^(mailto:[^@\s]+@[^@\s]+\.[^@\s]+|https://[^/\s]+\.[^/\s]+(/\S*)?)$")


@checks.register(checks.Tags.security)
def check_vapid_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from casework.accounts.push import load_vapid_key

    raw = getattr(settings, "VAPID_PRIVATE_KEY", "")
    if not raw:
        return []  # push is off
    problems: list[checks.CheckMessage] = []
    try:
        load_vapid_key(raw)
    except ValueError as error:
        problems.append(
            checks.Error(
                f"CASEWORK_VAPID_PRIVATE_KEY cannot be used: {error}.",
                hint=(
                    "Give a P-256 private key: the PEM file of `vapid --gen` or `openssl ecparam "
                    "-name prime256v1 -genkey -noout` (as CASEWORK_VAPID_PRIVATE_KEY_FILE), or "
                    "base64url of the raw key. In development, delete "
                    "var/development-vapid-private-key to have a new one made."
                ),
                id="casework.accounts.E001",
            )
        )
    subject = getattr(settings, "VAPID_SUBJECT", "")
    if not _SUBJECT.match(subject):
        problems.append(
            checks.Error(
                "CASEWORK_VAPID_SUBJECT must be a mailto: or https: URL.",
                hint="Push services write to it about our pushes, e.g. mailto:ops@example.org.",
                id="casework.accounts.E002",
            )
        )
    return problems


@checks.register(checks.Tags.security, deploy=True)
def check_vapid_subject_reachable(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    subject = getattr(settings, "VAPID_SUBJECT", "")
    if getattr(settings, "VAPID_PRIVATE_KEY", "") and subject.rstrip("/>").endswith(".localhost"):
        return [
            checks.Warning(
                "CASEWORK_VAPID_SUBJECT names a .localhost address; push services may refuse "
                "pushes from a sender they cannot contact.",
                hint="Set CASEWORK_VAPID_SUBJECT (or DEFAULT_FROM_EMAIL) to a real address.",
                id="casework.accounts.W001",
            )
        ]
    return []
