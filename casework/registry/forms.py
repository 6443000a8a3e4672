from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from casework.registry.models import Jurisdiction, Regulator


class JurisdictionChoiceField(forms.ModelChoiceField[Jurisdiction]):
    def label_from_instance(self, obj: Jurisdiction) -> str:
        return f"{obj.country.name}: {obj.name}" if obj.country_id and obj.country else obj.name


def _places() -> "QuerySet[Jurisdiction]":
    return Jurisdiction.objects.select_related("country").order_by("country__name", "name")


class VerifySearchForm(forms.Form):
    regulator = forms.ModelChoiceField(
        label=_("Regulator"),
        queryset=Regulator.objects.all(),
        required=False,
        to_field_name="slug",
        empty_label=_("Any regulator"),
    )
    number = forms.CharField(label=_("Registration number"), max_length=40, required=False)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    where = JurisdictionChoiceField(
        label=_("Where the client is"),
        queryset=Jurisdiction.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=_("Not given"),
        help_text=_("We tell you whether this person may work with clients there."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["where"].queryset = _places()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        number, name = data.get("number", ""), " ".join(str(data.get("name", "")).split())
        data["name"] = name
        if not number and len(name) < 3:
            raise forms.ValidationError(
                _("Enter a registration number, or at least three letters of a name.")
            )
        return data


class WhereForm(forms.Form):
    where = JurisdictionChoiceField(
        label=_("Where the client is"),
        queryset=Jurisdiction.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=_("Not given"),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["where"].queryset = _places()  # type: ignore[attr-defined]


class ClaimForm(forms.Form):
    regulator = forms.ModelChoiceField(
        label=_("Regulator"), queryset=Regulator.objects.all(), to_field_name="slug"
    )
    registration_number = forms.CharField(label=_("Registration number"), max_length=40)
    evidence = forms.FileField(
        label=_("Evidence (optional)"),
        required=False,
        help_text=_(
            "If the register does not show your name as you gave it, add a PDF or image, "
            "such as your registration certificate. At most 10 MB."
        ),
    )
    evidence_note = forms.CharField(
        label=_("Note for the reviewer (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("approve", _("Verify: the entry is this practitioner's")),
            ("reject", _("Reject")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (the practitioner reads it)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RegisterUploadForm(forms.Form):
    regulator = forms.ModelChoiceField(
        label=_("Regulator"), queryset=Regulator.objects.none(), to_field_name="slug"
    )
    file_format = forms.ChoiceField(label=_("Format of the file"), choices=[])
    file = forms.FileField(
        label=_("Register export (CSV or JSON)"),
        help_text=_("You see what would change before anything changes."),
    )

    def __init__(
        self,
        *args: object,
        regulators: "QuerySet[Regulator]",
        formats: list[tuple[str, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["regulator"].queryset = regulators  # type: ignore[attr-defined]
        self.fields["file_format"].choices = formats  # type: ignore[attr-defined]
