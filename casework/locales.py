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


# The site's English is British English: its dates read "3 Dec 2026", never "Dec 3, 2026".
# CLDR's plain "en" is American, so English dates take the British locale.
_DATES_WRITTEN_IN = {"en": "en_GB"}


def reader_date_locale() -> Locale:
    """CLDR's locale for the dates of the page being read: the order of day, month and year,
    and the names of months and weekdays (lower case in Spanish, as CLDR writes them)."""
    language = reader_language()
    return cldr_locale(_DATES_WRITTEN_IN.get(language, language))
