"""Precision and recall of :func:`casework.safety.detection.detect` on the labelled set.

``data/labelled_messages.csv`` holds messages written for Casework in English and Spanish:
realistic exchanges between clients and social workers, the risks detection is for, and hard
negatives (a crisis line's number, WhatsApp in a story, a fee paid on the platform, an insult a
client reports). Columns: ``text``, ``language`` ("en"/"es"), ``categories`` (the expected
category keys, space-separated, empty for none) and ``split``. The split was fixed by a hash of
the text when the set was written: the rules are developed against ``dev`` only, and
``held_out`` says whether they generalise. ``make bench`` prints both halves and the whole; a
test holds the targets on the whole set.

What a label means: the *sender's own* message does the thing. A client telling what someone
else said or did ("he called me a ...", "someone asked my son for gift cards") is not labelled,
and neither are mild exclamations ("bloody hell", "damn") as offensive language.
"""

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from casework.safety import detection

LABELLED_SET = Path(__file__).resolve().parent / "data" / "labelled_messages.csv"
SPLITS = ("dev", "held_out")
CATEGORIES = (
    detection.OFF_PLATFORM_PAYMENT,
    detection.PERSONAL_CHANNEL,
    detection.SEXUAL_CONTENT,
    detection.HARASSMENT,
    detection.THREAT,
    detection.PRESSURE,
    detection.OFFENSIVE_LANGUAGE,
)
# (minimum precision, minimum recall) per category, from the product's requirements.
TARGETS: dict[str, tuple[float, float]] = {
    detection.OFF_PLATFORM_PAYMENT: (0.9, 0.8),
    detection.PERSONAL_CHANNEL: (0.9, 0.8),
    detection.SEXUAL_CONTENT: (0.8, 0.7),
    detection.HARASSMENT: (0.8, 0.7),
}


@dataclass(frozen=True)
class Sample:
    text: str
    language: str
    categories: frozenset[str]
    split: str


@dataclass(frozen=True)
class Score:
    category: str
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0

    @property
    def target(self) -> tuple[float, float] | None:
        return TARGETS.get(self.category)

    @property
    def meets_target(self) -> bool | None:
        if self.target is None:
            return None
        return self.precision >= self.target[0] and self.recall >= self.target[1]


def labelled_samples() -> list[Sample]:
    with LABELLED_SET.open(encoding="utf-8", newline="") as handle:
        return [
            Sample(
                text=row["text"],
                language=row["language"],
                categories=frozenset(row["categories"].split()),
                split=row["split"],
            )
            for row in csv.DictReader(handle)
        ]


def found_categories(sample: Sample) -> frozenset[str]:
    # As the safety screen calls it: without a language, every language's rules.
    return frozenset(d.category for d in detection.detect(sample.text))


def score(samples: Iterable[Sample], found: dict[str, frozenset[str]], category: str) -> Score:
    tp = fp = fn = 0
    for sample in samples:
        expected, got = category in sample.categories, category in found[sample.text]
        tp += expected and got
        fp += got and not expected
        fn += expected and not got
    return Score(category, tp, fp, fn)


def scores(samples: Sequence[Sample]) -> tuple[dict[str, list[Score]], dict[str, frozenset[str]]]:
    """Scores per part ("dev", "held_out", "all"), and what was found in each text."""
    found = {sample.text: found_categories(sample) for sample in samples}
    parts = {split: [s for s in samples if s.split == split] for split in SPLITS}
    parts["all"] = list(samples)
    return (
        {name: [score(part, found, c) for c in CATEGORIES] for name, part in parts.items()},
        found,
    )
