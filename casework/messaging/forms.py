import uuid
from datetime import time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from casework.messaging import policy
from casework.messaging.attachments import CheckedFile, allowed_extensions_text, check_upload
from casework.messaging.models import OfficeHours
from casework.messaging.services import clean_body
from casework.registry.forms import JurisdictionField


class MessageForm(forms.Form):
    """A message and, optionally, one file. Cleans ``body`` to the stored text and
    ``attachment`` to a checked file (type read from the content)."""

    body = forms.CharField(
        label=_("Your message"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    attachment = forms.FileField(
        label=_("Attach a file"),
        required=False,
        help_text="",
    )
    # A new key each time the form is shown: a submit sent twice (a lost response, a double
    # click) stores one message.
    idempotency_key = forms.UUIDField(
        widget=forms.HiddenInput,
        required=False,
        error_messages={"invalid": _("This form is out of date. Please write your message again.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())
        if "attachment" not in self.fields:  # a text-only form (the chat beside a call)
            return
        megabytes = policy.attachment_max_bytes() // (1024 * 1024)
        self.fields["attachment"].help_text = _(
            "Optional. %(types)s, up to %(size)d MB. Only the people in this conversation can "
            "open it."
        ) % {"types": allowed_extensions_text(), "size": megabytes}

    def clean_attachment(self) -> CheckedFile | None:
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return None
        return check_upload(upload)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # A hidden field has nowhere to show its error: say it for the whole form.
        for error in self.errors.pop("idempotency_key", []):
            self.add_error(None, error)
        if "attachment" in self.errors:
            return cleaned
        try:
            cleaned["body"] = clean_body(
                cleaned.get("body") or "", has_files=cleaned.get("attachment") is not None
            )
        except ValidationError as error:
            self.add_error("body", error)
        return cleaned

    def files_to_send(self) -> list[CheckedFile]:
        checked = self.cleaned_data.get("attachment")
        return [checked] if checked is not None else []


class EnquiryForm(MessageForm):
    """A client's first message to a practitioner: where they are, then the message."""

    where = JurisdictionField(
        label=_("Where are you?"),
        help_text=_(
            "The country or region you are in now. It tells the practitioner whether they may "
            "work with you there, and us which emergency numbers to show you."
        ),
    )

    field_order = ["where", "body", "attachment"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["where"].required = True


class EditMessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, has_files: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_files = has_files

    def clean_body(self) -> str:
        return clean_body(self.cleaned_data.get("body") or "", has_files=self.has_files)


class OfficeHoursForm(forms.Form):
    """One optional window per weekday, in the practitioner's own time zone."""

    def __init__(self, *args: Any, windows: list[OfficeHours] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = {w.weekday: w for w in windows or []}
        for day in OfficeHours.Weekday:
            window = current.get(day.value)
            self.fields[f"opens_{day.value}"] = forms.TimeField(
                label=_("%(day)s: opens") % {"day": day.label},
                required=False,
                initial=window.opens if window else None,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )
            self.fields[f"closes_{day.value}"] = forms.TimeField(
                label=_("%(day)s: closes") % {"day": day.label},
                required=False,
                initial=window.closes if window else None,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for day in OfficeHours.Weekday:
            opens = cleaned.get(f"opens_{day.value}")
            closes = cleaned.get(f"closes_{day.value}")
            if f"opens_{day.value}" in self.errors or f"closes_{day.value}" in self.errors:
                continue
            if (opens is None) != (closes is None):
                self.add_error(
                    f"closes_{day.value}" if closes is None else f"opens_{day.value}",
                    _("Give both times for %(day)s, or neither.") % {"day": day.label},
                )
            elif opens is not None and closes is not None and closes <= opens:
                self.add_error(
                    f"closes_{day.value}",
                    _("On %(day)s the closing time must come after the opening time.")
                    % {"day": day.label},
                )
        return cleaned

    def windows(self) -> dict[int, tuple[time, time] | None]:
        result: dict[int, tuple[time, time] | None] = {}
        for day in OfficeHours.Weekday:
            opens = self.cleaned_data.get(f"opens_{day.value}")
            closes = self.cleaned_data.get(f"closes_{day.value}")
            result[day.value] = (opens, closes) if opens and closes else None
        return result
