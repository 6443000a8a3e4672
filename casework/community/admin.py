"""Administrators invite practitioners to write articles here, through the audited service.
An invitation is a record (who invited whom, when): it is neither changed nor deleted."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from casework.accounts.models import Role, User
from casework.community.models import Contributor
from casework.community.services.articles import invite_contributor


class ContributorForm(forms.ModelForm[Contributor]):
    person = forms.ModelChoiceField(
        label=_("Practitioner"),
        queryset=User.objects.filter(role=Role.PRACTITIONER, contributor__isnull=True),
        help_text=_("A practitioner invited here may write and publish articles."),
    )

    class Meta:
        model = Contributor
        fields = ["person"]


@admin.register(Contributor)
class ContributorAdmin(admin.ModelAdmin[Contributor]):
    list_display = ["person", "invited_by", "invited_at"]
    form = ContributorForm

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["person", "invited_by", "invited_at"] if obj else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Contributor, form: Any, change: bool) -> None:
        if change:
            return
        assert isinstance(request.user, User)  # noqa: S101  (the admin site's own check)
        contributor = invite_contributor(admin=request.user, practitioner=obj.person)
        obj.pk, obj._state.adding = contributor.pk, False
