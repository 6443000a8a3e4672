"""Forms of safety: reporting, moderators' decisions, appeals."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.dates import reader_datetime
from casework.messaging.models import Message
from casework.safety import rules
from casework.safety.models import ActionKind, ReportCategory
from casework.safety.reports import DETAILS_MAX_LENGTH

PREVIEW_LENGTH = 140
REASON_MAX_LENGTH = 2000


def _preview(message: Message) -> str:
    body = " ".join(str(message.body).split())
    if len(body) > PREVIEW_LENGTH:
        body = body[: PREVIEW_LENGTH - 1] + "…"
    when = reader_datetime(message.created_at, "short")
    return f"{when}: {body}" if body else when


class ReportForm(forms.Form):
    category = forms.ChoiceField(
        label=_("What happened?"), choices=ReportCategory.choices, widget=forms.RadioSelect
    )
    details = forms.CharField(
        label=_("Tell us more"),
        required=False,
        max_length=DETAILS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Optional. Only moderators read it. It is stored encrypted."),
    )
    evidence = forms.MultipleChoiceField(
        label=_("Messages to show the moderators"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Moderators read only the messages you tick here, nothing else you wrote."),
    )
    consent = forms.BooleanField(
        label=_("I agree that moderators may read the messages I ticked."), required=False
    )

    def __init__(self, *args: Any, choices: Sequence[Message] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.messages_offered = {str(message.pk): message for message in choices}
        if choices:
            self.fields["evidence"].choices = [  # type: ignore[attr-defined]
                (str(message.pk), _preview(message)) for message in choices
            ]
        else:
            del self.fields["evidence"]
            del self.fields["consent"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("evidence") and not cleaned.get("consent"):
            self.add_error(
                "consent",
                _("Tick the box to agree that moderators may read the messages you chose."),
            )
        return cleaned

    def chosen_messages(self) -> list[Message]:
        return [self.messages_offered[key] for key in self.cleaned_data.get("evidence", [])]


class TrackReportForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference"), max_length=16, help_text=_("As we gave it to you: R-XXXXX-XXXXX.")
    )


class ActionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Decision"), choices=ActionKind.choices, widget=forms.RadioSelect
    )
    rule = forms.ChoiceField(label=_("Rule broken"), required=False)
    reason = forms.CharField(
        label=_("Why, in plain words"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The person affected reads this in their statement of reasons. Quote no one's "
            "words and name no reporter."
        ),
    )
    refer = forms.BooleanField(
        label=_("Also refer this practitioner to their regulator"), required=False
    )

    def __init__(self, *args: Any, kinds: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [  # type: ignore[attr-defined]
            ("", _("Choose a rule")),
            *rules.choices(),
        ]
        if kinds:
            self.fields["kind"].choices = [  # type: ignore[attr-defined]
                choice for choice in ActionKind.choices if choice[0] in kinds
            ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("kind")
            and cleaned["kind"] != ActionKind.DISMISS
            and not cleaned.get("rule")
        ):
            self.add_error("rule", _("Name the rule this breaks."))
        return cleaned


class AppealForm(forms.Form):
    grounds = forms.CharField(
        label=_("Why should this decision change?"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class AppealDecisionForm(forms.Form):
    overturn = forms.TypedChoiceField(
        label=_("Your decision"),
        choices=[
            ("no", _("Uphold: the decision stands")),
            ("yes", _("Overturn: reverse the decision")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    explanation = forms.CharField(
        label=_("Explain your decision to the person who appealed"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
