"""Comparing a practitioner's name with a register's, the way a careful person would.

Case, accents, hyphens, apostrophes, extra spaces, split particles and the order of given and
family names do not matter: "José-María O'Neil" matches "ONEIL, Jose Maria" and
"Maria Jose O Neil".

This module is also the one home of cleaning what registers and people type: invisible format
characters (Unicode category Cf: zero-width spaces, byte order marks, soft hyphens, direction
marks) are dropped from registration numbers and names before they are stored or compared, so an
entry is always found by the number and name people can see.
"""

import re
import unicodedata
from collections.abc import Callable

# Hyphens and dashes of every kind, and punctuation that separates name parts.
_SEPARATORS = re.compile(r"[\s\-\u2010\u2011\u2012\u2013\u2014_.,;:/]+")
# Apostrophes as typed on any keyboard: O'Neil, O\u2019Neil, O`Neil.
_APOSTROPHES = re.compile(r"['\u2019\u2018`\u00b4]")


class _CharacterTable(dict[int, int | None]):
    """A ``str.translate`` table that decides each character once, when it first meets it:
    ``keep(character)`` or dropped. A register import cleans millions of values; deciding
    every character of every non-ASCII one in Python cost more than the rest of cleaning it.
    It remembers at most ``LIMIT`` characters (a few hundred in any register's names), so
    text of every script there is cannot grow it further."""

    LIMIT = 4096

    def __init__(self, keep: Callable[[str], bool]) -> None:
        super().__init__()
        self._keep = keep

    def __missing__(self, code: int) -> int | None:
        kept = code if self._keep(chr(code)) else None
        if len(self) < self.LIMIT:
            self[code] = kept
        return kept


_WITHOUT_FORMAT = _CharacterTable(lambda c: unicodedata.category(c) != "Cf")
_WITHOUT_MARKS = _CharacterTable(lambda c: not unicodedata.combining(c))


def without_format_characters(text: str) -> str:
    """``text`` without Unicode format characters (category Cf), which print as nothing."""
    if text.isascii():
        return text
    return text.translate(_WITHOUT_FORMAT)


def clean_register_name(name: str) -> str:
    """A name as it is stored: no format characters, single spaces, none around it."""
    return " ".join(without_format_characters(name).split())


def _fold(name: str) -> str:
    """Lower case, without accents, format characters or letters' variants."""
    if name.isascii():  # nothing to decompose, drop or replace: most names of most registers
        return name.lower()
    decomposed = unicodedata.normalize("NFKD", without_format_characters(name))
    without_marks = decomposed.translate(_WITHOUT_MARKS)
    folded = without_marks.casefold()
    return folded.replace("ß", "ss").replace("ø", "o").replace("ł", "l").replace("đ", "d")


def name_tokens(name: str) -> tuple[str, ...]:
    return _tokens_of_folded(_fold(name))


def _tokens_of_folded(folded: str) -> tuple[str, ...]:
    without_apostrophes = _APOSTROPHES.sub("", folded)
    return tuple(sorted(_glue_particles([t for t in _SEPARATORS.split(without_apostrophes) if t])))


def name_search_key(*names: str) -> str:
    """The words a register entry is found by, for ``RegisterEntry.name_key``: each name's
    tokens as ``names_match`` compares them, and also the parts an apostrophe or a particle
    joined ("O'Neil" is found by "oneil" and by "neil"; "de la Cruz" by "cruz" and
    "delacruz"). Each word starts after a space, so a search matches the start of a word."""
    words: dict[str, None] = {}
    for name in names:
        folded = _fold(name)  # once for both lists of words: a register import keys every entry
        words.update(dict.fromkeys(_tokens_of_folded(folded)))
        words.update(
            dict.fromkeys(t for t in _SEPARATORS.split(_APOSTROPHES.sub(" ", folded)) if t)
        )
    return "".join(f" {word}" for word in words)


def name_search_words(query: str) -> list[str]:
    """The words of a name search, each to be found at the start of a word of an entry's
    ``name_key``: in any order, whatever the accents, case, hyphens and apostrophes."""
    return list(dict.fromkeys(name_tokens(query)))


def _glue_particles(tokens: list[str]) -> list[str]:
    """ "O Neil" and "O'Neil", "Mc Donald" and "McDonald", "de la Cruz" and "Delacruz" are
    the same name: a short particle joins the word after it, on both sides of a comparison."""
    glued: list[str] = []
    carry = ""
    for token in tokens:
        if len(token) <= 2:
            carry += token
            continue
        glued.append(carry + token)
        carry = ""
    if carry:
        glued.append(carry)
    return glued


def names_match(claimed: str, *register_names: str) -> bool:
    """True when the claimed name is one of the register's names (current or previous)."""
    wanted = name_tokens(claimed)
    return bool(wanted) and any(name_tokens(name) == wanted for name in register_names)


def normalise_registration_number(number: str) -> str:
    """A registration number as stored and compared: no spaces or format characters, capitals."""
    return re.sub(r"\s+", "", without_format_characters(number)).upper()
