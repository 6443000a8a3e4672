import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from casework.complaints.models import Category, ComplaintState
from casework.complaints.services import DETAILS_MAX_CHARS, MAX_EVIDENCE_FILES, OUTCOME_MAX_CHARS
from casework.messaging.attachments import allowed_extensions_text


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several files in one input; each is checked by content in the view's service call."""

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(EvidenceField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class ComplaintForm(forms.Form):
    # The form's one-time key: pressing "send" twice files one complaint.
    submission = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    category = forms.ChoiceField(
        label=_("What is the complaint about?"), choices=[("", "—"), *Category.choices]
    )
    details = forms.CharField(
        label=_("What happened?"),
        max_length=DETAILS_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "When and where it happened, and what the social worker did. Only the regulator "
            "(or the platform's moderators) reads it."
        ),
    )
    evidence = EvidenceField(
        label=_("Evidence (optional)"),
        required=False,
        widget=MultipleFileInput,
    )
    share_identity = forms.BooleanField(
        label=_("Tell the regulator who I am (your name and email address on Casework)"),
        required=False,
    )

    def __init__(self, *args: Any, signed_in: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence"].help_text = _(
            "Up to %(count)d files: %(types)s. Each file is checked by what it contains."
        ) % {"count": MAX_EVIDENCE_FILES, "types": allowed_extensions_text()}
        if not signed_in:
            del self.fields["share_identity"]


class TrackForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference"), max_length=24, help_text=_("For example CW-7K3M-9QXD.")
    )
    secret = forms.CharField(
        label=_("Secret"),
        max_length=40,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        strip=True,
        help_text=_("The secret you were given when you filed the complaint."),
    )


class ProgressForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Move the complaint to"),
        choices=[c for c in ComplaintState.choices if c[0] != ComplaintState.RECEIVED],
    )
    outcome_summary = forms.CharField(
        label=_("Outcome, for the person who complained"),
        max_length=OUTCOME_MAX_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Needed to close it. They read it when they follow the complaint."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("state") == ComplaintState.CLOSED and not data.get("outcome_summary"):
            raise ValidationError(
                _("Write the outcome for the person who complained: they read it.")
            )
        return data
