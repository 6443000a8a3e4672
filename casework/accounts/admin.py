from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from casework.accounts.models import PushSubscription, User


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
