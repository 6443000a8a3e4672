from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from casework.privacy.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """Read-only: the audit log is append-only, for administrators as for everyone."""

    list_display = ["seq", "occurred_at", "action", "actor_role", "actor_id", "object_type"]
    list_filter = ["action", "actor_role"]
    search_fields = ["action", "object_id", "request_id"]
    ordering = ["-seq"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
