"""Dates as the reader reads them (``casework/dates.py``, ``{% load reader_dates %}``): in their
language and order, Spanish names in lower case as CLDR writes them, on the active time zone's
clock; and no template left formatting a date a person reads with Django's ``date`` filter."""

import re
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import timezone, translation

from casework.dates import DATE_STYLES, reader_date, reader_datetime, reader_time

CASEWORK_DIR = Path(__file__).resolve().parents[2]
# Thursday 3 December 2026, 13:30 in London and UTC, 14:30 in Madrid.
MOMENT = datetime(2026, 12, 3, 13, 30, tzinfo=UTC)
MADRID = ZoneInfo("Europe/Madrid")


def _render(source: str, language: str, zone: ZoneInfo = MADRID, **values: object) -> str:
    with translation.override(language), timezone.override(zone):
        return Template("{% load reader_dates %}" + source).render(Context(values))


@pytest.mark.parametrize(
    ("style", "english", "spanish"),
    [
        ("full", "Thursday, 3 December 2026", "jueves, 3 de diciembre de 2026"),
        ("long", "3 December 2026", "3 de diciembre de 2026"),
        ("short", "3 Dec 2026", "3 dic 2026"),
        ("weekday", "Thu, 3 Dec 2026", "jue, 3 dic 2026"),
        ("day", "Thursday 3 December", "jueves, 3 de diciembre"),
        ("brief", "Thu 3 Dec", "jue, 3 dic"),
        ("month", "December 2026", "diciembre de 2026"),
    ],
)
def test_each_date_style_reads_in_british_english_and_lower_case_spanish(
    style: str, english: str, spanish: str
) -> None:
    source = f'{{{{ moment|reader_date:"{style}" }}}}'
    assert _render(source, "en", moment=MOMENT) == english
    assert _render(source, "es", moment=MOMENT) == spanish


def test_english_dates_put_the_day_before_the_month_not_the_us_order() -> None:
    assert _render('{{ day|reader_date:"short" }}', "en", day=date(2026, 3, 4)) == "4 Mar 2026"


def test_a_moment_is_shown_on_the_active_zones_clock() -> None:
    late = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)  # already Friday in Madrid
    source = '{{ moment|reader_datetime:"day" }}'
    assert _render(source, "es", moment=late) == "viernes, 4 de diciembre, 0:30"
    assert _render(source, "en", ZoneInfo("UTC"), moment=late) == "Thursday 3 December, 23:30"
    assert _render("{{ moment|reader_time }}", "en", moment=MOMENT) == "14:30"


def test_a_timezone_block_in_a_template_chooses_the_clock() -> None:
    source = (
        '{% load tz %}{% timezone "America/New_York" %}{{ moment|reader_time }}{% endtimezone %}'
    )
    assert _render(source, "en", moment=MOMENT) == "08:30"


def test_date_and_time_join_as_the_locale_joins_them() -> None:
    assert _render('{{ m|reader_datetime:"short" }}', "en", m=MOMENT) == "3 Dec 2026, 14:30"
    assert _render('{{ m|reader_datetime:"brief" }}', "es", m=MOMENT) == "jue, 3 dic, 14:30"


def test_a_date_or_a_time_of_day_is_shown_as_it_is() -> None:
    assert (
        _render('{{ d|reader_date:"day" }}', "es", d=date(2026, 12, 3)) == "jueves, 3 de diciembre"
    )
    assert _render("{{ t|reader_time }}", "en", t=time(9, 5)) == "09:05"
    assert _render('{{ d|reader_datetime:"short" }}', "es", d=date(2026, 12, 3)) == "3 dic 2026"


def test_nothing_shows_nothing() -> None:
    source = '[{{ none|reader_date:"short" }}{{ none|reader_time }}{{ text|reader_datetime }}]'
    assert _render(source, "en", none=None, text="") == "[]"


def test_the_python_side_reads_the_same() -> None:
    with translation.override("es"), timezone.override(MADRID):
        assert reader_date(MOMENT, "day") == "jueves, 3 de diciembre"
        assert reader_time(MOMENT) == "14:30"
        assert reader_datetime(MOMENT, "short") == "3 dic 2026, 14:30"


def test_an_unknown_style_is_refused() -> None:
    with pytest.raises(ValueError, match="No date style 'fancy'"):
        reader_date(MOMENT, "fancy")


# Django's date filter stays only for machine-readable values: ISO 8601 ("c") for <time
# datetime="…"> and the like. Anything a person reads goes through the reader's filters.
MACHINE_FORMATS = {"c", "U", "Y-m-d"}
DJANGO_DATE_FILTER = re.compile(r"\|(date|time)(?::(\"[^\"]*\"|'[^']*'|[\w.]+))?(?=[\s|}%])")
READER_STYLE = re.compile(r"\|reader_(?:date|datetime):(\"[^\"]*\"|'[^']*')")


def _templates() -> list[Path]:
    return sorted(
        path
        for path in CASEWORK_DIR.rglob("templates/**/*")
        if path.suffix in {".html", ".txt"} and path.is_file()
    )


def test_no_template_formats_a_date_for_people_with_djangos_date_filter() -> None:
    found = []
    for path in _templates():
        for match in DJANGO_DATE_FILTER.finditer(path.read_text()):
            argument = (match.group(2) or "").strip("\"'")
            if match.group(1) == "time" or argument not in MACHINE_FORMATS:
                found.append(f"{path.relative_to(CASEWORK_DIR)}: {match.group(0)}")
    assert found == []


def test_the_scan_would_see_a_date_filter_with_names() -> None:
    assert DJANGO_DATE_FILTER.search('{{ at|date:"D j M" }}')
    assert DJANGO_DATE_FILTER.search("{{ at|time }}")
    iso = DJANGO_DATE_FILTER.search("{{ at|date:'c' }}")
    assert iso is not None
    assert iso.group(2).strip("'") in MACHINE_FORMATS


def test_every_style_a_template_names_exists() -> None:
    named = {
        match.group(1).strip("\"'")
        for path in _templates()
        for match in READER_STYLE.finditer(path.read_text())
    }
    assert named
    assert named <= set(DATE_STYLES)


def test_no_python_module_formats_dates_for_people_with_django() -> None:
    found = [
        str(path.relative_to(CASEWORK_DIR))
        for path in CASEWORK_DIR.rglob("*.py")
        if "tests" not in path.parts and re.search(r"\bdate_format\(", path.read_text())
    ]
    assert found == []


def test_a_date_that_heads_a_list_of_free_times_starts_with_a_capital_in_spanish() -> None:
    # Lower case inside a sentence, as CLDR writes it; a heading starts with a capital.
    days = [{"day": date(2026, 12, 3), "times": []}]
    with translation.override("es"):
        spanish = render_to_string("scheduling/slot_days.html", {"days": days, "zone": MADRID})
    with translation.override("en"):
        english = render_to_string("scheduling/slot_days.html", {"days": days, "zone": MADRID})
    assert "<h3>Jueves, 3 de diciembre</h3>" in spanish
    assert "<h3>Thursday 3 December</h3>" in english
