from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from casework.registry import places
from casework.registry.models import Jurisdiction, Regulator


class PlacePicker(forms.Widget):
    """Where a client is, in two steps: a country, typed with suggestions, then its region when
    its regions regulate social work (a short select). The suggestions are one list per language
    (``registry:places``), fetched once by ``places.js`` and cached by the browser, so no page
    carries hundreds of options. Without JavaScript it takes two submits: the typed country,
    then the region the page then asks for."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> tuple[str, str] | None:
        if name not in data and f"{name}_region" not in data:
            return None
        return (str(data.get(name, ""))[:120], str(data.get(f"{name}_region", ""))[:8])

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}_region" not in data

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        text, region = _split(value)
        known = places.places()
        code = places.resolve(text) or ""
        chosen = known.by_code.get(code)
        if chosen is not None and known.has_regions(chosen.country_code):
            code, region = chosen.country_code, chosen.code
        regions = known.regions.get(code, ())
        shown = known.full_name(code) if code else text
        final_attrs = self.build_attrs(self.attrs, attrs)
        input_id = final_attrs.get("id") or f"id_{name}"
        language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
        source = reverse(
            "registry:places",
            kwargs={"language": language, "version": places.places_version(language)},
        )
        final_attrs.update(
            {
                "type": "text",
                "name": name,
                "id": input_id,
                "value": shown,
                "list": f"{input_id}_list",
                "autocomplete": "off",
                "spellcheck": "false",
            }
        )
        parts = [
            format_html(
                '<span class="place-picker" data-places="{}" data-region-label="{}" '
                'data-region-empty="{}">',
                source,
                _("Region"),
                _("Choose a region"),
            ),
            format_html("<input{}>", flatatt(final_attrs)),
            format_html('<datalist id="{}_list"></datalist>', input_id),
        ]
        if regions:
            options = [format_html('<option value="">{}</option>', _("Choose a region"))]
            options += [
                format_html(
                    '<option value="{}"{}>{}</option>',
                    place.code,
                    mark_safe(" selected") if place.code == region else "",
                    place.name,
                )
                for place in regions
            ]
            parts.append(
                format_html(
                    '<span class="place-picker__region"><label for="{}_region">{}</label>'
                    '<select name="{}_region" id="{}_region">{}</select></span>',
                    input_id,
                    format_lazy(_("Where in {country}"), country=known.name_of(code)),
                    name,
                    input_id,
                    mark_safe("".join(options)),  # noqa: S308  (each escaped by format_html)
                )
            )
        parts.append(
            format_html('<script src="{}" defer></script></span>', static("registry/js/places.js"))
        )
        return mark_safe("".join(parts))  # noqa: S308  (each part escaped by format_html)


def _split(value: Any) -> tuple[str, str]:
    """The picker's value, whatever form it comes in: what was typed and the region chosen
    (a bound form), a code or a Jurisdiction (an initial value), or nothing."""
    if isinstance(value, tuple):
        return str(value[0] or ""), str(value[1] or "")
    if isinstance(value, Jurisdiction):
        return value.code, ""
    return (str(value) if value else ""), ""


class PlainSelect(forms.Select):
    """A ``<select>`` drawn here rather than through Django's widget templates, which render
    two small templates per option: the regulator list of the public /verify/ page cost more
    than the rest of its form. The same markup: attributes, selected option, option groups."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, options, _index in widget["optgroups"]:
            drawn = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (
                    (option["value"], flatatt(option["attrs"]), option["label"])
                    for option in options
                ),
            )
            groups.append(
                format_html('<optgroup label="{}">{}</optgroup>', group_name, drawn)
                if group_name
                else drawn
            )
        return format_html(
            '<select name="{}"{}>{}</select>',
            widget["name"],
            flatatt(widget["attrs"]),
            format_html_join("", "{}", ((group,) for group in groups)),
        )


class JurisdictionField(forms.Field):
    """A place, typed or chosen in the picker (``PlacePicker``); cleans to the Jurisdiction
    (or None). A country whose regions regulate is refused until its region is chosen, unless
    ``allow_country`` (the directory, which then offers the regions)."""

    widget = PlacePicker
    default_error_messages = {
        "unknown": _("We do not know “%(text)s” as a country or region."),
        "suggest": _("We do not know “%(text)s” as a country or region. Did you mean %(names)s?"),
        "region": _(
            "Choose where in %(country)s you are: social work is regulated region by region there."
        ),
    }

    def __init__(self, *, allow_country: bool = False, required: bool = False, **kwargs: Any):
        self.allow_country = allow_country
        super().__init__(required=required, **kwargs)

    def clean(self, value: Any) -> Jurisdiction | None:
        text, region = _split(value)
        if not text.strip() and not region:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return None
        known = places.places()
        code = places.resolve(text) or places.resolve(region)
        if code is None:
            names = places.suggestions(text)
            if names:
                raise ValidationError(
                    self.error_messages["suggest"],
                    code="unknown",
                    params={"text": text.strip(), "names": _(" or ").join(names)},
                )
            raise ValidationError(
                self.error_messages["unknown"], code="unknown", params={"text": text.strip()}
            )
        if known.has_regions(code):
            if region in {place.code for place in known.regions[code]}:
                code = region
            elif not self.allow_country:
                raise ValidationError(
                    self.error_messages["region"],
                    code="region",
                    params={"country": known.name_of(code)},
                )
        return Jurisdiction.objects.select_related("country").get(code=code)


class VerifySearchForm(forms.Form):
    regulator = forms.ModelChoiceField(
        label=_("Regulator"),
        queryset=Regulator.objects.all(),
        required=False,
        to_field_name="slug",
        empty_label=_("Any regulator"),
        widget=PlainSelect,
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


class RegisterSourceForm(forms.Form):
    """Where the clock re-reads a regulator's register, and how often (register_sources.py
    checks the address or path itself)."""

    regulator = forms.ModelChoiceField(
        label=_("Regulator"), queryset=Regulator.objects.none(), to_field_name="slug"
    )
    location = forms.CharField(
        label=_("Address of the register export"),
        max_length=500,
        help_text=_(
            "An https:// address the regulator publishes its export at, or a path inside the "
            "folder the platform's administrators set for exports."
        ),
    )
    file_format = forms.ChoiceField(label=_("Format of the file"), choices=[])
    every_hours = forms.IntegerField(
        label=_("Read it every (hours)"), min_value=1, max_value=24 * 31, initial=24
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
