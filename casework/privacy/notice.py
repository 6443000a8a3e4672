"""What /privacy/ says, built from what the site actually runs on: the retention rules in
force, the registered data classes, who may place a legal hold, and the settings (session
lengths, email, web push, key service, where it is hosted, whether retention removes yet).
Change a setting or a rule and the page changes with it."""

from dataclasses import dataclass

import pycountry
from django.conf import settings
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from casework.accounts.models import Role
from casework.privacy.holds import HOLDERS
from casework.privacy.retention.classes import REMOVERS
from casework.privacy.retention.rules import EVERYWHERE, Rule, current_rules

DAYS_IN_A_YEAR = 365.25


@dataclass(frozen=True)
class Period:
    where: str
    how_long: str
    counts: bool  # a period that counts from a moment (not removed at once)
    basis: str
    source: str
    confirmed: bool


@dataclass(frozen=True)
class KeptData:
    what: str
    starts: str
    removal: str
    periods: list[Period]


def how_long(days: int) -> str:
    """A period in plain words: whole years where it is close to them, else days."""
    if days == 0:
        return _("removed as soon as it ends")
    years = round(days / DAYS_IN_A_YEAR)
    if years and abs(days - years * DAYS_IN_A_YEAR) <= 1:
        return ngettext("%(count)d year", "%(count)d years", years) % {"count": years}
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


def place_name(code: str, *, alone: bool = False) -> str:
    if code == EVERYWHERE:
        return _("Everywhere") if alone else _("Everywhere else")
    found = pycountry.subdivisions.get(code=code) if "-" in code else None  # type: ignore[no-untyped-call]
    found = found or pycountry.countries.get(alpha_2=code)
    return str(found.name) if found is not None else code


def _basis(rule: Rule) -> str:
    return {
        "law": _("the law there"),
        "guidance": _("official guidance there"),
        "policy": _("Casework's own rule"),
    }[rule.basis]


def kept_data() -> list[KeptData]:
    rules = current_rules()
    found = []
    for key in rules.data_classes:
        words = REMOVERS[key].words
        # The places with their own rule first, in order; everywhere else last.
        ordered = sorted(
            rules.rules_of(key), key=lambda r: (r.jurisdiction == EVERYWHERE, r.jurisdiction)
        )
        found.append(
            KeptData(
                what=str(words.what),
                starts=str(words.starts),
                removal=str(words.removal),
                periods=[
                    Period(
                        where=place_name(rule.jurisdiction, alone=len(ordered) == 1),
                        how_long=how_long(rule.keep_days),
                        counts=rule.keep_days > 0,
                        basis=_basis(rule),
                        source=rule.source,
                        confirmed=rule.confirmed,
                    )
                    for rule in ordered
                ],
            )
        )
    return found


# Each role that may place a legal hold, as the page names one of its people.
_ONE_OF_ROLE = {
    Role.MODERATOR: gettext_lazy("a moderator"),
    Role.OFFICER: gettext_lazy("a regulator's officer"),
    Role.ADMIN: gettext_lazy("an administrator"),
    Role.PRACTITIONER: gettext_lazy("a practitioner"),
    Role.CLIENT: gettext_lazy("a client"),
}


def hold_placers() -> str:
    """Who may place a legal hold, in plain words ("a moderator, a regulator's officer or an
    administrator"), from the roles ``holds`` lets do it."""
    order = list(Role.values)
    named = [str(_ONE_OF_ROLE[Role(role)]) for role in sorted(HOLDERS, key=order.index)]
    return str(get_text_list(named, _("or")))


@dataclass(frozen=True)
class Processing:
    hosted_in: str
    email: str
    push: bool
    external_keys: bool
    retention_removes: bool
    client_session_days: int
    staff_idle_minutes: int
    outbox_days: int


def processing() -> Processing:
    local_keys = settings.VAULT_KEY_SERVICE.endswith(".LocalKeyService")
    if settings.EMAIL_HOST:
        email = "smtp"
    elif settings.EMAIL_BACKEND.endswith("console.EmailBackend"):
        email = "console"
    else:
        email = "none"
    return Processing(
        hosted_in=settings.HOSTING_LOCATION,
        email=email,
        push=bool(settings.VAPID_PRIVATE_KEY),
        external_keys=not local_keys,
        retention_removes=settings.RETENTION_REMOVES,
        client_session_days=settings.SESSION_COOKIE_AGE // 86400,
        staff_idle_minutes=settings.STAFF_SESSION_IDLE_SECONDS // 60,
        outbox_days=settings.OUTBOX_RETENTION_DAYS,
    )
