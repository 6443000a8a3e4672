"""The live badge practitioners embed in their profiles and websites: an SVG of the status."""

from django.utils.html import escape
from django.utils.translation import gettext as _

from casework.registry.models import RegisterEntry, RegistrationStatus

COLOURS = {
    RegistrationStatus.REGISTERED: "#1b6e3a",
    RegistrationStatus.CONDITIONS: "#8a5a00",
    RegistrationStatus.SUSPENDED: "#a4161a",
    RegistrationStatus.LAPSED: "#4a5562",
    RegistrationStatus.REMOVED: "#a4161a",
    RegistrationStatus.NOT_IN_READING: "#4a5562",
}


def badge_svg(entry: RegisterEntry | None) -> str:
    if entry is None:
        label, colour = _("Not on the register"), "#4a5562"
    else:
        label, colour = str(entry.get_status_display()), COLOURS[RegistrationStatus(entry.status)]
    left = _("Casework verified") if entry is not None else _("Casework")
    right = escape(label)
    left_width, right_width = 8 * len(left) + 16, 7 * len(label) + 20
    width = left_width + right_width
    title = escape(f"{left}: {label}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="24" role="img" '
        f'aria-label="{title}"><title>{title}</title>'
        f'<rect width="{left_width}" height="24" fill="#073f78"/>'
        f'<rect x="{left_width}" width="{right_width}" height="24" fill="{colour}"/>'
        '<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="12">'
        f'<text x="8" y="16">{escape(left)}</text>'
        f'<text x="{left_width + 10}" y="16">{right}</text></g></svg>'
    )
