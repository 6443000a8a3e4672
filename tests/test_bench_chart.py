"""The pages report's chart is drawn from the report's own table: every page of Casework, no
row of the floor's, each layout's ratio as printed."""

from pathlib import Path

from bench import chart

REPORT = """Measured 2026-12-05 on 2 cores.

| layout | page | req/s (median) | req/s (rounds) | p50 ms | p95 ms | p99 ms | ratio |
|---|---|---:|---|---:|---:|---:|---:|
| embedded | floor: trivial view | 7,010 | 7010, 6739, 7162 | 1.0 | 3.6 | 5.3 | 19.03 |
| embedded | floor: one-query view | 368 | 365, 376, 368 | 17.1 | 53.5 | 72.0 | 1.00 |
| embedded | `/verify/?number=...` | 316 | 316, 315, 317 | 24.5 | 52.6 | 69.7 | 0.86 |
| scaled | `/verify/?number=...` | 877 | 750, 1133, 877 | 8.4 | 21.4 | 52.0 | 0.54 |
| scaled | `/api/v1/verify?number=...` | 849 | 619, 1041, 849 | 8.3 | 26.8 | 97.8 | 0.52 |
"""


def test_the_ratios_are_read_from_the_reports_table_without_the_floors_rows() -> None:
    assert chart.ratios(REPORT) == [
        ("embedded", "/verify/?number=...", 0.86),
        ("scaled", "/verify/?number=...", 0.54),
        ("scaled", "/api/v1/verify?number=...", 0.52),
    ]


def test_the_chart_is_a_png_beside_its_report(tmp_path: Path) -> None:
    report = tmp_path / "pages-2026-12-05-small.md"
    report.write_text(REPORT, encoding="utf-8")

    drawn = chart.draw(report)

    assert drawn == tmp_path / "pages-2026-12-05-small.png"
    assert drawn.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
