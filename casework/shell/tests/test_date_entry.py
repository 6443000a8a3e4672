"""A date typed as day, month and year (``casework/date_entry.py``): the boxes in the reader's
order inside a fieldset with its legend and hint, and a clear error for each way a date can be
wrong, so that no reader meets a browser's mm/dd/yyyy."""

import re
from datetime import date
from typing import Any

import pytest
from babel import Locale
from django import forms
from django.template.loader import render_to_string
from django.utils import translation

from casework import date_entry
from casework.date_entry import DayMonthYearField, reader_order


class ContactForm(forms.Form):
    session_on = DayMonthYearField(label="Date of the contact")
    follow_up_on = DayMonthYearField(label="Follow-up", required=False)


def _typed(day: str, month: str, year: str) -> dict[str, str]:
    return {"session_on_day": day, "session_on_month": month, "session_on_year": year}


def _error(data: dict[str, Any]) -> str:
    form = ContactForm(data)
    assert not form.is_valid()
    return str(form.errors["session_on"][0])


def _box_order(page: str) -> list[str]:
    return re.findall(r'name="session_on_(day|month|year)"', page)


def test_the_three_boxes_make_a_date() -> None:
    form = ContactForm(_typed("3", "12", "2026"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"session_on": date(2026, 12, 3), "follow_up_on": None}


def test_one_iso_value_is_still_read_for_the_api_and_links() -> None:
    form = ContactForm({"session_on": "2026-12-03"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["session_on"] == date(2026, 12, 3)
    assert "session_on" in ContactForm({"session_on": "03/12/2026"}).errors


@pytest.mark.parametrize("language", ["en", "es"])
def test_british_and_spanish_readers_type_the_day_first(language: str) -> None:
    with translation.override(language):
        assert reader_order() == ("day", "month", "year")
        page = render_to_string("shell/form_fields.html", {"form": ContactForm()})
    assert _box_order(page) == ["day", "month", "year"]


def test_a_reader_whose_locale_puts_the_month_first_gets_the_month_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No page is written in US English today; the order still comes from CLDR, not from us.
    monkeypatch.setattr(date_entry, "reader_date_locale", lambda: Locale.parse("en_US"))
    page = render_to_string("shell/form_fields.html", {"form": ContactForm()})
    assert _box_order(page) == ["month", "day", "year"]
    assert "For example, 3 27 2027" in page
    assert 'for="id_session_on_month"' in page


def test_the_boxes_sit_in_a_fieldset_with_the_label_as_legend_and_a_hint() -> None:
    with translation.override("en"):
        page = render_to_string("care/fields.html", {"form": ContactForm()})
    fieldset = page[page.index("<fieldset") : page.index("</fieldset>")]
    assert re.search(r"<legend>Date of the contact <span", fieldset)
    assert 'aria-describedby="id_session_on_helptext"' in fieldset
    assert '<div class="hint" id="id_session_on_helptext">For example, 27 3 2027</div>' in fieldset
    for part, label in (("day", "Day"), ("month", "Month"), ("year", "Year")):
        assert f'<label class="date-part__label" for="id_session_on_{part}">{label}</label>' in (
            fieldset
        )
    assert 'type="date"' not in page
    assert 'inputmode="numeric"' in fieldset


def test_the_thirty_first_of_february_is_refused_plainly() -> None:
    assert _error(_typed("31", "2", "2027")) == (
        "That date does not exist: check the day and the month."
    )
    assert _error(_typed("29", "2", "2027")) == (
        "That date does not exist: check the day and the month."
    )
    assert ContactForm(_typed("29", "2", "2028")).is_valid()  # a leap year


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (("", "12", "2026"), "The date must include a day."),
        (("3", "", "2026"), "The date must include a month."),
        (("3", "12", ""), "The date must include a year."),
        (("3", "", ""), "The date must include a day, a month and a year."),
        (("", "", ""), "Enter the day, the month and the year."),
        (("3", "dic", "2026"), "Enter the day, the month and the year as numbers."),
        (("3", "12", "26"), "Enter the year with four digits, such as 2027."),
        (("3", "13", "2026"), "The month must be a number from 1 to 12."),
    ],
)
def test_each_wrong_or_missing_part_gets_its_own_error(
    typed: tuple[str, str, str], message: str
) -> None:
    assert _error(_typed(*typed)) == message


def test_an_optional_date_may_be_left_empty_but_not_half_filled() -> None:
    data = _typed("3", "12", "2026")
    assert ContactForm(data | {"follow_up_on_day": "", "follow_up_on_month": ""}).is_valid()
    half = ContactForm(data | {"follow_up_on_day": "4", "follow_up_on_year": "2026"})
    assert half.errors["follow_up_on"] == ["The date must include a month."]


def test_what_was_typed_comes_back_and_the_empty_box_is_marked() -> None:
    form = ContactForm(_typed("3", "", "2026"))
    assert not form.is_valid()
    page = render_to_string("shell/form_fields.html", {"form": form})
    day = re.search(r"<input[^>]*session_on_day[^>]*>", page)
    month = re.search(r"<input[^>]*session_on_month[^>]*>", page)
    assert day is not None
    assert month is not None
    assert 'value="3"' in day.group(0)
    assert "aria-invalid" not in day.group(0)
    assert 'aria-invalid="true"' in month.group(0)
    # The error summary's link reaches the first box.
    assert 'href="#id_session_on_day">Date of the contact: The date must include a month.' in page
    assert 'aria-describedby="id_session_on_helptext id_session_on_error"' in page


def test_a_known_date_fills_the_boxes() -> None:
    form = ContactForm(initial={"session_on": date(2026, 6, 3)})
    page = render_to_string("shell/form_fields.html", {"form": form})
    assert re.search(r'name="session_on_day" value="3"', page)
    assert re.search(r'name="session_on_month" value="6"', page)
    assert re.search(r'name="session_on_year" value="2026"', page)


@pytest.mark.parametrize(
    "hostile", [["first", "second"], "\x00", "9" * 40, "2026-13-45", "<b>1</b>"]
)
def test_hostile_parts_get_a_form_error_not_a_crash(hostile: Any) -> None:
    form = ContactForm(_typed(hostile, hostile, hostile))
    assert not form.is_valid()
    assert form.errors["session_on"]
    render_to_string("shell/form_fields.html", {"form": form})
