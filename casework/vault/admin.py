from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from casework.vault.models import DataKey


@admin.register(DataKey)
class DataKeyAdmin(admin.ModelAdmin[DataKey]):
    """Read-only, and never the wrapped key: keys are made, re-wrapped and destroyed only
    through the vault's services (and the rotate_vault_kek command), which audit each change."""

    list_display = ["id", "owner", "kek_id", "created_at", "rewrapped_at", "destroyed_at"]
    list_filter = ["kek_id"]
    search_fields = ["owner", "=id"]
    ordering = ["-created_at"]
    fields = ["id", "owner", "kek_id", "created_at", "rewrapped_at", "destroyed_at"]
    readonly_fields = ["id", "owner", "kek_id", "created_at", "rewrapped_at", "destroyed_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
