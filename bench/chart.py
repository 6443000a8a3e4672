"""The pages report as a chart: each page's ratio to the one-query floor, per layout, beside
issue 21's targets (0.3 for a page, 0.5 for the API).

    python -m bench.chart bench/results/pages-2026-12-05-small.md

Read from the report's own table, so a chart can be drawn again for any kept report; written
beside it with the same name and ``.png``. ``bench.pages`` draws one after every run.
"""

import argparse
import re
from pathlib import Path

PAGE_TARGET = 0.3
API_TARGET = 0.5
_ROW = re.compile(r"^\| (embedded|scaled) \| (.+?) \|.*\| ([\d.]+) \|$")


def ratios(report: str) -> list[tuple[str, str, float]]:
    """(layout, page, ratio to the one-query floor) for each of Casework's pages in the table."""
    rows = []
    pages_table = report.split("\n## ", 1)[0]  # a report's later sections are other tables
    for line in pages_table.splitlines():
        match = _ROW.match(line.strip())
        if match and not match.group(2).startswith("floor"):
            rows.append((match.group(1), match.group(2).strip("`"), float(match.group(3))))
    return rows


def draw(report_path: Path) -> Path:
    import matplotlib  # a development tool: the application never draws charts

    matplotlib.use("Agg")  # files only, no display
    from matplotlib import pyplot

    rows = ratios(report_path.read_text(encoding="utf-8"))
    if not rows:
        raise SystemExit(f"{report_path}: no page rows in its table")
    pages = list(dict.fromkeys(page for _, page, _ in rows))
    layouts = list(dict.fromkeys(layout for layout, _, _ in rows))
    by = {(layout, page): ratio for layout, page, ratio in rows}
    height = 0.8 / len(layouts)
    figure, axes = pyplot.subplots(figsize=(9, 1.2 + 0.7 * len(pages)))
    for offset, layout in enumerate(layouts):
        positions = [i + offset * height for i in range(len(pages))]
        values = [by.get((layout, page), 0.0) for page in pages]
        bars = axes.barh(positions, values, height=height, label=layout)
        axes.bar_label(bars, fmt="%.2f", padding=3, fontsize=8)
    for i, page in enumerate(pages):
        target = API_TARGET if page.startswith("/api/") else PAGE_TARGET
        top = i - height / 2
        axes.plot([target, target], [top, top + height * len(layouts)], color="black")
    axes.set_yticks([i + height * (len(layouts) - 1) / 2 for i in range(len(pages))], pages)
    axes.invert_yaxis()
    axes.set_xlabel("requests/s as a ratio to the floor's one-query view (black: the target)")
    axes.set_title(report_path.stem)
    axes.legend(loc="lower right")
    figure.tight_layout()
    chart = report_path.with_suffix(".png")
    figure.savefig(chart, dpi=100)
    pyplot.close(figure)
    return chart


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("reports", nargs="+", type=Path)
    for report in parser.parse_args(argv).reports:
        print(f"Drawn {draw(report)}")


if __name__ == "__main__":
    main()
