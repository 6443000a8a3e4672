"""The live badge practitioners embed in their profiles and websites: an SVG of the status.

A badge cannot be borrowed: it names the person as the register holds them, the regulator and
the registration number, so a badge of someone else's registration on an impostor's page says
whose it is, and it links to the verification page where anyone can check. It says "verified"
only while the registration is practising and a practitioner has proven it is theirs; any other
status is said in plain words that tell a client what to do ("Suspended: do not book").
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.registry.models import RegisterEntry, RegistrationStatus
from casework.registry.standing import PlatformOrders, lets_practise

COLOURS = {
    RegistrationStatus.REGISTERED: "#1b6e3a",
    RegistrationStatus.CONDITIONS: "#8a5a00",
    RegistrationStatus.SUSPENDED: "#a4161a",
    RegistrationStatus.LAPSED: "#4a5562",
    RegistrationStatus.REMOVED: "#a4161a",
    RegistrationStatus.NOT_IN_READING: "#4a5562",
}
NOT_LISTED_COLOUR = "#4a5562"
SUSPENDED_HERE_COLOUR = COLOURS[RegistrationStatus.SUSPENDED]
CONDITIONS_COLOUR = COLOURS[RegistrationStatus.CONDITIONS]

# What the badge says of each status: what a client should do, in as few words as possible.
STATUS_WORDS: dict[str, Promise] = {
    RegistrationStatus.REGISTERED: gettext_lazy("Registered"),
    RegistrationStatus.CONDITIONS: gettext_lazy("Registered with conditions: see them"),
    RegistrationStatus.SUSPENDED: gettext_lazy("Suspended: do not book"),
    RegistrationStatus.LAPSED: gettext_lazy("Lapsed: do not book"),
    RegistrationStatus.REMOVED: gettext_lazy("Removed: do not book"),
    RegistrationStatus.NOT_IN_READING: gettext_lazy(
        "Missing from the latest register: do not book"
    ),
}
# A regulator's orders on this platform come before the register's status: an officer's
# suspension of the listing takes effect before the register shows anything.
SUSPENDED_HERE_WORDS = gettext_lazy("Suspended on Casework: do not book")


def status_words(entry: RegisterEntry, orders: PlatformOrders) -> str:
    """What the badge says of the registration's standing, orders on Casework first."""
    if orders.suspended:
        return str(SUSPENDED_HERE_WORDS)
    if orders.conditions and entry.status == RegistrationStatus.REGISTERED:
        return str(STATUS_WORDS[RegistrationStatus.CONDITIONS])
    return str(STATUS_WORDS[entry.status])


def status_colour(entry: RegisterEntry | None, orders: PlatformOrders) -> str:
    if entry is None:
        return NOT_LISTED_COLOUR
    if orders.suspended:
        return SUSPENDED_HERE_COLOUR
    if orders.conditions and entry.status == RegistrationStatus.REGISTERED:
        return CONDITIONS_COLOUR
    return COLOURS[RegistrationStatus(entry.status)]


# Longer names are cut on the badge (the verification page shows them whole).
MAX_LINE_CHARS = 72
# Rough advance widths of Verdana at 12px and 11px (no font metrics in an SVG we write).
_WIDE, _NARROW = 7.4, 6.6


@dataclass(frozen=True)
class BadgeText:
    heading: str
    name: str
    registration: str
    status: str
    check_at: str

    @property
    def summary(self) -> str:
        """The whole badge in one sentence, for its title and for screen readers."""
        parts = [self.heading, self.name, self.registration, self.status, self.check_at]
        return ". ".join(part for part in parts if part)


def badge_text(
    entry: RegisterEntry | None,
    *,
    proven: bool,
    page_url: str,
    orders: PlatformOrders | None = None,
) -> BadgeText:
    """What the badge says. ``proven``: a practitioner on Casework has a verified claim on the
    entry (it is never "verified" otherwise, nor while the registration is not practising or
    its listing here is suspended)."""
    if entry is None:
        return BadgeText(
            heading=_("Casework register check"),
            name="",
            registration=_("No entry on the register under this number"),
            status=_("Not on the register"),
            check_at="",
        )
    orders = orders or PlatformOrders()
    verified = proven and lets_practise(entry, orders)
    return BadgeText(
        heading=(
            _("Casework: registration verified") if verified else _("Casework register check")
        ),
        name=_cut(entry.name),
        registration=_cut(
            _("%(regulator)s, number %(number)s")
            % {"regulator": str(entry.regulator), "number": entry.registration_number}
        ),
        status=status_words(entry, orders),
        check_at=_cut(_("Check it live: %(url)s") % {"url": page_url}),
    )


def _cut(text: str) -> str:
    return text if len(text) <= MAX_LINE_CHARS else text[: MAX_LINE_CHARS - 1] + "…"


def badge_svg(
    entry: RegisterEntry | None,
    *,
    proven: bool,
    page_url: str,
    orders: PlatformOrders | None = None,
) -> str:
    orders = orders or PlatformOrders()
    text = badge_text(entry, proven=proven, page_url=page_url, orders=orders)
    colour = status_colour(entry, orders)
    lines = [
        (text.name, _WIDE, 'font-weight="bold"'),
        (text.registration, _NARROW, ""),
        (text.check_at, _NARROW, ""),
    ]
    lines = [line for line in lines if line[0]]
    width = int(
        max(
            [len(text.heading) * _NARROW, len(text.status) * _WIDE]
            + [len(content) * advance for content, advance, _weight in lines]
        )
        + 24
    )
    status_y = 24 + 20 * len(lines) + 8
    height = status_y + 28
    body = "".join(
        f'<text x="12" y="{40 + 20 * index}" {weight}>{escape(content)}</text>'
        for index, (content, _advance, weight) in enumerate(lines)
    )
    summary = escape(text.summary)
    link_open, link_close = "", ""
    if entry is not None:
        # Opened on its own (not through an <img>), the badge itself leads to the live check.
        link_open, link_close = f'<a href="{escape(page_url)}" target="_top">', "</a>"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{summary}"><title>{summary}</title>{link_open}'
        f'<rect width="{width}" height="{height}" fill="#fff" stroke="#073f78"/>'
        f'<rect width="{width}" height="24" fill="#073f78"/>'
        f'<rect y="{status_y}" width="{width}" height="28" fill="{colour}"/>'
        '<g font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="12" y="16" fill="#fff">{escape(text.heading)}</text>'
        f'<g fill="#1a1a1a">{body}</g>'
        f'<text x="12" y="{status_y + 19}" fill="#fff" font-size="13" font-weight="bold">'
        f"{escape(text.status)}</text></g>{link_close}</svg>"
    )
