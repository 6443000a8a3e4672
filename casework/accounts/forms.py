from typing import Any

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.forms import SignupForm
from allauth.core import context, ratelimit
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.forms import ActivateTOTPForm
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from casework.accounts import tokens
from casework.accounts.models import Role, User, known_time_zones, validate_person_name
from casework.accounts.second_factor import take_time_step
from casework.accounts.zones import TimeZoneField
from casework.privacy.middleware import client_address


class BrowserTimeZoneField(forms.CharField):
    """Filled from the browser by `signup.js`; an unknown or missing zone falls back to UTC."""

    widget = forms.HiddenInput(attrs={"data-browser-time-zone": ""})

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, max_length=64, **kwargs)

    def clean(self, value: Any) -> str:
        zone = super().clean(value)
        return zone if zone in known_time_zones() else "UTC"


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
    time_zone = TimeZoneField(label=_("Time zone"))

    class Meta:
        model = User
        fields = ["language", "time_zone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].offer(self.instance.time_zone)  # type: ignore[attr-defined]


class _SecondFactorLimitMixin:
    """allauth's second-factor step, with its failure limit keyed on the account *and* the
    address, as the password limit is (AccountAdapter). allauth counts failures per account
    alone, so anyone who knew a staff member's password could lock them out of their own
    second factor by failing five times from anywhere."""

    user: Any
    cleaned_data: dict[str, Any]
    authenticator: Any

    def clean_code(self) -> str:
        request = context.request
        key = f"mfa-auth-user-{self.user.pk}|{client_address(request) or 'unknown'}"
        if not ratelimit.consume(request, action="login_failed", key=key):
            raise get_account_adapter().validation_error("too_many_login_attempts")
        code: str = self.cleaned_data["code"]
        main: Any = None
        # As allauth does: any TOTP or recovery code of the person's (WebAuthn takes no
        # typed code); a failure is announced once, on the main authenticator.
        for authenticator in Authenticator.objects.filter(user=self.user).exclude(
            type=Authenticator.Type.WEBAUTHN
        ):
            if main is None or authenticator.type == Authenticator.Type.TOTP:
                main = authenticator
            if authenticator.wrap().validate_code(code) and (
                authenticator.type != Authenticator.Type.TOTP or take_time_step(authenticator, code)
            ):
                authenticator.user = self.user
                self.authenticator = authenticator
                ratelimit.clear(request, action="login_failed", key=key)
                return code
        if main is not None:
            self._emit_authentication_failed(main)  # type: ignore[attr-defined]
        raise get_mfa_adapter().validation_error("incorrect_code")


class _OneTimeCodeInput:
    """The code field of an authenticator app: phones offer the digit keypad and the code the
    system received. Recovery codes are digits too, so the sign-in step may be numeric."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "one-time-code"}
        )


class SecondFactorForm(_OneTimeCodeInput, _SecondFactorLimitMixin, AuthenticateForm):
    pass


class SecondFactorAgainForm(_OneTimeCodeInput, _SecondFactorLimitMixin, ReauthenticateForm):
    pass


class AuthenticatorAppForm(_OneTimeCodeInput, ActivateTOTPForm):
    pass


class ApiTokenForm(forms.Form):
    """A new personal access token: its name, what it may do per area, how long it lasts."""

    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("To recognise it later, e.g. the app or script that uses it."),
    )
    days = forms.TypedChoiceField(
        label=_("Lasts"),
        choices=list(tokens.LIFETIMES.items()),
        coerce=int,
        initial=30,
    )

    def __init__(self, *args: Any, person: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.areas = tokens.areas_for(person)
        for area, label in self.areas.items():
            self.fields[f"area_{area}"] = forms.ChoiceField(
                label=label,
                choices=[("", _("none")), *tokens.LEVELS.items()],
                required=False,
            )

    def area_fields(self) -> list[forms.BoundField]:
        return [self[f"area_{area}"] for area in self.areas]

    def scopes(self) -> list[str]:
        return [
            tokens.scope(area, self.cleaned_data[f"area_{area}"])
            for area in self.areas
            if self.cleaned_data.get(f"area_{area}")
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not any(cleaned.get(f"area_{area}") for area in self.areas):
            raise forms.ValidationError(_("Choose at least one area the token may use."))
        return cleaned
