"""The pages report's chart is drawn from the report's own table: every page of Casework, no
row of the floor's, each layout's ratio as printed; the messaging peer's table joins the same
report and README without being read as pages."""

from pathlib import Path

import pytest

from bench import chart, messaging, pages
from bench.synapse import SendFigures

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


def test_the_peer_s_table_gives_both_rates_and_both_targets() -> None:
    volume = messaging.Volume(conversations=50, messages=400)
    ahead = messaging.PeerResult(
        "embedded (SQLite)",
        volume,
        SendFigures(60.0, 90.0, 150.0, 0),
        SendFigures(10.0, 200.0, 400.0, 0),
    )
    behind = messaging.PeerResult(
        "scaled (PostgreSQL + Redis)",
        volume,
        SendFigures(26.0, 250.0, 658.0, 1),
        SendFigures(29.0, 252.0, 500.0, 0),
    )

    rows = messaging.peer_table([ahead, behind])[-2:]

    assert rows == [
        "| embedded (SQLite) | 400 (50) | 60 | 90.0 | 150.0 | 10 | 200.0 | 400.0 | 6.00 | yes |",
        "| scaled (PostgreSQL + Redis) (1 failed) | 400 (50) | 26 | 250.0 | 658.0 | 29 | 252.0"
        " | 500.0 | 0.90 | no |",
    ]


def test_the_peer_s_table_joins_the_report_and_the_readme(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(
        "intro\n<!-- bench:messaging -->\nold\n<!-- /bench:messaging -->\nafter\n", encoding="utf-8"
    )
    monkeypatch.setattr(pages, "README", readme)
    report = tmp_path / "pages-2026-12-05-small.md"
    report.write_text(REPORT, encoding="utf-8")
    table = (
        "| embedded (SQLite) | 400 (50) | 60 | 90.0 | 150.0 | 10 | 200.0 | 400.0 | 6.00 | yes |\n"
    )

    pages.add_to_report(report, "messaging", "Messages sent beside Matrix Synapse", table)

    assert report.read_text(encoding="utf-8").endswith(
        "\n## Messages sent beside Matrix Synapse\n\n" + table
    )
    assert readme.read_text(encoding="utf-8") == (
        "intro\n<!-- bench:messaging -->\n" + table + "<!-- /bench:messaging -->\nafter\n"
    )


def test_only_the_pages_table_is_charted_whatever_a_later_section_holds() -> None:
    later = "\n## Another table of the run\n\n| scaled | `/` | 1 | 1 | 1.0 | 1.0 | 1.0 | 9.99 |\n"

    assert chart.ratios(REPORT + later) == chart.ratios(REPORT)
