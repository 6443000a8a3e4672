from django import forms
from django.utils.translation import gettext_lazy as _

# A registration credential is about 2 KB; anything far longer is not one of ours.
MAX_CREDENTIAL_LENGTH = 20_000


class CredentialForm(forms.Form):
    credential = forms.CharField(
        label=_("Credential"),
        help_text=_(
            "Paste the credential exactly as you received it: a long line of letters and "
            "digits in three parts separated by dots."
        ),
        max_length=MAX_CREDENTIAL_LENGTH,
        strip=True,
        widget=forms.Textarea(
            attrs={
                "rows": 8,
                "spellcheck": "false",
                "autocomplete": "off",
                "autocapitalize": "off",
                "class": "credential-input",
            }
        ),
    )
