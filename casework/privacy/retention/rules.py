"""The retention rules, read from the reviewed data file and checked before anything uses them.

A malformed file raises ``RetentionDataError`` naming the entry and what is wrong with it; the
system check (``casework.privacy.checks``) turns that into an error, so the application refuses
to start rather than keep or remove data by a rule nobody meant.
"""

import tomllib
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

RULES_FILE = Path(__file__).resolve().parent.parent / "data" / "retention.toml"
EVERYWHERE = "*"
BASES = ("law", "guidance", "policy")


class RetentionDataError(ValueError):
    """The retention file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class DataClass:
    key: str
    name: str
    starts: str
    removal: str


@dataclass(frozen=True)
class Rule:
    data_class: str
    jurisdiction: str
    keep_days: int
    basis: str
    source: str
    confirmed: bool
    note: str

    @property
    def keep(self) -> timedelta:
        return timedelta(days=self.keep_days)


@dataclass(frozen=True)
class Rules:
    data_classes: dict[str, DataClass]
    rules: tuple[Rule, ...]

    def rule_for(self, data_class: str, jurisdiction: str | None) -> Rule:
        """The rule for ``data_class`` where the client lives: the subdivision's own, else its
        country's, else everywhere's."""
        by_place = {r.jurisdiction: r for r in self.rules if r.data_class == data_class}
        code = (jurisdiction or "").upper()
        for candidate in (code, code.split("-")[0]):
            if candidate and candidate in by_place:
                return by_place[candidate]
        return by_place[EVERYWHERE]

    def rules_of(self, data_class: str) -> list[Rule]:
        return [r for r in self.rules if r.data_class == data_class]


def rules_file() -> Path:
    return Path(getattr(settings, "RETENTION_RULES_FILE", RULES_FILE))


@cache
def _load_cached(path: Path) -> Rules:
    return load_rules(path)


def current_rules() -> Rules:
    """The rules in force (read once per process; the file changes only with a release)."""
    return _load_cached(rules_file())


def load_rules(path: Path) -> Rules:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise RetentionDataError(f"{path}: cannot be read ({error.strerror})") from error
    except tomllib.TOMLDecodeError as error:
        raise RetentionDataError(f"{path}: not valid TOML ({error})") from error
    classes = _data_classes(path, data.get("data_class", []))
    rules = tuple(_rule(path, n, entry, classes) for n, entry in enumerate(data.get("rule", []), 1))
    seen: set[tuple[str, str]] = set()
    for rule in rules:
        place = (rule.data_class, rule.jurisdiction)
        if place in seen:
            raise RetentionDataError(
                f"{path}: two rules for {rule.data_class} in {rule.jurisdiction}"
            )
        seen.add(place)
    for key in classes:
        if (key, EVERYWHERE) not in seen:
            raise RetentionDataError(
                f'{path}: data class {key} has no rule for "*" (everywhere else)'
            )
    return Rules(data_classes=classes, rules=rules)


def _text(path: Path, where: str, entry: dict[str, Any], field: str, *, required: bool) -> str:
    value = entry.get(field, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise RetentionDataError(f"{path}: {where}: {field} must be non-empty text")
    return value.strip()


def _data_classes(path: Path, entries: Any) -> dict[str, DataClass]:
    if not isinstance(entries, list) or not entries:
        raise RetentionDataError(f"{path}: no [[data_class]] entries")
    classes: dict[str, DataClass] = {}
    for n, entry in enumerate(entries, 1):
        where = f"data_class {n}"
        found = DataClass(
            key=_text(path, where, entry, "key", required=True),
            name=_text(path, where, entry, "name", required=True),
            starts=_text(path, where, entry, "starts", required=True),
            removal=_text(path, where, entry, "removal", required=True),
        )
        if found.key in classes:
            raise RetentionDataError(f"{path}: data class {found.key} is declared twice")
        classes[found.key] = found
    return classes


def _rule(path: Path, n: int, entry: dict[str, Any], classes: dict[str, DataClass]) -> Rule:
    where = f"rule {n}"
    data_class = _text(path, where, entry, "data_class", required=True)
    if data_class not in classes:
        raise RetentionDataError(f"{path}: {where}: unknown data class {data_class!r}")
    jurisdiction = _text(path, where, entry, "jurisdiction", required=True)
    if jurisdiction != EVERYWHERE and not _looks_like_a_place(jurisdiction):
        raise RetentionDataError(
            f'{path}: {where}: jurisdiction {jurisdiction!r} is not an ISO 3166 code or "*"'
        )
    keep_days = entry.get("keep_days")
    if not isinstance(keep_days, int) or isinstance(keep_days, bool) or keep_days < 0:
        raise RetentionDataError(f"{path}: {where}: keep_days must be a whole number, 0 or more")
    basis = _text(path, where, entry, "basis", required=True)
    if basis not in BASES:
        raise RetentionDataError(f"{path}: {where}: basis must be one of {', '.join(BASES)}")
    source = _text(path, where, entry, "source", required=basis != "policy")
    if source and not source.startswith("https://"):
        raise RetentionDataError(f"{path}: {where}: source must be an https:// address")
    confirmed = entry.get("confirmed")
    if not isinstance(confirmed, bool):
        raise RetentionDataError(f"{path}: {where}: confirmed must be true or false")
    if confirmed and not source:
        raise RetentionDataError(f"{path}: {where}: a confirmed period needs its source")
    return Rule(
        data_class=data_class,
        jurisdiction=jurisdiction,
        keep_days=keep_days,
        basis=basis,
        source=source,
        confirmed=confirmed,
        note=_text(path, where, entry, "note", required=True),
    )


def _looks_like_a_place(code: str) -> bool:
    country, _, subdivision = code.partition("-")
    return (
        len(country) == 2
        and country.isalpha()
        and country.isupper()
        and (not subdivision or (subdivision.isalnum() and subdivision.isupper()))
    )
