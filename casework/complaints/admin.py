"""Complaints in the admin: read-only records for platform administrators.

Every change to a complaint (moving it on, closing it with an outcome, its evidence and bundle)
goes through ``complaints.services`` from the complaints pages, which check who may act and
write the audit log; the admin only lists what is there. It never shows a complaint's text,
its outcome summary or its evidence: reading those is an audited act of the pages.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from casework.complaints.models import BundleDownload, Complaint, ComplaintProgress, ComplaintRoute


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RouteInline(_ReadOnly, admin.TabularInline[ComplaintRoute, Complaint]):
    model = ComplaintRoute
    fields = ["regulator"]
    extra = 0


class ProgressInline(_ReadOnly, admin.TabularInline[ComplaintProgress, Complaint]):
    model = ComplaintProgress
    fields = ["state", "at", "by"]
    extra = 0


class DownloadInline(_ReadOnly, admin.TabularInline[BundleDownload, Complaint]):
    model = BundleDownload
    fields = ["by", "at"]
    extra = 0
    verbose_name = _("bundle download")
    verbose_name_plural = _("bundle downloads")


@admin.register(Complaint)
class ComplaintAdmin(_ReadOnly, admin.ModelAdmin[Complaint]):
    """Read-only: complaints move on through the complaints pages (``complaints.services``)."""

    list_display = ["reference", "state", "category", "source", "to_moderators", "created_at"]
    list_filter = ["state", "category", "source", "to_moderators"]
    search_fields = ["reference"]
    ordering = ["-created_at"]
    readonly_fields = [
        "reference",
        "practitioner",
        "category",
        "source",
        "state",
        "to_moderators",
        "created_at",
        "updated_at",
        "closed_at",
        "handled_in",
    ]
    fields = tuple(readonly_fields)
    inlines = [RouteInline, ProgressInline, DownloadInline]

    @admin.display(description=_("Where it is handled"))
    def handled_in(self, complaint: Complaint) -> str:
        url = reverse("complaints:detail", kwargs={"complaint_id": complaint.pk})
        return format_html('<a href="{}">{}</a>', url, _("Open the complaint"))
