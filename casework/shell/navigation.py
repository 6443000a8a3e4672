"""The navigation each role sees. Later apps add their entries here, per role."""

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from casework.accounts.models import Role, User
from casework.messaging.queries import unread_total


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str


PUBLIC_ITEMS = [
    NavItem(_("Home"), "shell:home"),
    NavItem(_("Find a social worker"), "directory:search"),
    NavItem(_("Check a registration"), "registry:verify"),
]

SIGNED_IN_ITEMS = [
    NavItem(_("Overview"), "shell:dashboard"),
    NavItem(_("Messages"), "messaging:inbox"),
]

ROLE_ITEMS: dict[str, list[NavItem]] = {
    Role.CLIENT: [
        NavItem(_("My care"), "care:my_care"),
        NavItem(_("Appointments"), "scheduling:my_appointments"),
        NavItem(_("Calendar"), "scheduling:calendar_settings"),
    ],
    Role.PRACTITIONER: [
        NavItem(_("Caseload"), "care:caseload"),
        NavItem(_("Appointments"), "scheduling:practitioner_appointments"),
        NavItem(_("Availability"), "scheduling:availability"),
        NavItem(_("Calendar"), "scheduling:calendar_settings"),
        NavItem(_("Profile"), "directory:edit_profile"),
        NavItem(_("Registrations"), "registry:my_registrations"),
    ],
    Role.OFFICER: [
        NavItem(_("Portal"), "oversight:home"),
        NavItem(_("Complaints"), "complaints:queue"),
        NavItem(_("Reviews"), "registry:review_queue"),
        NavItem(_("Register imports"), "registry:register_imports"),
    ],
    Role.MODERATOR: [
        NavItem(_("Moderation"), "safety:queue"),
        NavItem(_("Complaints"), "complaints:queue"),
    ],
    Role.ADMIN: [
        NavItem(_("Portal"), "oversight:home"),
        NavItem(_("Complaints"), "complaints:queue"),
        NavItem(_("Reviews"), "registry:review_queue"),
        NavItem(_("Register imports"), "registry:register_imports"),
        NavItem(_("Administration"), "admin:index"),
    ],
}

# Everyone signed in may report someone they deal with (a claim, for reviewers) and may be the
# subject of a moderator's decision, so both pages are a click away for every role.
ACCOUNT_ITEMS = [
    NavItem(_("Your reports"), "safety:my_reports"),
    NavItem(_("Decisions about your account"), "safety:my_decisions"),
    NavItem(_("Security"), "mfa_index"),
    NavItem(_("Sessions"), "accounts:sessions"),
    NavItem(_("Preferences"), "accounts:preferences"),
]


def items_for(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.user
    entries = list(PUBLIC_ITEMS)
    if user.is_authenticated:
        entries += SIGNED_IN_ITEMS + ROLE_ITEMS.get(getattr(user, "role", ""), [])
    current = request.path
    items = []
    for entry in entries:
        url = reverse(entry.url_name)
        item: dict[str, Any] = {"label": entry.label, "url": url, "current": url == current}
        if entry.url_name == "messaging:inbox" and isinstance(user, User):
            item["unread"] = unread_total(user)
        items.append(item)
    return items


def account_items_for(request: HttpRequest) -> list[dict[str, Any]]:
    if not request.user.is_authenticated:
        return []
    return [
        {
            "label": e.label,
            "url": reverse(e.url_name),
            "current": reverse(e.url_name) == request.path,
        }
        for e in ACCOUNT_ITEMS
    ]
