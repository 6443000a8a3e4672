"""Forms of the care pages. They check the shape of what was sent; the services check the
rules (and say why), so the API and tasks get the same answers."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.care.instruments import INSTRUMENTS, Instrument
from casework.care.models import (
    CaseStatus,
    NoteTemplate,
    ReferralKind,
    SharedItem,
)
from casework.care.note_templates import SECTION_LIMIT, sections_for
from casework.care.queries import CaseloadFilters
from casework.date_entry import DayMonthYearField
from casework.registry.forms import JurisdictionField

TEXT_LIMIT = 4000


class CaseloadFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Cases"),
        required=False,
        choices=[
            ("open", _("Open (enquiry, active, paused)")),
            *CaseStatus.choices,
            ("all", _("All")),
        ],
    )
    attention = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("Everyone")),
            ("flagged", _("Urgent flags")),
            ("worsening", _("Worsening")),
            ("missed", _("Missed check-ins")),
        ],
    )
    q = forms.CharField(label=_("Client's name"), required=False, max_length=60)

    def filters(self) -> CaseloadFilters:
        if not self.is_valid():
            return CaseloadFilters()
        data = self.cleaned_data
        return CaseloadFilters(
            status=data.get("status") or "open",
            attention=data.get("attention") or "",
            search=(data.get("q") or "").strip(),
        )


class CaseDetailsForm(forms.Form):
    client_location = JurisdictionField(
        label=_("Where the client is"),
        help_text=_("Crisis lines and the rules of practice follow this place."),
    )
    emergency_contact = forms.CharField(
        label=_("Emergency contact"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Name, relationship, and how to reach them."),
    )
    crisis_plan = forms.CharField(
        label=_("Crisis plan"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Agreed with the client: warning signs, what helps, whom to call."),
    )


class StatusForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"), choices=CaseStatus.choices)
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SuitabilityForm(forms.Form):
    suitable = forms.TypedChoiceField(
        label=_("Does online work suit this client?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    alternative = forms.CharField(
        label=_("Alternative offered"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when online work does not suit: what you offered instead."),
    )


class SupervisorForm(forms.Form):
    """The colleague to invite. Whether the address belongs to anyone is never said here (nor
    by the page after it): the invitation is answered alike for every address."""

    email = forms.EmailField(
        label=_("Supervisor's email address"),
        help_text=_(
            "A verified practitioner on Casework. They read nothing until they accept, and "
            "the client is told who they are."
        ),
    )

    def clean_email(self) -> str:
        return str(self.cleaned_data.get("email") or "").strip().lower()


SCHEDULES = [
    ("daily", _("Every day")),
    ("weekly", _("Every week")),
    ("every", _("Every few days")),
]


class PlanForm(forms.Form):
    instrument = forms.ChoiceField(
        label=_("Check-in"),
        choices=[(code, instrument.name) for code, instrument in INSTRUMENTS.items()],
    )
    schedule = forms.ChoiceField(label=_("How often"), choices=SCHEDULES, initial="weekly")
    every_days = forms.IntegerField(
        label=_("Every how many days"),
        required=False,
        min_value=1,
        max_value=28,
        help_text=_("Only for “every few days”."),
    )
    time_of_day = forms.TimeField(
        label=_("Time of day (the client's time)"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    starts_on = DayMonthYearField(label=_("First day"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        schedule = data.get("schedule")
        if schedule == "daily":
            data["every_days"] = 1
        elif schedule == "weekly":
            data["every_days"] = 7
        elif schedule == "every" and not data.get("every_days"):
            self.add_error("every_days", _("Say every how many days (1 to 28)."))
        return data


class NoteForm(forms.Form):
    """The fields of one note template: the date of the contact, then its sections."""

    session_on = DayMonthYearField(label=_("Date of the contact"))

    def __init__(self, *args: Any, template: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.template = template
        for section in sections_for(template):
            self.fields[section.key] = forms.CharField(
                label=str(section.label),
                help_text=str(section.hint),
                required=False,
                max_length=SECTION_LIMIT,
                widget=forms.Textarea(attrs={"rows": 5}),
            )

    def sections(self) -> dict[str, str]:
        return {
            section.key: self.cleaned_data.get(section.key, "")
            for section in sections_for(self.template)
        }


class NoteTemplateForm(forms.Form):
    template = forms.ChoiceField(
        label=_("Template"), choices=NoteTemplate.choices, initial=NoteTemplate.DAP
    )


class AddendumForm(forms.Form):
    body = forms.CharField(
        label=_("Addendum"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Dated and signed with your name; the note itself stays as it was."),
    )


class ReferralForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What you propose"),
        choices=[
            (ReferralKind.REFERRAL, _("A referral: a colleague sees what the client shares")),
            (ReferralKind.TRANSFER, _("A transfer: the case moves to a colleague")),
        ],
        widget=forms.RadioSelect,
        initial=ReferralKind.REFERRAL,
    )
    email = forms.EmailField(label=_("Colleague's email address"))
    items = forms.MultipleChoiceField(
        label=_("What you propose to share, besides the letter"),
        required=False,
        choices=[choice for choice in SharedItem.choices if choice[0] != SharedItem.SUMMARY],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The client chooses what actually goes, and can withdraw it at any time."),
    )
    summary = forms.CharField(
        label=_("Letter"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Why you refer, and what you ask of your colleague. The client reads it."),
    )

    def clean_email(self) -> str:
        # Whether the address belongs to a practitioner is never said (see ``views.referrals``).
        return str(self.cleaned_data.get("email") or "").strip().lower()


class ReferralAnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Your decision"),
        choices=[("agree", _("I agree")), ("decline", _("I decline"))],
        widget=forms.RadioSelect,
    )
    items = forms.MultipleChoiceField(
        label=_("What may be shared"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, proposed: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        items = self.fields["items"]
        assert isinstance(items, forms.MultipleChoiceField)  # noqa: S101  (declared above)
        items.choices = [choice for choice in SharedItem.choices if choice[0] in proposed]
        items.initial = list(proposed)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "agree" and not data.get("items"):
            self.add_error("items", _("Choose at least one thing to share, or decline."))
        return data


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need to open these details?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The client will read this, and it is kept in the audit log."),
    )


class EmergencyLookupForm(forms.Form):
    email = forms.EmailField(label=_("Client's email address"))


def check_in_form_class(instrument: Instrument) -> type[forms.Form]:
    """A form with one field per item of the instrument, every one required."""
    fields: dict[str, forms.Field] = {}
    if instrument.free_text:
        fields["text"] = forms.CharField(
            label=str(instrument.items[0].text),
            max_length=instrument.max_text_length,
            widget=forms.Textarea(attrs={"rows": 5}),
            error_messages={"required": _("Write a few words, or skip this check-in.")},
        )
    else:
        for item in instrument.items:
            fields[item.key] = forms.TypedChoiceField(
                label=str(item.text),
                choices=[(str(choice.value), choice.label) for choice in instrument.choices],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Please answer this question."),
                    "invalid_choice": _("Choose one of the answers."),
                },
            )
    return type("CheckInForm", (forms.Form,), fields)
