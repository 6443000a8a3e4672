"""The rules moderators act under, from the reviewed file ``data/rules.toml``: each decision
names one, and its statement of reasons quotes it in the reader's language."""

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.utils import translation

DATA_FILE = Path(__file__).resolve().parent / "data" / "rules.toml"


@dataclass(frozen=True)
class Rule:
    key: str
    titles: dict[str, str]
    texts: dict[str, str]

    @property
    def title(self) -> str:
        return self.titles.get(_language(), self.titles["en"])

    @property
    def text(self) -> str:
        return self.texts.get(_language(), self.texts["en"])


def _language() -> str:
    return (translation.get_language() or "en").split("-")[0]


@cache
def all_rules() -> dict[str, Rule]:
    with DATA_FILE.open("rb") as handle:
        data: dict[str, Any] = tomllib.load(handle)
    return {
        entry["key"]: Rule(
            key=entry["key"],
            titles={"en": entry["title_en"], "es": entry["title_es"]},
            texts={"en": entry["text_en"], "es": entry["text_es"]},
        )
        for entry in data["rule"]
    }


def rule(key: str) -> Rule | None:
    return all_rules().get(key)


def choices() -> list[tuple[str, str]]:
    return [(found.key, found.title) for found in all_rules().values()]
