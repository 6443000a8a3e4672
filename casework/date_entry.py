"""A date typed as three boxes, day, month and year, in the reader's order: the one field for
every date a person enters.

``<input type="date">`` shows the browser's order, not the page's: Chromium set to US English
shows mm/dd/yyyy to a reader of the British or Spanish page, and 03/12 is then read either way.
Three labelled boxes in a fieldset (the GOV.UK design system's date input) cannot be misread,
work without JavaScript and say precisely what is wrong ("The date must include a month").

The form posts ``<name>_day``, ``<name>_month`` and ``<name>_year``. A single ISO value under
``<name>`` ("2026-12-03") is still read, so the API and links keep their one value.
"""

import re
from datetime import date
from typing import Any, Final

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casework.locales import reader_date_locale

PARTS: Final = ("day", "month", "year")
_LABELS: Final = {"day": _("Day"), "month": _("Month"), "year": _("Year")}
# The example in the hint: a day above 12, so that its order cannot be mistaken.
_EXAMPLE: Final = {"day": "27", "month": "3", "year": "2027"}
_FIELD_LETTERS: Final = {"d": "day", "M": "month", "L": "month", "y": "year"}


def reader_order() -> tuple[str, ...]:
    """Day, month and year in the order the reader's locale writes a short date (CLDR):
    ("day", "month", "year") in British English and Spanish, month first in US English."""
    pattern = re.sub(r"'[^']*'", "", str(reader_date_locale().date_formats["short"]))
    order: list[str] = []
    for letter in pattern:
        part = _FIELD_LETTERS.get(letter)
        if part and part not in order:
            order.append(part)
    return tuple(order) if len(order) == len(PARTS) else PARTS


def _example_hint() -> str:
    example = " ".join(_EXAMPLE[part] for part in reader_order())
    return gettext("For example, %(example)s") % {"example": example}


example_hint = lazy(_example_hint, str)


class DayMonthYearInput(forms.Widget):
    """Three numeric boxes in the reader's order, rendered inside the field's fieldset."""

    template_name = "shell/widgets/day_month_year.html"
    use_fieldset = True

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if name in data:
            return data.get(name)  # one ISO value: the API and links
        return [data.get(f"{name}_{part}") for part in PARTS]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and all(f"{name}_{part}" not in data for part in PARTS)

    def id_for_label(self, id_: str) -> str:
        # The error summary's link goes to the first box the reader sees.
        return f"{id_}_{reader_order()[0]}" if id_ else id_

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        attrs = dict(context["widget"]["attrs"])
        id_ = attrs.pop("id", "")
        # The fieldset carries the hint and the error; each box has its own label.
        attrs.pop("aria-describedby", None)
        invalid = attrs.pop("aria-invalid", None)
        values = _parts_of(value)
        filled = [part for part in PARTS if values[part]]
        boxes = []
        for part in reader_order():
            box_attrs = attrs | {
                "inputmode": "numeric",
                "class": f"date-part__input date-part__input--{part}",
                "maxlength": "4" if part == "year" else "2",
            }
            if id_:
                box_attrs["id"] = f"{id_}_{part}"
            # When some boxes are filled, the empty ones are what is wrong.
            if invalid and (not filled or len(filled) == len(PARTS) or part not in filled):
                box_attrs["aria-invalid"] = "true"
            boxes.append(
                {
                    "part": part,
                    "name": f"{name}_{part}",
                    "label": _LABELS[part],
                    "value": values[part],
                    "attrs": box_attrs,
                }
            )
        context["widget"]["boxes"] = boxes
        return context


def _parts_of(value: Any) -> dict[str, str]:
    """What each box shows: a date's parts, or what was typed (kept, to be corrected)."""
    if isinstance(value, date):
        return {"day": str(value.day), "month": str(value.month), "year": str(value.year)}
    if isinstance(value, str):
        try:
            return _parts_of(date.fromisoformat(value))
        except ValueError:
            return dict.fromkeys(PARTS, "")
    if isinstance(value, list | tuple) and len(value) == len(PARTS):
        return {part: str(typed or "")[:10] for part, typed in zip(PARTS, value, strict=True)}
    return dict.fromkeys(PARTS, "")


_MISSING: Final[dict[tuple[str, ...], Any]] = {
    ("day",): _("The date must include a day."),
    ("month",): _("The date must include a month."),
    ("year",): _("The date must include a year."),
}


class DayMonthYearField(forms.DateField):
    """A date from three boxes, with an error that says which box is wrong and how."""

    widget = DayMonthYearInput
    default_error_messages = {
        "required": _("Enter the day, the month and the year."),
        "incomplete": _("The date must include a day, a month and a year."),
        "numbers": _("Enter the day, the month and the year as numbers."),
        "year": _("Enter the year with four digits, such as 2027."),
        "month": _("The month must be a number from 1 to 12."),
        "impossible": _("That date does not exist: check the day and the month."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", example_hint())
        # A single value is ISO only: Django's English input formats would read "03/12/2026"
        # as the 12th of March, the very ambiguity the three boxes remove.
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> date | None:
        if not isinstance(value, list | tuple):
            return super().to_python(value)  # one ISO value, or a date
        if len(value) != len(PARTS):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        typed = {
            part: (piece.strip() if isinstance(piece, str) else "")
            for part, piece in zip(PARTS, value, strict=True)
        }
        missing = tuple(part for part in PARTS if not typed[part])
        if len(missing) == len(PARTS):
            return None  # empty: "required" if the date is required
        if missing:
            message = _MISSING.get(missing, self.error_messages["incomplete"])
            raise ValidationError(message, code="incomplete")
        if not all(typed[part].isascii() and typed[part].isdigit() for part in PARTS):
            raise ValidationError(self.error_messages["numbers"], code="numbers")
        day, month, year = (int(typed[part]) for part in PARTS)
        if len(typed["year"]) != 4:
            raise ValidationError(self.error_messages["year"], code="year")
        if not 1 <= month <= 12:
            raise ValidationError(self.error_messages["month"], code="month")
        try:
            return date(year, month, day)
        except ValueError:
            raise ValidationError(self.error_messages["impossible"], code="impossible") from None
