"""Time zones as people name them: a country and a city in the reader's language (CLDR's
exemplar cities, through Babel), one per distinct clock of a country, never raw IANA ids such
as "localtime" or "W-SU".

The list keeps, for each country CLDR knows, one zone per way its clocks run over a year (so
Spain offers Madrid and the Canary Islands, not Ceuta as well); among zones that run alike, the
one tzdata's ``zone.tab`` lists first for the country (its most populous), else the first by
name. A person's current zone is offered too when it is not in the list (an old alias kept from
before), under its own name.
"""

import functools
import unicodedata
import zoneinfo
from datetime import UTC, datetime, timedelta
from pathlib import Path

from babel.core import get_global
from babel.dates import get_timezone_location
from django import forms
from django.utils.translation import gettext_lazy

from casework.accounts.models import known_time_zones
from casework.locales import cldr_locale, reader_language, reader_locale

UTC_ZONE = "UTC"
_SAMPLES = tuple(datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=15 * k) for k in range(49))


def _zone_tab_order() -> dict[str, int]:
    for folder in (*zoneinfo.TZPATH, "/usr/share/zoneinfo"):
        path = Path(folder) / "zone.tab"
        if path.is_file():
            lines = path.read_text(encoding="utf-8").splitlines()
            return {
                line.split("\t")[2]: number
                for number, line in enumerate(lines)
                if line and not line.startswith("#") and line.count("\t") >= 2
            }
    return {}


@functools.cache
def curated_zones() -> tuple[tuple[str, str], ...]:
    """(territory, zone) for every distinct clock of every country."""
    available = known_time_zones()
    order = _zone_tab_order()
    chosen: list[tuple[str, str]] = []
    for territory, zones in sorted(get_global("territory_zones").items()):
        if len(territory) != 2 or not territory.isalpha() or territory == "ZZ":
            continue  # the world ("001"), unknown ("ZZ"): Etc/GMT+5 and the like
        clocks: dict[tuple[timedelta | None, ...], list[str]] = {}
        for zone in zones:
            if zone not in available:
                continue
            info = zoneinfo.ZoneInfo(zone)
            signature = tuple(moment.astimezone(info).utcoffset() for moment in _SAMPLES)
            clocks.setdefault(signature, []).append(zone)
        for same in clocks.values():
            chosen.append((territory, min(same, key=lambda zone: (order.get(zone, 10**6), zone))))
    return tuple(chosen)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


@functools.cache
def _choices(language: str) -> tuple[tuple[str, str], ...]:
    locale = cldr_locale(language)
    zones = curated_zones()
    per_country: dict[str, int] = {}
    for territory, _zone in zones:
        per_country[territory] = per_country.get(territory, 0) + 1
    labelled = []
    for territory, zone in zones:
        country = locale.territories.get(territory, territory)
        if per_country[territory] > 1:
            city = get_timezone_location(zone, locale=locale, return_city=True)
            label = f"{country} \N{EN DASH} {city}"
        else:
            label = country
        labelled.append((zone, label))
    labelled.sort(key=lambda pair: (_fold(pair[1]), pair[0]))
    return ((UTC_ZONE, "UTC"), *labelled)


def zone_choices(current: str = "") -> list[tuple[str, str]]:
    """The curated zones named in the reader's language, with ``current`` too if it is a
    valid zone the list leaves out."""
    choices = list(_choices(reader_language()))
    offered = {zone for zone, _label in choices}
    if current and current not in offered and current in known_time_zones():
        choices.insert(1, (current, zone_label(current)))
    return choices


def zone_label(zone: str) -> str:
    """A zone's name for people, its country and, where it has several, its city; never an
    IANA id such as "Europe/Madrid"."""
    for value, label in _choices(reader_language()):
        if value == zone:
            return label
    try:
        return get_timezone_location(zone, locale=reader_locale())
    except LookupError:
        return zone.replace("_", " ")


class TimeZoneField(forms.ChoiceField):
    """A time zone from the curated list, named in the reader's language. Any zone tzdata
    knows is still accepted (a zone the browser gave at sign-up, an old alias)."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("label", gettext_lazy("Time zone"))
        super().__init__(choices=zone_choices, **kwargs)  # type: ignore[arg-type]

    def offer(self, current: str) -> None:
        """Show ``current`` as chosen even when the curated list leaves it out."""
        if current:
            self.choices = zone_choices(current)

    def valid_value(self, value: str) -> bool:
        return value in known_time_zones()
