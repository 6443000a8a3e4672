"""Dates and times as the reader reads them: one home for every date a person sees, on a page,
in an email or in a push notice.

CLDR (Babel) writes them in the reader's language and order ("Thursday 3 December",
"jueves, 3 de diciembre"; Spanish month and weekday names in lower case, as Spanish writes
them), in a few named styles, so that a template says what it shows ("short", "day") and not
how (``"j M Y"``). Moments are shown on the active time zone's clock: the signed-in person's
(``PersonPreferencesMiddleware``), or the one a ``{% timezone %}`` block or
``timezone.override`` chooses, as Django's own ``date`` filter did.
"""

import re
from datetime import date, datetime, time
from typing import Final

from babel import Locale
from babel.dates import format_date, format_time, match_skeleton
from django.utils import timezone

from casework.locales import reader_date_locale

# Each style: a CLDR length ("full", "long", "medium") or a skeleton, the fields wanted, which
# CLDR orders and punctuates for the locale. The English and Spanish examples are for
# Thursday 3 December 2026.
DATE_STYLES: Final[dict[str, str]] = {
    "full": "full",  # Thursday, 3 December 2026 · jueves, 3 de diciembre de 2026
    "long": "long",  # 3 December 2026 · 3 de diciembre de 2026
    "short": "medium",  # 3 Dec 2026 · 3 dic 2026
    "weekday": "yMMMEd",  # Thu, 3 Dec 2026 · jue, 3 dic 2026
    "day": "MMMMEEEEd",  # Thursday 3 December · jueves, 3 de diciembre
    "brief": "MMMEd",  # Thu 3 Dec · jue, 3 dic
    "day_month": "MMMd",  # 3 Dec · 3 dic
    "month": "yMMMM",  # December 2026 · diciembre de 2026
}

# How a date and a time join ("Thursday, 3 December 2026 at 14:30", "3 Dec 2026, 14:30"):
# CLDR's joining pattern of this length.
_JOINED_AS: Final[dict[str, str]] = {"full": "full", "long": "long", "day": "full"}

_LENGTHS: Final = frozenset({"full", "long", "medium", "short"})
# Pattern letters of one field: a month written "L" or "M", a weekday "E", "c" or "e".
_SAME_FIELD: Final[dict[str, str]] = {"L": "M", "c": "E", "e": "E"}


def _widened(pattern: str, skeleton: str) -> str:
    """``pattern`` with its month and weekday names as wide as ``skeleton`` asks.

    Babel picks the closest pattern CLDR has for a skeleton but keeps that pattern's widths,
    so "MMMMEEEEd" in Spanish came back "jue, 3 de diciembre"; ICU widens the fields, and so
    does this, outside quoted literals."""
    wanted = {letter: skeleton.count(letter) for letter in "ME" if letter in skeleton}
    out: list[str] = []
    quoted = False
    for run in re.finditer(r"'|(.)\1*", pattern):
        text = run.group(0)
        if text == "'":
            quoted = not quoted
        field = _SAME_FIELD.get(text[0], text[0])
        # Only names are widened: a numeric month ("M", "MM") stays a number.
        if not quoted and field in wanted and (field == "E" or len(text) >= 3):
            text = text[0] * wanted[field]
        out.append(text)
    return "".join(out)


def _pattern(style: str, locale: Locale) -> str:
    try:
        form = DATE_STYLES[style]
    except KeyError:
        raise ValueError(
            f"No date style {style!r}; the styles are {sorted(DATE_STYLES)}."
        ) from None
    if form in _LENGTHS:
        return str(locale.date_formats[form])
    skeletons = locale.datetime_skeletons
    best = match_skeleton(form, skeletons)
    if best is None:
        return str(locale.date_formats["medium"])
    return _widened(str(skeletons[best]), form)


def _local(moment: datetime) -> datetime:
    """An aware moment on the active zone's clock; a naive one as it is."""
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def reader_date(value: date | datetime, style: str = "short") -> str:
    """The day of ``value`` in a named style: a moment's day on the active zone's clock."""
    locale = reader_date_locale()
    day = _local(value).date() if isinstance(value, datetime) else value
    return format_date(day, _pattern(style, locale), locale=locale)


def reader_time(value: datetime | time) -> str:
    """The time of day, as the reader's locale writes it ("14:30")."""
    locale = reader_date_locale()
    clock = _local(value).time() if isinstance(value, datetime) else value
    return format_time(clock, str(locale.time_formats["short"]), locale=locale)


def reader_datetime(value: datetime, style: str = "short") -> str:
    """The day in a named style and the time, joined as the reader's locale joins them."""
    locale = reader_date_locale()
    joined = str(locale.datetime_formats[_JOINED_AS.get(style, "medium")])
    # CLDR quotes its literal words ("{1} 'at' {0}"); Babel's own joining drops the quotes too.
    return (
        joined.replace("'", "")
        .replace("{1}", reader_date(value, style))
        .replace("{0}", reader_time(value))
    )
