"""Admin pieces shared by the apps."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from apps.core.effects import retry_effects
from apps.core.models import Effect, EvidenceEntry, ImportJob


class ReadOnlyAdminMixin:
    """Records written by the services: viewable, never added, changed or deleted by hand."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Effect)
class EffectAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The outbox of named effects: what is pending, what failed and why; failed ones can be retried."""

    list_display = ("id", "name", "status", "attempts", "handovers", "created_at", "due_at", "done_at")
    list_filter = ("status", "name")
    search_fields = ("name",)
    ordering = ("-id",)
    readonly_fields = (
        "name",
        "kwargs",
        "status",
        "attempts",
        "handovers",
        "due_at",
        "leased_until",
        "last_error",
        "created_at",
        "done_at",
    )
    actions = ("retry",)

    @admin.action(description=_("Retry the selected effects now"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Effect]) -> None:
        count = retry_effects(queryset.values_list("pk", flat=True))
        self.message_user(request, _("%(count)d effects handed over again.") % {"count": count})

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The retry action needs change permission; the form itself shows read-only fields only.
        return bool(request.user.is_superuser)


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Bulk imports run by workers: who sent which file, how far it got, the report."""

    list_display = ("id", "kind", "created_by", "filename", "status", "done_rows", "total_rows", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("filename", "created_by__email")
    ordering = ("-id",)
    exclude = ("content",)
    list_select_related = ("created_by",)


@admin.register(EvidenceEntry)
class EvidenceEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The evidence chain (apps.core.evidence): read only; `manage.py verify_evidence` checks it."""

    list_display = ("position", "stream", "event", "subject_type", "subject_id", "created_at", "hash")
    list_filter = ("stream", "event")
    search_fields = ("hash", "event")
    ordering = ("-position",)
