from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from casework.accounts import services
from casework.accounts.models import PushSubscription, User
from casework.privacy import actions
from casework.privacy.audit import record_event


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    ordering = ["email"]
    list_display = ["email", "role", "alias", "legal_name", "is_active", "date_joined"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "alias", "legal_name"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("role", "alias", "legal_name", "language", "time_zone")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "role", "alias", "legal_name", "password1", "password2"),
            },
        ),
    )
    filter_horizontal = ["groups"]

    def save_model(
        self, request: HttpRequest, obj: User, form: ModelForm[User], change: bool
    ) -> None:
        """Who may do what changes only through the audited service, in the same transaction
        as the rest of the form; a new account's role is recorded as it is made."""
        actor = request.user
        assert isinstance(actor, User)  # noqa: S101  (the admin site lets in only our admins)
        with transaction.atomic():
            if not change:
                super().save_model(request, obj, form, change)
                record_event(
                    action=actions.ACCOUNT_CREATED_BY_ADMIN,
                    actor=actor,
                    target=obj,
                    subject_id=obj.pk,
                    detail={"role": obj.role},
                )
                return
            access = {
                name: form.cleaned_data[name]
                for name in services.ACCESS_FIELDS
                if name in form.changed_data
            }
            stored = User.objects.only(*services.ACCESS_FIELDS).get(pk=obj.pk)
            for name in access:
                setattr(obj, name, getattr(stored, name))
            super().save_model(request, obj, form, change)
            if access:
                changed = services.change_access(person=obj, actor=actor, changes=access)
                for name in access:
                    setattr(obj, name, getattr(changed, name))

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """Setting someone's password from the admin is audited, in the same transaction: the
        stored hash before and after tells whether it changed (a refused form changes nothing).
        It ends the person's sessions."""
        with transaction.atomic():
            person = self.get_object(request, unquote(id))
            before = person.password if person is not None else None
            response = super().user_change_password(request, id, form_url)
            if person is not None:
                person.refresh_from_db(fields=["password"])
                if person.password != before:
                    actor = request.user
                    assert isinstance(actor, User)  # noqa: S101
                    record_event(
                        action=actions.ACCOUNT_PASSWORD_CHANGED_BY_ADMIN,
                        actor=actor,
                        target=person,
                        subject_id=person.pk,
                    )
                    # An administrator sets a password to shut someone out (a stolen account):
                    # the person's sessions end, and their sockets close, as after their own
                    # change. An administrator setting their own keeps this session.
                    services.end_other_sessions(
                        request=request, person=person, change="password_set_by_admin"
                    )
        return response

    def save_related(
        self, request: HttpRequest, form: ModelForm[User], formsets: Any, change: bool
    ) -> None:
        person = form.instance
        before = set(person.groups.values_list("name", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        actor = request.user
        assert isinstance(actor, User)  # noqa: S101
        after = set(person.groups.values_list("name", flat=True))
        services.change_groups(person=person, actor=actor, before=before, after=after)


_PUSH_SUBSCRIPTION_FIELDS = (
    "id",
    "person",
    "created_at",
    "last_used_at",
    "last_failed_at",
    "last_failure",
    "failure_count",
)


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin[PushSubscription]):
    """Read-only, and never the endpoint or keys: people subscribe and unsubscribe on their
    preferences page, and the reminders forget devices their push service calls gone."""

    list_display = _PUSH_SUBSCRIPTION_FIELDS
    list_select_related = ["person"]
    search_fields = ["=person__email", "=id"]
    ordering = ["-created_at"]
    fields = _PUSH_SUBSCRIPTION_FIELDS
    readonly_fields = _PUSH_SUBSCRIPTION_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
