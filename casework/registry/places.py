"""Places as a client names them: in her language, found from what she types, asked once.

Countries are named by CLDR (through Babel), the regions that regulate social work on their
own by ``region_names``. A country whose regions regulate (the United Kingdom's nations, US
states, Canadian provinces, Australian states) is a first step only: the picker then asks for
the region, since the country alone says nothing about who may practise there.

The place a person chose is remembered for the visit (the session) and, once signed in, on the
account (``User.place``), so that search, profile, booking and a first message ask once.
"""

import functools
import hashlib
import json
import unicodedata
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.translation import override

from casework.accounts.models import User
from casework.accounts.services import remember_place
from casework.locales import reader_language
from casework.registry.models import Jurisdiction, Regulator
from casework.registry.region_names import place_name

SESSION_KEY = "casework.place"


_SEPARATORS = str.maketrans({",": " ", "(": " ", ")": " "})


def fold(text: str) -> str:
    """``"  Reíno   unido"`` → ``"reino unido"``: what two spellings of a name share, for matching
    what someone typed and for sorting in a reader's order without a collation library."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().translate(_SEPARATORS).split())


@dataclass(frozen=True)
class Place:
    code: str
    name: str  # in the reader's language: "Inglaterra", "España"
    country_code: str  # "" for a country


@dataclass(frozen=True)
class Places:
    """Every place, named in one language."""

    countries: tuple[Place, ...]
    regions: dict[str, tuple[Place, ...]]  # country code -> its regions
    by_code: dict[str, Place]
    by_name: dict[str, str]  # folded name -> code

    def name_of(self, code: str) -> str:
        place = self.by_code.get(code)
        return place.name if place else code

    def full_name(self, code: str) -> str:
        """ "Inglaterra (Reino Unido)" for a region, the name alone for a country."""
        place = self.by_code.get(code)
        if place is None:
            return code
        if not place.country_code:
            return place.name
        return f"{place.name} ({self.name_of(place.country_code)})"

    def has_regions(self, code: str) -> bool:
        return bool(self.regions.get(code))


def _sorted(places: list[Place]) -> tuple[Place, ...]:
    return tuple(sorted(places, key=lambda place: (fold(place.name), place.code)))


@functools.cache
def _places(language: str) -> Places:
    rows = list(
        Jurisdiction.objects.values_list("code", "name", "country_id", "social_work_regulated")
    )
    regulated = {code: fact for code, _name, _country, fact in rows}
    with_regulator = set(Regulator.objects.values_list("jurisdiction_id", flat=True))
    countries: list[Place] = []
    subdivisions: dict[str, list[Place]] = {}
    by_region: set[str] = set()
    with override(language):
        for code, stored_name, country, fact in rows:
            place = Place(code, place_name(code, stored_name), country or "")
            if country:
                subdivisions.setdefault(country, []).append(place)
                # Regulation is by region where a region has its own regulator or its own
                # fact (Australia is unregulated, South Australia too: no region to ask).
                if code in with_regulator or (fact is not None and fact != regulated[country]):
                    by_region.add(country)
            else:
                countries.append(place)
    regions = {country: group for country, group in subdivisions.items() if country in by_region}
    by_code = {place.code: place for place in countries}
    by_code.update({place.code: place for group in subdivisions.values() for place in group})
    english = _english_names() if language != "en" else {}
    by_name: dict[str, str] = {}
    # Regions first, so that a country of the same name wins ("Georgia", "Puerto Rico").
    for group in subdivisions.values():
        for place in group:
            country_name = by_code[place.country_code].name if place.country_code in by_code else ""
            for name in (place.name, f"{place.name} {country_name}", english.get(place.code, "")):
                if name:
                    by_name[fold(name)] = place.code
    for place in countries:
        for name in (place.name, english.get(place.code, "")):
            if name:
                by_name[fold(name)] = place.code
    for code in by_code:
        by_name[fold(code)] = code
    return Places(
        countries=_sorted(countries),
        regions={country: _sorted(group) for country, group in regions.items()},
        by_code=by_code,
        by_name=by_name,
    )


def _english_names() -> dict[str, str]:
    english = _places("en")
    return {code: place.name for code, place in english.by_code.items()}


def places(language: str | None = None) -> Places:
    return _places(language or reader_language())


def forget_places() -> None:
    """After the reference data is loaded again (and in tests that load it)."""
    _places.cache_clear()
    places_json.cache_clear()
    places_version.cache_clear()


def resolve(text: str) -> str | None:
    """The code of the place ``text`` names (its code, or its name in the reader's language or
    in English, whatever the case and accents), or None."""
    return places().by_name.get(fold(text)) if text.strip() else None


def suggestions(text: str, *, limit: int = 6) -> list[str]:
    """Names of places that begin with, then contain, what was typed: for a name not found."""
    folded, known = fold(text), places()
    if not folded:
        return []
    everything = list(known.by_code.values())
    starts = [place for place in everything if fold(place.name).startswith(folded)]
    contains = [place for place in everything if folded in fold(place.name) and place not in starts]
    return [known.full_name(place.code) for place in (starts + contains)[:limit]]


@functools.cache
def places_json(language: str) -> bytes:
    """The picker's list, served once per language and version and cached by the browser:
    countries, and the regions of the countries whose regions regulate."""
    known = _places(language)
    payload = {
        "countries": [[place.code, place.name] for place in known.countries],
        "regions": {
            country: [[place.code, place.name] for place in group]
            for country, group in sorted(known.regions.items())
        },
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


@functools.cache
def places_version(language: str) -> str:
    # Asked by every page with a place picker; the list changes only when the reference data
    # is loaded again (forget_places).
    return hashlib.sha256(places_json(language)).hexdigest()[:12]


def remembered(request: HttpRequest) -> str:
    """The code of the place this visitor chose during the visit, or on their account."""
    code = request.session.get(SESSION_KEY, "") if hasattr(request, "session") else ""
    user = getattr(request, "user", None)
    if not code and isinstance(user, User):
        code = user.place
    return code if isinstance(code, str) and code in places().by_code else ""


def remember(request: HttpRequest, jurisdiction: Jurisdiction | None) -> None:
    """Keep the place for the visit and, for someone signed in, on their account. A country
    whose regions regulate is not a place to remember: the region is still to be asked."""
    if jurisdiction is None or places().has_regions(jurisdiction.code):
        return
    if hasattr(request, "session") and request.session.get(SESSION_KEY) != jurisdiction.code:
        request.session[SESSION_KEY] = jurisdiction.code
    user = getattr(request, "user", None)
    if isinstance(user, User) and user.place != jurisdiction.code:
        remember_place(person=user, code=jurisdiction.code)
