"""How well the confidentiality guard does on ``data/labelled_snippets.tsv``.

A label is a kind and the exact words that could identify someone. It is *found* when the guard
returns a span of that kind overlapping those words. A span the guard returns is a *false
alarm* only when it overlaps no label at all: a span of another kind over labelled words
("the only Somali family on Elm Street" highlighted as an address inside a rare combination)
still shows the author the right words. Rows alternate between ``dev`` (the half the rules
were written against) and ``held_out``.
"""

from dataclasses import dataclass

from casework.community.guard.identifiers import (
    ADDRESS,
    CASE_NUMBER,
    DATA,
    DATE,
    EMAIL,
    KINDS,
    NAME,
    PHONE,
    Span,
    find_identifiers,
)

SNIPPETS_FILE = DATA / "labelled_snippets.tsv"

# The product's targets: recall for contact details and dates, names; precision overall.
RECALL_TARGETS = {PHONE: 0.9, EMAIL: 0.9, ADDRESS: 0.9, DATE: 0.9, CASE_NUMBER: 0.9, NAME: 0.8}
PRECISION_TARGET = 0.7


@dataclass(frozen=True)
class Snippet:
    part: str
    language: str
    text: str
    labels: tuple[tuple[str, int, int], ...]  # kind, start, end
    author: str


@dataclass(frozen=True)
class Score:
    kind: str
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        labelled = self.true_positives + self.false_negatives
        return self.true_positives / labelled if labelled else 1.0

    @property
    def target(self) -> float | None:
        return RECALL_TARGETS.get(self.kind)

    @property
    def meets_target(self) -> bool:
        return self.target is None or self.recall >= self.target


def labelled_snippets() -> list[Snippet]:
    snippets: list[Snippet] = []
    lines = SNIPPETS_FILE.read_text(encoding="utf-8").splitlines()
    rows = [line for line in lines if line and not line.startswith("#")]
    for index, row in enumerate(rows):
        language, labels, text, author = row.split("\t")
        spans = []
        for label in filter(None, labels.split("|")):
            kind, words = label.split("=", 1)
            if kind not in KINDS or words not in text:
                raise ValueError(f"row {index + 1}: bad label {label!r}")
            start = text.index(words)
            spans.append((kind, start, start + len(words)))
        part = "dev" if index % 2 == 0 else "held_out"
        snippets.append(Snippet(part, language, text, tuple(spans), author))
    return snippets


@dataclass
class Outcome:
    found: dict[str, list[int]]  # kind -> [true positives, false positives, false negatives]
    misses: list[tuple[Snippet, str, str]]  # snippet, kind, words


def _overlap(span: Span, start: int, end: int) -> bool:
    return span.start < end and start < span.end


def evaluate(snippets: list[Snippet]) -> Outcome:
    counts = {kind: [0, 0, 0] for kind in KINDS}
    misses: list[tuple[Snippet, str, str]] = []
    for snippet in snippets:
        authors = [snippet.author] if snippet.author else []
        spans = find_identifiers(snippet.text, author_names=authors)
        for kind, start, end in snippet.labels:
            if any(s.kind == kind and _overlap(s, start, end) for s in spans):
                counts[kind][0] += 1
            else:
                counts[kind][2] += 1
                misses.append((snippet, kind, snippet.text[start:end]))
        for span in spans:
            if not any(_overlap(span, start, end) for _, start, end in snippet.labels):
                counts[span.kind][1] += 1
                misses.append((snippet, "false " + span.kind, snippet.text[span.start : span.end]))
    return Outcome(counts, misses)


def scores(outcome: Outcome) -> list[Score]:
    return [Score(kind, *outcome.found[kind]) for kind in KINDS]


def overall_precision(part: list[Score]) -> float:
    tp = sum(s.true_positives for s in part)
    fp = sum(s.false_positives for s in part)
    return tp / (tp + fp) if tp + fp else 1.0
