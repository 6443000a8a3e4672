"""Comparing a practitioner's name with a register's, the way a careful person would.

Case, accents, hyphens, apostrophes, extra spaces, split particles and the order of given and
family names do not matter: "José-María O'Neil" matches "ONEIL, Jose Maria" and
"Maria Jose O Neil".
"""

import re
import unicodedata

# Hyphens and dashes of every kind, and punctuation that separates name parts.
_SEPARATORS = re.compile(r"[\s\-\u2010\u2011\u2012\u2013\u2014_.,;:/]+")
# Apostrophes as typed on any keyboard: O'Neil, O\u2019Neil, O`Neil.
_APOSTROPHES = re.compile(r"['\u2019\u2018`\u00b4]")


def name_tokens(name: str) -> tuple[str, ...]:
    decomposed = unicodedata.normalize("NFKD", name)
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = _APOSTROPHES.sub("", without_marks.casefold())
    folded = folded.replace("ß", "ss").replace("ø", "o").replace("ł", "l").replace("đ", "d")
    return tuple(sorted(_glue_particles([t for t in _SEPARATORS.split(folded) if t])))


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
    return re.sub(r"\s+", "", number).upper()
