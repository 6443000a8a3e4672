"""The words a profile is made of: specialties (shipped as data), languages (ISO 639) and
currencies (ISO 4217), each with labels in the reader's language."""

import functools
import gettext
import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pycountry
from babel import Locale, UnknownLocaleError
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Specialty:
    key: str
    label: str  # English, as in the data file; translate with ``specialty_label``


# Every label in data/specialties.toml, marked so that makemessages extracts it: the catalogues
# translate the data file's words. test_vocabulary checks that this list and the file agree.
SPECIALTY_LABELS = (
    gettext_noop("Child protection and safeguarding"),
    gettext_noop("Children and families"),
    gettext_noop("Adoption, fostering and kinship care"),
    gettext_noop("Young people and care leavers"),
    gettext_noop("School social work"),
    gettext_noop("Older adults"),
    gettext_noop("Physical disability"),
    gettext_noop("Learning disability"),
    gettext_noop("Autism"),
    gettext_noop("Mental health"),
    gettext_noop("Alcohol and drug use"),
    gettext_noop("Domestic abuse"),
    gettext_noop("Sexual violence"),
    gettext_noop("Trauma"),
    gettext_noop("Grief and loss"),
    gettext_noop("End of life and palliative care"),
    gettext_noop("Support for carers"),
    gettext_noop("Housing and homelessness"),
    gettext_noop("Poverty and debt"),
    gettext_noop("Refugees and migration"),
    gettext_noop("LGBTQ+ people"),
    gettext_noop("Relationships and couples"),
    gettext_noop("Criminal justice"),
    gettext_noop("Veterans and armed forces families"),
)


@functools.cache
def specialties() -> dict[str, Specialty]:
    with (DATA_DIR / "specialties.toml").open("rb") as handle:
        data = tomllib.load(handle)
    return {
        item["key"]: Specialty(key=item["key"], label=item["label"])
        for item in data.get("specialty", [])
    }


def specialty_label(key: str) -> str:
    specialty = specialties().get(key)
    return _(specialty.label) if specialty else key


def specialty_choices() -> list[tuple[str, str]]:
    return sorted(
        ((key, specialty_label(key)) for key in specialties()), key=lambda c: c[1].casefold()
    )


# "Modern Greek (1453-)": the standard's qualifier means nothing to a client.
_PARENTHESISED = re.compile(r"\s*\([^)]*\)\s*$")


@functools.cache
def _language_names() -> dict[str, str]:
    """Code -> English name: every ISO 639-1 language, and every sign language by its ISO
    639-3 code (sign languages have no 639-1 code), so that a Deaf client finds a practitioner
    who signs."""
    names: dict[str, str] = {}
    for language in _iso_entries("iso639-3.json", "639-3"):
        alpha_2 = language.get("alpha_2")
        if alpha_2:
            names[alpha_2] = language["name"]
        elif "Sign Language" in language["name"]:
            names[language["alpha_3"]] = language["name"]
    return names


def _iso_entries(file_name: str, root_key: str) -> list[dict[str, str]]:
    """The entries of one of pycountry's ISO tables, read from its file. Not through
    ``pycountry.languages``: that keeps all 7,900 languages of ISO 639-3 with their indexes in
    the process for good (about 3.5 MiB in every web process), where only their names are
    needed, once."""
    with (Path(pycountry.DATABASE_DIR) / file_name).open(encoding="utf-8") as handle:
        entries: list[dict[str, str]] = json.load(handle)[root_key]
    return entries


@functools.cache
def _pycountry_catalogue(domain: str, language: str) -> gettext.NullTranslations:
    return gettext.translation(
        domain, pycountry.LOCALES_DIR, languages=[language.replace("-", "_")], fallback=True
    )


def language_codes() -> frozenset[str]:
    return frozenset(_language_names())


@functools.cache
def _cldr_language_names(language: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(language.replace("-", "_")).languages)
    except (UnknownLocaleError, ValueError):
        return {}


def language_label(code: str, language: str | None = None) -> str:
    """A language's name in the reader's language: CLDR's (through Babel), which spells them
    as the language does ("árabe"), else pycountry's translation of the ISO 639 name. It heads
    an item of a list, so it starts with a capital ("Árabe")."""
    name = _language_names().get(code)
    if name is None:
        return code
    reader = (language or get_language() or "en").split("-")[0]
    cldr = _cldr_language_names(reader).get(code)
    if cldr:
        return cldr[:1].upper() + cldr[1:]
    catalogue = _pycountry_catalogue("iso639-3", reader)
    return _PARENTHESISED.sub("", catalogue.gettext(name))


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


@functools.cache
def _language_choices(language: str) -> tuple[tuple[str, str], ...]:
    return tuple(
        sorted(
            ((code, language_label(code, language)) for code in _language_names()),
            key=lambda choice: (_fold(choice[1]), choice[0]),
        )
    )


def language_choices() -> list[tuple[str, str]]:
    return list(_language_choices(get_language() or "en"))


# ISO 4217 codes that are not money a client pays with: funds, precious metals, test codes.
_NOT_TENDER = frozenset(
    {
        *("BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI", "UYW", "XSU", "XUA"),
        *("XAG", "XAU", "XPD", "XPT", "XBA", "XBB", "XBC", "XBD", "XDR", "XTS", "XXX"),
    }
)


@functools.cache
def _currency_names() -> dict[str, str]:
    return {
        currency["alpha_3"]: currency["name"]
        for currency in _iso_entries("iso4217.json", "4217")
        if currency["alpha_3"] not in _NOT_TENDER
    }


def currency_codes() -> frozenset[str]:
    return frozenset(_currency_names())


@functools.cache
def _currency_choices(language: str) -> tuple[tuple[str, str], ...]:
    catalogue = _pycountry_catalogue("iso4217", language)
    return tuple(
        sorted(
            (
                (code, f"{code} ({catalogue.gettext(name)})")
                for code, name in _currency_names().items()
            ),
            key=lambda choice: choice[0],
        )
    )


def currency_choices() -> list[tuple[str, str]]:
    return list(_currency_choices(get_language() or "en"))
