import zoneinfo
from typing import Any

from allauth.account.forms import SignupForm
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from casework.accounts.models import Role, User, validate_person_name

TIME_ZONE_CHOICES = [
    (zone, zone.replace("_", " ")) for zone in sorted(zoneinfo.available_timezones())
]


class BrowserTimeZoneField(forms.CharField):
    """Filled from the browser by `signup.js`; an unknown or missing zone falls back to UTC."""

    widget = forms.HiddenInput(attrs={"data-browser-time-zone": ""})

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, max_length=64, **kwargs)

    def clean(self, value: Any) -> str:
        zone = super().clean(value)
        return zone if zone in zoneinfo.available_timezones() else "UTC"


class ClientSignupForm(SignupForm):
    """The least that works: an alias, an email address and a password."""

    role = Role.CLIENT

    alias = forms.CharField(
        label=_("Alias"),
        max_length=60,
        help_text=_("The name your social worker sees. It does not need to be your real name."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    time_zone = BrowserTimeZoneField()

    field_order = ["alias", "email", "password1", "password2"]

    def clean_alias(self) -> str:
        alias: str = " ".join(self.cleaned_data["alias"].split())
        if not alias:
            raise forms.ValidationError(_("Please choose an alias."))
        validate_person_name(alias)
        return alias


class PractitionerSignupForm(SignupForm):
    role = Role.PRACTITIONER

    legal_name = forms.CharField(
        label=_("Legal name"),
        max_length=200,
        help_text=_("Exactly as it appears on your regulator's register."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    time_zone = BrowserTimeZoneField()

    field_order = ["legal_name", "email", "password1", "password2"]

    def clean_legal_name(self) -> str:
        name: str = " ".join(self.cleaned_data["legal_name"].split())
        if not name:
            raise forms.ValidationError(_("Please give your legal name."))
        validate_person_name(name)
        return name


class PreferencesForm(forms.ModelForm[User]):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=TIME_ZONE_CHOICES)

    class Meta:
        model = User
        fields = ["language", "time_zone"]
