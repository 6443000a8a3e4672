from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.messaging.forms import MessageForm
from casework.registry.forms import JurisdictionField
from casework.video.models import IdentityMethod, Outcome
from casework.video.services import LONGEST_PHONE, LONGEST_REASON


class PlaceForm(forms.Form):
    prefix = "place"
    where = JurisdictionField(
        label=_("Where are you now?"),
        help_text=_(
            "The country or region you are in for this session. Your social worker may only "
            "work with you where their registration allows it, and we show you the emergency "
            "numbers for that place."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["where"].required = True
        self.fields["where"].error_messages["required"] = _("Tell us where you are now.")


class IdentityForm(forms.Form):
    prefix = "identity"
    method = forms.ChoiceField(
        label=_("How did you confirm who the client is?"),
        choices=IdentityMethod.choices,
        widget=forms.RadioSelect,
    )


class EndForm(forms.Form):
    prefix = "end"
    outcome = forms.ChoiceField(
        label=_("How did the session end?"), choices=Outcome.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("Needed when the session ended early or the client is out of place."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=LONGEST_REASON,
        required=False,
    )


class DropPlanForm(forms.Form):
    prefix = "drop"
    phone = forms.CharField(
        label=_("Number to phone if the call drops"),
        help_text=_("Agreed with the client. Both of you see it on this page."),
        max_length=LONGEST_PHONE,
    )


class ChatForm(MessageForm):
    """A message to the case conversation, written in the chat beside the call: the
    conversation's own form (and idempotency key), text only. Files are sent from the
    conversation's page."""

    prefix = "chat"
    attachment = None  # type: ignore[assignment]
