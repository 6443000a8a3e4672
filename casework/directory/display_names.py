"""Which name pages give a practitioner: the register's name always, a display name beside it
only when it carries the registered family name or a reviewer approved it.

A display name is free text, so without this anyone verified could list under another
practitioner's name. "Amara Okafor" and "Dr Amara Okafor-Eze" carry the family name of
"OKAFOR, Amara"; "Jonas Berg" does not, and waits for review.
"""

from collections.abc import Iterable, Sequence

from casework.registry.names import name_tokens

# Words that belong to the family name that follows them ("van der Berg", "Ní Bhriain").
PARTICLES = frozenset(
    {
        "al", "bin", "bint", "da", "das", "de", "dei", "del", "della", "der", "di", "do", "dos",
        "du", "el", "la", "le", "mac", "mc", "ní", "nic", "o", "ó", "st", "ten", "ter", "van",
        "von", "y",
    }
)  # fmt: skip


def family_name(register_name: str) -> str:
    """The family name in a register's name: before the comma of "FAMILY, Given", else the
    last word with the particles before it."""
    name = " ".join(register_name.split())
    if "," in name:
        return name.split(",", 1)[0].strip()
    words = name.split(" ")
    family = [words[-1]]
    for word in reversed(words[:-1]):
        if word.casefold() not in PARTICLES:
            break
        family.insert(0, word)
    return " ".join(family)


def carries_family_name(display_name: str, register_names: Iterable[str]) -> bool:
    """Whether the display name holds the family name of one of the register's names, compared
    as names are (case, accents, hyphens, apostrophes and order do not matter)."""
    shown = set(name_tokens(display_name))
    for register_name in register_names:
        family = set(name_tokens(family_name(register_name)))
        if family and family <= shown:
            return True
    return False


def display_name_allowed(
    *, display_name: str, approved_display_name: str | None, register_names: Sequence[str]
) -> bool:
    """Whether pages may show this display name beside the registered name."""
    return display_name == approved_display_name or carries_family_name(
        display_name, register_names
    )


def name_to_show(
    *, display_name: str, approved_display_name: str | None, register_names: Sequence[str]
) -> str:
    """What pages call the practitioner: the display name when allowed, else the registered
    name alone. Without a verified registration there is no register name to prefer (such a
    profile is listed nowhere; only its owner sees it)."""
    if not register_names or display_name_allowed(
        display_name=display_name,
        approved_display_name=approved_display_name,
        register_names=register_names,
    ):
        return display_name
    return register_names[0]
