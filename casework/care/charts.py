"""Trend charts drawn on the server as SVG, each with a text alternative in words.

Only numbers are computed here; the templates (``care/charts/*.svg``) draw them, so every text
in a chart is escaped by the template engine. The caseload's small chart plots the burden
(0 best, 1 worst) so that up means worse on every row whatever the instrument; the larger
chart of a client plots the instrument's own score over its published severity bands.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from casework.care.instruments import Instrument
from casework.care.queries import TrendPoint
from casework.dates import reader_date

SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 120, 28, 3
CHART_WIDTH, CHART_HEIGHT = 640, 220
CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_BOTTOM = 44, 12, 10, 28


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    polyline: str
    last: Dot
    description: str


@dataclass(frozen=True)
class BandArea:
    y: float
    height: float
    concern: int
    label: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class TrendChart:
    code: str
    width: int
    height: int
    left: int
    right: float
    plot_width: float
    top: int
    bottom: float
    bands: list[BandArea]
    ticks: list[Tick]
    polyline: str
    dots: list[Dot]
    first_label: str
    last_label: str
    title: str
    description: str


def _direction(instrument: Instrument, points: list[TrendPoint]) -> str:
    if len(points) < 2:
        return ""
    change = points[-1].burden - points[0].burden
    if abs(change) < 0.05:
        return _("steady")
    return _("worse") if change > 0 else _("better")


def describe(instrument: Instrument, points: list[TrendPoint]) -> str:
    """The trend in words: what a screen reader says instead of the chart."""
    if not points:
        return _("No scores yet.")
    scores = ", ".join(str(point.score) for point in points)
    text = ngettext(
        "%(name)s, %(count)d score, oldest first: %(scores)s.",
        "%(name)s, %(count)d scores, oldest first: %(scores)s.",
        len(points),
    ) % {"name": instrument.name, "count": len(points), "scores": scores}
    band = instrument.band_for(points[-1].score)
    if band is not None:
        text += " " + _("Latest: %(band)s.") % {"band": band.label}
    direction = _direction(instrument, points)
    if direction:
        text += " " + _("Over this time: %(direction)s.") % {"direction": direction}
    text += " " + (
        _("Higher scores are better.") if instrument.higher_is_better else _("Higher is worse.")
    )
    return text


def _xs(count: int, left: float, width: float) -> list[float]:
    if count == 1:
        return [left + width / 2]
    step = width / (count - 1)
    return [left + i * step for i in range(count)]


def sparkline(instrument: Instrument, points: list[TrendPoint]) -> Sparkline | None:
    if not points:
        return None
    inner_w = SPARK_WIDTH - 2 * SPARK_PAD
    inner_h = SPARK_HEIGHT - 2 * SPARK_PAD
    xs = _xs(len(points), SPARK_PAD, inner_w)
    # Burden 1 (worst) at the top.
    ys = [SPARK_PAD + (1 - point.burden) * inner_h for point in points]
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    return Sparkline(
        width=SPARK_WIDTH,
        height=SPARK_HEIGHT,
        polyline=coords,
        last=Dot(round(xs[-1], 1), round(ys[-1], 1), str(points[-1].score)),
        description=describe(instrument, points),
    )


def trend_chart(instrument: Instrument, points: list[TrendPoint]) -> TrendChart:
    low, high = instrument.lowest_score, instrument.highest_score
    plot_w = CHART_WIDTH - CHART_LEFT - CHART_RIGHT
    plot_h = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    bottom = CHART_TOP + plot_h

    def y_of(score: float) -> float:
        return round(CHART_TOP + (1 - (score - low) / (high - low)) * plot_h, 1)

    bands = []
    for band in instrument.bands:
        top_score = band.highest + 0.5 if band.highest < high else high
        low_score = band.lowest - 0.5 if band.lowest > low else low
        y_top = y_of(top_score)
        bands.append(
            BandArea(
                y=y_top,
                height=round(y_of(low_score) - y_top, 1),
                concern=int(band.concern),
                label=str(band.label),
            )
        )
    ticks = [Tick(y_of(low), str(low)), Tick(y_of(high), str(high))]
    ticks += [Tick(y_of(band.lowest), str(band.lowest)) for band in instrument.bands[1:]]
    xs = _xs(len(points), CHART_LEFT + 6, plot_w - 12)
    dots = [
        Dot(
            round(x, 1),
            y_of(point.score),
            f"{reader_date(point.answered_at, 'day_month')}: {point.score}",
        )
        for x, point in zip(xs, points, strict=True)
    ]
    return TrendChart(
        code=instrument.code,
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        left=CHART_LEFT,
        right=CHART_WIDTH - CHART_RIGHT,
        plot_width=plot_w,
        top=CHART_TOP,
        bottom=bottom,
        bands=bands,
        ticks=ticks,
        polyline=" ".join(f"{dot.x},{dot.y}" for dot in dots),
        dots=dots,
        first_label=reader_date(points[0].answered_at, "day_month") if points else "",
        last_label=reader_date(points[-1].answered_at, "day_month") if points else "",
        title=str(instrument.name),
        description=describe(instrument, points),
    )
