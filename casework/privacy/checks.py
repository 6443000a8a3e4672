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


@checks.register(checks.Tags.security, deploy=True)
def check_audit_anchor(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    # Without an anchor out of the application's reach, someone who can write the database can
    # cut the newest events off the end of the log, seals and all, unseen.
    from casework.privacy.anchors import AppendOnlyFileAnchor, get_anchor

    anchor = get_anchor()
    if not anchor.keeps_lines:
        return [
            checks.Info(
                "CASEWORK_AUDIT_ANCHOR keeps no anchor: events cut off the end of the audit "
                "log, with their seals, would go unseen.",
                hint="Anchor to a file only appended to (see the README's audit log section).",
                id="casework.privacy.I001",
            )
        ]
    if not isinstance(anchor, AppendOnlyFileAnchor):
        return []
    if not anchor.path.exists():
        return [
            checks.Warning(
                f"The audit anchor file {anchor.path} does not exist.",
                hint=(
                    "Create it and make it append-only for the application's user "
                    "(e.g. `touch FILE && chown casework FILE && chattr +a FILE` as root)."
                ),
                id="casework.privacy.W002",
            )
        ]
    if anchor.can_be_rewritten():
        return [
            checks.Warning(
                f"The audit anchor file {anchor.path} can be rewritten by the application, "
                "so it cannot show that the log was cut back or rewritten.",
                hint="Make it append-only: `chattr +a FILE` as root.",
                id="casework.privacy.W003",
            )
        ]
    return []


@checks.register()
def check_retention_rules(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    # Not a deployment check: every start runs it, so a malformed rules file stops the
    # application (runserver, migrate, the clock) with the reason, before any rule is applied.
    from casework.privacy.retention.classes import REMOVERS
    from casework.privacy.retention.rules import RetentionDataError, load_rules, rules_file

    try:
        rules = load_rules(rules_file())
    except RetentionDataError as error:
        return [
            checks.Error(
                f"The retention rules cannot be used: {error}",
                hint="Correct the file; its top says what each entry must hold.",
                id="casework.privacy.E001",
            )
        ]
    problems: list[checks.CheckMessage] = [
        checks.Error(
            f"The retention rules name data class {key!r}, which no app removes.",
            hint="Register it with casework.privacy.retention.classes.removes, or drop it.",
            id="casework.privacy.E002",
        )
        for key in rules.data_classes
        if key not in REMOVERS
    ]
    problems += [
        checks.Error(
            f"Data class {key!r} is removed by an app but has no retention rule.",
            hint="Add it and its rules to the retention file.",
            id="casework.privacy.E003",
        )
        for key in REMOVERS
        if key not in rules.data_classes
    ]
    return problems
