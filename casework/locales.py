"""The reader's language as CLDR knows it (Babel): the one home for the language a page is read
in and the locale that names countries, languages, zones and lists in it."""

from babel import Locale, UnknownLocaleError
from django.conf import settings
from django.utils.translation import get_language


def reader_language() -> str:
    """The language of the page being read, without its region ("es" for "es-mx")."""
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0]


def cldr_locale(language: str) -> Locale:
    """CLDR's locale for ``language``; English when CLDR has none."""
    try:
        return Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def reader_locale() -> Locale:
    """CLDR's locale of the language the page is read in."""
    return cldr_locale(reader_language())
