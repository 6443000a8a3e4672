"""The confidentiality guard at the door of every article and comment.

``check_text`` raises :class:`IdentifiersFound` with the spans the guard found, unless the author
confirmed every kind of them ("these are not about a client"). What is recorded of a
confirmation is the kinds only, never the words.
"""

from collections.abc import Iterable, Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from casework.accounts.models import User
from casework.community.guard.identifiers import KINDS, Span, find_identifiers


class IdentifiersFound(Exception):
    def __init__(self, text: str, spans: Sequence[Span]) -> None:
        super().__init__("identifiers found")
        self.text = text
        self.spans = list(spans)

    @property
    def kinds(self) -> list[str]:
        return sorted({span.kind for span in self.spans})


def author_names(author: User | None) -> list[str]:
    if author is None:
        return []
    return [name for name in (author.legal_name, author.alias) if name]


def check_text(text: str, *, author: User | None, confirmed: Iterable[str]) -> list[str]:
    """The kinds found in ``text`` that the author confirmed; raises when one is unconfirmed."""
    spans = find_identifiers(text, author_names=author_names(author))
    kinds = sorted({span.kind for span in spans})
    if not set(kinds) <= set(confirmed):
        raise IdentifiersFound(text, spans)
    return kinds


def valid_kinds(values: Iterable[str]) -> list[str]:
    return sorted({value for value in values if value in KINDS})


def highlighted(text: str, spans: Sequence[Span]) -> SafeString:
    """The author's text, escaped, with each span in a numbered ``<mark>``; overlapping spans
    are marked once, from the first one's start to the last one's end."""
    pieces: list[tuple[str, str]] = []
    position = 0
    for number, (start, end) in enumerate(_stretches(spans), start=1):
        pieces.append((text[position:start], ""))
        pieces.append((text[start:end], str(number)))
        position = end
    pieces.append((text[position:], ""))
    return format_html_join(
        "",
        "{}",
        (
            (
                format_html('<mark class="community-guard-mark">{}<sup>{}</sup></mark>', words, n)
                if n
                else words,
            )
            for words, n in pieces
        ),
    )


def _stretches(spans: Sequence[Span]) -> list[tuple[int, int]]:
    stretches: list[tuple[int, int]] = []
    for span in sorted(spans, key=lambda s: s.start):
        if stretches and span.start < stretches[-1][1]:
            stretches[-1] = (stretches[-1][0], max(stretches[-1][1], span.end))
        else:
            stretches.append((span.start, span.end))
    return stretches


def findings(text: str, spans: Sequence[Span]) -> list[dict[str, object]]:
    """One line per highlighted stretch: its number, its words and why (each kind once)."""
    lines = []
    for number, (start, end) in enumerate(_stretches(spans), start=1):
        inside = [s for s in spans if s.start < end and start < s.end]
        reasons = list(dict.fromkeys(str(s.reason) for s in inside))
        labels = list(dict.fromkeys(str(s.label) for s in inside))
        lines.append(
            {"number": number, "words": text[start:end], "labels": labels, "reasons": reasons}
        )
    return lines
