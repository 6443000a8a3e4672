"""Crisis resources per jurisdiction, from the reviewed file ``data/crisis_resources.toml``.

Only confirmed facts are handed out: an unconfirmed number stays in the file for the next review
and is never shown to someone in crisis. A subdivision (GB-SCT) lists its own lines first, then
its country's; a jurisdiction the file does not name gets the fallback entry ("*").
"""

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from babel.lists import format_list

from casework.locales import reader_locale

DATA_FILE = Path(__file__).resolve().parent / "data" / "crisis_resources.toml"
FALLBACK = "*"


@dataclass(frozen=True)
class CrisisLine:
    name: str
    phone: str
    sms: str
    always_open: bool
    hours: str
    url: str
    source: str


@dataclass(frozen=True)
class CrisisResources:
    """What a person in ``jurisdiction_code`` can do right now."""

    jurisdiction_code: str
    emergency_numbers: tuple[str, ...]  # none means: "call your local emergency number"
    emergency_source: str
    lines: tuple[CrisisLine, ...]

    @property
    def is_fallback(self) -> bool:
        return self.jurisdiction_code == FALLBACK

    @property
    def emergency(self) -> str:
        """The numbers to call, joined in the reader's language ("999 or 112", "999 o 112");
        "" when there are none."""
        return format_list(list(self.emergency_numbers), style="or", locale=reader_locale())


@dataclass(frozen=True)
class _Entry:
    emergency: tuple[str, ...]
    emergency_source: str
    lines: tuple[CrisisLine, ...]


def _numbers(emergency: str | list[str]) -> tuple[str, ...]:
    """The data's emergency numbers: a list, each as dialled, or one text for a place whose
    numbers need words of their own."""
    if isinstance(emergency, str):
        return (emergency,) if emergency else ()
    return tuple(emergency)


@cache
def _entries() -> dict[str, _Entry]:
    with DATA_FILE.open("rb") as handle:
        data: dict[str, Any] = tomllib.load(handle)
    entries = {}
    for item in data["jurisdiction"]:
        confirmed_emergency = item.get("emergency_confirmed", False)
        entries[item["code"]] = _Entry(
            emergency=_numbers(item["emergency"]) if confirmed_emergency else (),
            emergency_source=item["emergency_source"] if confirmed_emergency else "",
            lines=tuple(
                CrisisLine(
                    name=line["name"],
                    phone=line["phone"],
                    sms=line["sms"],
                    always_open=line["always_open"],
                    hours=line["hours"],
                    url=line["url"],
                    source=line["source"],
                )
                for line in item.get("line", [])
                if line.get("confirmed", False)
            ),
        )
    return entries


def crisis_resources_for(jurisdiction_code: str | None) -> CrisisResources:
    """The confirmed resources for a jurisdiction (ISO 3166-1 or 3166-2 code), or the fallback."""
    entries = _entries()
    code = (jurisdiction_code or "").strip().upper()
    chain = [code]
    if "-" in code:
        chain.append(code.split("-", 1)[0])
    found = [(c, entries[c]) for c in chain if c in entries]
    if not found:
        fallback = entries[FALLBACK]
        return CrisisResources(
            FALLBACK, fallback.emergency, fallback.emergency_source, fallback.lines
        )
    emergency: tuple[str, ...] = ()
    source = ""
    for _code, entry in found:
        if entry.emergency:
            emergency, source = entry.emergency, entry.emergency_source
            break
    lines = tuple(line for _code, entry in found for line in entry.lines)
    return CrisisResources(found[0][0], emergency, source, lines)


@cache
def service_numbers() -> frozenset[str]:
    """The digits of every crisis line's number, confirmed or not: numbers people may share."""
    with DATA_FILE.open("rb") as handle:
        data: dict[str, Any] = tomllib.load(handle)
    numbers = set()
    for item in data["jurisdiction"]:
        for line in item.get("line", []):
            digits = "".join(char for char in line["phone"] if char.isdigit())
            if digits:
                numbers.add(digits)
    return frozenset(numbers)


def covered_jurisdictions() -> list[str]:
    return sorted(code for code in _entries() if code != FALLBACK)
