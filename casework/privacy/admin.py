from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from casework.accounts.models import User
from casework.privacy.holds import check_hold, lift_legal_hold, place_legal_hold
from casework.privacy.models import AuditEvent, LegalHold, RetentionReport


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
            f"{line['due']} due, {line['removed']} removed, {line.get('held', 0)} held"
            + (f" — {', '.join(line['ids'])}" if line["ids"] else "")
            for line in report.lines
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LegalHoldForm(forms.ModelForm[LegalHold]):
    # Who is placing the hold: set for each request by LegalHoldAdmin.get_form.
    actor: User | None = None

    class Meta:
        model = LegalHold
        fields = ["person", "case", "reason"]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if self.instance._state.adding and not self.errors:
            # The service's own rules, so a refusal is shown on the form rather than as a 403.
            cleaned["reason"] = check_hold(
                actor=self.actor,
                person=cleaned.get("person"),
                case=cleaned.get("case"),
                reason=cleaned.get("reason") or "",
            )
        return cleaned


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin[LegalHold]):
    """Holds are placed here through the audited service; never edited or deleted: lifted
    (the action below), so what was held, by whom and why stays on record."""

    form = LegalHoldForm
    list_display = ["placed_at", "person", "case", "placed_by", "lifted_at"]
    list_filter = [("lifted_at", admin.EmptyFieldListFilter)]
    raw_id_fields = ["person", "case"]
    ordering = ["-placed_at"]
    actions = ["lift"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return ["person", "case", "reason", "placed_by", "placed_at", "lifted_by", "lifted_at"]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ("person", "case", "reason")
        return tuple(self.get_readonly_fields(request, obj))

    def save_model(self, request: HttpRequest, obj: LegalHold, form: Any, change: bool) -> None:
        if change:
            return  # nothing of a hold changes but its lifting
        actor = request.user
        assert isinstance(actor, User)  # noqa: S101  (the admin is signed in)
        try:
            hold = place_legal_hold(
                actor=actor, person=obj.person, case=obj.case, reason=obj.reason
            )
        except ValidationError as refused:
            self.message_user(request, " ".join(refused.messages), level=messages.ERROR)
            raise PermissionDenied from refused
        obj.pk = hold.pk
        obj.placed_by, obj.placed_at = hold.placed_by, hold.placed_at
        obj._state.adding = False

    @admin.action(description=_("Lift the selected holds"))
    def lift(self, request: HttpRequest, queryset: QuerySet[LegalHold]) -> None:
        actor = request.user
        assert isinstance(actor, User)  # noqa: S101
        for hold in queryset.filter(lifted_at__isnull=True):
            try:
                lift_legal_hold(hold=hold, actor=actor)
            except ValidationError as refused:
                self.message_user(request, " ".join(refused.messages), level=messages.ERROR)
                return

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
