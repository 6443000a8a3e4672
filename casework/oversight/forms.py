from django import forms
from django.utils.translation import gettext_lazy as _

from casework.registry.restrictions import CONDITIONS_MAX_CHARS, REASON_MAX_CHARS


class AcceptInvitationForm(forms.Form):
    """A new officer's account: the address is the invitation's."""

    legal_name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        help_text=_("As your colleagues and practitioners know you."),
    )
    password = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The practitioner reads it. It is kept in the audit log."),
    )


class ConditionsForm(ReasonForm):
    conditions = forms.CharField(
        label=_("Conditions, as the public reads them"),
        max_length=CONDITIONS_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown on the public verification page and on the profile."),
    )

    field_order = ["conditions", "reason"]
