from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from casework.privacy.models import AuditEvent, RetentionReport


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


@admin.register(RetentionReport)
class RetentionReportAdmin(admin.ModelAdmin[RetentionReport]):
    """The retention task's reports, newest first: read-only, as the task writes them."""

    list_display = ["ran_at", "dry_run", "due", "removed"]
    list_filter = ["dry_run"]
    ordering = ["-ran_at"]
    readonly_fields = ["ran_at", "dry_run", "due", "removed", "by_rule"]
    fields = ("ran_at", "dry_run", "due", "removed", "by_rule")

    @admin.display(description=_("By rule"))
    def by_rule(self, report: RetentionReport) -> str:
        return "\n".join(
            f"{line['data_class']} / {line['jurisdiction']} ({line['keep_days']} d): "
            f"{line['due']} due, {line['removed']} removed"
            + (f" — {', '.join(line['ids'])}" if line["ids"] else "")
            for line in report.lines
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
