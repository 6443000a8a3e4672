import uuid
from datetime import datetime, time
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.date_entry import DayMonthYearField
from casework.registry.forms import JurisdictionField
from casework.scheduling import slots
from casework.scheduling.currencies import currency_choices
from casework.scheduling.models import (
    AvailabilityException,
    AvailabilityWindow,
    PractitionerSchedule,
    modality_choices,
)


class SlotField(forms.Field):
    """A slot's start as it travels in addresses: UTC to the minute, e.g. 2026-05-04T09:00Z."""

    widget = forms.HiddenInput
    default_error_messages = {
        "invalid": _("This time is not available. Please choose another."),
        "required": _("This time is not available. Please choose another."),
    }

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        parsed = slots.parse_slot_id(str(value)[:40], now=timezone.now())
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed

    def prepare_value(self, value: Any) -> Any:
        return slots.slot_id(value) if isinstance(value, datetime) else value


class ConfirmBookingForm(forms.Form):
    start = SlotField()
    where = JurisdictionField(
        label=_("Where will you be during the session?"),
        help_text=_(
            "Social workers may only work with clients in places where their registration "
            "allows it, so we check this before booking."
        ),
    )
    idempotency_key = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("This form is out of date. Please choose the time again."),
            "invalid": _("This form is out of date. Please choose the time again."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["where"].required = True
        self.fields["where"].error_messages["required"] = _(
            "Tell us where you will be during the session."
        )
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Hidden fields have nowhere to show an error: say it for the whole form.
        for name in ("start", "idempotency_key"):
            for error in self.errors.pop(name, []):
                self.add_error(None, error)
        return data


class RescheduleForm(forms.Form):
    start = SlotField()


class EndAppointmentForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ClockField(forms.TimeField):
    """A time of day on the hour or half past (or quarter), as minutes since midnight."""

    def __init__(self, *, end_of_day: bool = False, **kwargs: Any) -> None:
        self.end_of_day = end_of_day
        super().__init__(
            widget=forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M"), **kwargs
        )

    def clean(self, value: Any) -> int | None:
        cleaned: time | None = super().clean(value)
        if cleaned is None:
            return None
        if cleaned.second or cleaned.microsecond or cleaned.minute % 15:
            raise forms.ValidationError(_("Use a time on the quarter hour, such as 09:15."))
        minutes = cleaned.hour * 60 + cleaned.minute
        # An end at 00:00 means midnight at the end of the day.
        return slots.MINUTES_PER_DAY if self.end_of_day and minutes == 0 else minutes


class AvailabilityWindowForm(forms.Form):
    prefix = "window"
    weekday = forms.TypedChoiceField(
        label=_("Day"), choices=AvailabilityWindow.Weekday.choices, coerce=int
    )
    start_minute = ClockField(label=_("From"))
    end_minute = ClockField(
        label=_("Until"), end_of_day=True, help_text=_("00:00 means midnight at the day's end.")
    )


class AvailabilityExceptionForm(forms.Form):
    prefix = "exception"
    on = DayMonthYearField(label=_("Date"))
    kind = forms.ChoiceField(label=_("Kind"), choices=AvailabilityException.Kind.choices)
    start_minute = ClockField(
        label=_("From"), required=False, help_text=_("Leave both times empty for a whole day off.")
    )
    end_minute = ClockField(label=_("Until"), required=False, end_of_day=True)


class BookingRulesForm(forms.ModelForm[PractitionerSchedule]):
    prefix = "rules"

    class Meta:
        model = PractitionerSchedule
        fields = [
            "buffer_before_minutes",
            "buffer_after_minutes",
            "slot_interval_minutes",
            "minimum_notice_hours",
            "max_per_day",
            "horizon_days",
            "cancellation_notice_hours",
            "confirm_first_sessions",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The same limits as the model's constraints, said before the database refuses.
        limits = {
            "buffer_before_minutes": (0, 240),
            "buffer_after_minutes": (0, 240),
            "minimum_notice_hours": (0, 720),
            "max_per_day": (1, 48),
            "horizon_days": (1, 365),
            "cancellation_notice_hours": (0, 336),
        }
        for name, (low, high) in limits.items():
            field = self.fields[name]
            field.validators += [MinValueValidator(low), MaxValueValidator(high)]
            field.widget.attrs.update({"min": low, "max": high})


class SessionTypeForm(forms.Form):
    prefix = "session"
    name = forms.CharField(label=_("Name"), max_length=80)
    duration_minutes = forms.IntegerField(
        label=_("Length (minutes)"), min_value=15, max_value=480, initial=50
    )
    modality = forms.ChoiceField(label=_("How it takes place"), choices=modality_choices)
    place = forms.CharField(
        label=_("Place (for sessions in person)"), max_length=200, required=False
    )
    price = forms.DecimalField(
        label=_("Fee"), min_value=0, max_digits=8, decimal_places=2, initial=0
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=currency_choices)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("modality") == "in_person" and not data.get("place", "").strip():
            self.add_error("place", _("Say where sessions in person take place."))
        return data
