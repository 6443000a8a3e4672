import functools
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from casework.registry.models import Jurisdiction, Regulator


@functools.cache
def jurisdiction_choices() -> tuple[tuple[str, str], ...]:
    """Every place a client may say they are, as select options; reference data, read once."""
    places = Jurisdiction.objects.select_related("country").order_by("country__name", "name")
    return tuple((p.code, f"{p.country.name}: {p.name}" if p.country else p.name) for p in places)


@functools.cache
def jurisdiction_codes() -> frozenset[str]:
    return frozenset(code for code, _label in jurisdiction_choices())


_rendered_place_selects: dict[tuple[Any, ...], str] = {}


class PlaceSelect(forms.Select):
    """The select of every place, rendered once per selection, language and attributes.

    Rendering ~330 options through the widget templates costs more than the rest of a
    verification page; the options are reference data that change only on a reload.
    """

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        if value not in (None, "") and str(value) not in jurisdiction_codes():
            # A value from the query string that is no place: render it, never keep it, so
            # that made-up values cannot grow the cache.
            return super().render(name, value, attrs, renderer)
        key = (name, str(value), tuple(sorted((attrs or {}).items())), get_language())
        if key not in _rendered_place_selects:
            _rendered_place_selects[key] = super().render(name, value, attrs, renderer)
        return mark_safe(_rendered_place_selects[key])  # noqa: S308  (the widget's own output)


def forget_rendered_places() -> None:
    jurisdiction_choices.cache_clear()
    jurisdiction_codes.cache_clear()
    _rendered_place_selects.clear()


class JurisdictionField(forms.TypedChoiceField):
    """A place, chosen by its ISO 3166 code; cleans to the Jurisdiction (or None)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=lambda: [("", _("Not given")), *jurisdiction_choices()],
            coerce=lambda code: Jurisdiction.objects.select_related("country").get(code=code),
            empty_value=None,
            required=False,
            widget=PlaceSelect,
            **kwargs,
        )


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
    where = JurisdictionField(
        label=_("Where the client is"),
        help_text=_("We tell you whether this person may work with clients there."),
    )

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
    where = JurisdictionField(label=_("Where the client is"))


class ClaimForm(forms.Form):
    regulator = forms.ModelChoiceField(
        label=_("Regulator"), queryset=Regulator.objects.all(), to_field_name="slug"
    )
    registration_number = forms.CharField(label=_("Registration number"), max_length=40)
    evidence = forms.FileField(
        label=_("Registration document (optional)"),
        required=False,
        help_text=_(
            "If the register does not show your name as you gave it, add a PDF or image, "
            "such as your registration certificate. At most 10 MB."
        ),
    )
    identity_document = forms.FileField(
        label=_("Identity document (optional)"),
        required=False,
        help_text=_(
            "A passport or identity card, as a PDF or image. With a registration document, "
            "a reviewer can verify your claim on this evidence. At most 10 MB."
        ),
    )
    evidence_note = forms.CharField(
        label=_("Note for the reviewer (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ClaimCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the email"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class ClaimEvidenceForm(forms.Form):
    identity_document = forms.FileField(
        label=_("Identity document"),
        help_text=_("A passport or identity card, as a PDF, PNG or JPEG file. At most 10 MB."),
    )
    registration_document = forms.FileField(
        label=_("Registration document"),
        help_text=_(
            "Your registration certificate or a letter from your regulator, as a PDF, PNG or "
            "JPEG file. At most 10 MB."
        ),
    )
    note = forms.CharField(
        label=_("Note for the reviewer (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("confirm", _("Confirm as an officer of the regulator: the registration is theirs")),
            ("evidence", _("Verify on the identity evidence: the registration is theirs")),
            ("refuse", _("Refuse")),
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
