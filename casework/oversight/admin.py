"""Administrators invite officers and configure each regulator's webhook here; both go
through the services (the invitation's email, the webhook's sealed secret, the audit log).
Webhook deliveries are shown read-only, as the sending task records them."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from casework.accounts.models import User
from casework.oversight.invitations import address_problem, invite_officer
from casework.oversight.models import OfficerInvitation, RegulatorWebhook, WebhookDelivery
from casework.oversight.webhooks import configure_webhook


class InvitationForm(forms.ModelForm[OfficerInvitation]):
    class Meta:
        model = OfficerInvitation
        fields = ["email", "regulator"]

    def clean_email(self) -> str:
        # The service refuses it too; asked here, the refusal is a form error, not a crash.
        email = str(self.cleaned_data["email"]).strip().lower()
        problem = address_problem(email)
        if problem:
            raise ValidationError(problem)
        return email


@admin.register(OfficerInvitation)
class OfficerInvitationAdmin(admin.ModelAdmin[OfficerInvitation]):
    list_display = ["email", "regulator", "created_at", "expires_at", "accepted_at"]
    list_filter = ["regulator"]
    form = InvitationForm

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Once sent, an invitation is a record: delete it to withdraw it.
        return ["email", "regulator", "created_at", "expires_at", "accepted_at"] if obj else []

    def save_model(
        self, request: HttpRequest, obj: OfficerInvitation, form: Any, change: bool
    ) -> None:
        if change:
            return
        assert isinstance(request.user, User)  # noqa: S101  (the admin site's own check)
        invitation, _token = invite_officer(
            email=obj.email, regulator=obj.regulator, invited_by=request.user
        )
        obj.pk, obj._state.adding = invitation.pk, False


class WebhookForm(forms.ModelForm[RegulatorWebhook]):
    url = forms.URLField(label=_("Address"), max_length=500, assume_scheme="https")
    secret = forms.CharField(
        label=_("Shared secret"),
        widget=forms.PasswordInput(render_value=False),
        min_length=24,
        help_text=_("At least 24 characters; the regulator's system checks signatures with it."),
    )

    class Meta:
        model = RegulatorWebhook
        fields = ["regulator", "url", "active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        url = data.get("url", "")
        if url and not url.startswith("https://"):
            raise ValidationError(_("The address must start with https://."))
        return data


@admin.register(RegulatorWebhook)
class RegulatorWebhookAdmin(admin.ModelAdmin[RegulatorWebhook]):
    list_display = ["regulator", "url", "active", "created_at"]
    form = WebhookForm

    def save_model(
        self, request: HttpRequest, obj: RegulatorWebhook, form: Any, change: bool
    ) -> None:
        webhook = configure_webhook(
            regulator=form.cleaned_data["regulator"],
            url=form.cleaned_data["url"],
            secret=form.cleaned_data["secret"],
            active=form.cleaned_data["active"],
            actor=request.user,
        )
        obj.pk, obj._state.adding = webhook.pk, False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin[WebhookDelivery]):
    """Read-only: deliveries are written by the outbox's reaction and the sending task."""

    list_display = [
        "notification_id",
        "webhook",
        "status",
        "attempts",
        "last_response_code",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "webhook__regulator"]
    search_fields = ["notification_id"]
    ordering = ["-created_at"]
    readonly_fields = [
        "webhook",
        "notification_id",
        "change",
        "payload",
        "status",
        "attempts",
        "last_response_code",
        "last_failure",
        "created_at",
        "next_attempt_at",
        "delivered_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
