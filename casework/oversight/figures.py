"""Small bar charts drawn on the server (SVG, no script), each with its numbers in a table.

Only numbers are computed here; ``oversight/bar_chart.html`` draws them, so every label is
escaped by the template engine. A chart never stands alone: the same figures are in a table
next to it, so nothing depends on seeing the bars or telling colours apart.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from statistics import median

BAR_HEIGHT, BAR_GAP, LABEL_WIDTH, BAR_AREA = 22, 8, 0, 240


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    y: int
    width: int
    text_x: int


@dataclass(frozen=True)
class BarChart:
    key: str
    title: str
    bars: list[Bar]
    width: int
    height: int

    @property
    def total(self) -> int:
        return sum(bar.value for bar in self.bars)


def bar_chart(key: str, title: str, rows: Iterable[tuple[str, int]]) -> BarChart:
    items = list(rows)
    top = max((value for _label, value in items), default=0)
    bars = []
    for index, (label, value) in enumerate(items):
        width = round(BAR_AREA * value / top) if top else 0
        bars.append(
            Bar(
                label=label,
                value=value,
                y=index * (BAR_HEIGHT + BAR_GAP),
                width=max(width, 1 if value else 0),
                text_x=max(width, 1) + 6,
            )
        )
    height = max(len(bars) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP, BAR_HEIGHT)
    return BarChart(key=key, title=title, bars=bars, width=BAR_AREA + 60, height=height)


def median_days(durations_in_seconds: Iterable[float]) -> float | None:
    values = list(durations_in_seconds)
    if not values:
        return None
    return round(median(values) / 86400, 1)
