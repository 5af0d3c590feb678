from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.notifications.models import Notification


class ReadListFilter(admin.SimpleListFilter):
    title = _("read")
    parameter_name = "read"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Read")), ("no", _("Unread"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Notification]) -> QuerySet[Notification]:
        if self.value() == "yes":
            return queryset.filter(read_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(read_at__isnull=True)
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-mostly: notifications are written by the services; staff look them up and may delete one."""

    list_display = ("id", "title", "kind", "recipient", "created_at", "read_at", "emailed_at")
    list_display_links = ("id", "title")
    list_filter = ("kind", ReadListFilter, "created_at")
    list_select_related = ("recipient",)
    # Chinese titles match by substring (PostgreSQL ILIKE on UTF-8 text).
    search_fields = ("title", "recipient__email", "recipient__name")
    date_hierarchy = "created_at"
    ordering = ("-id",)
    # The table grows with every notice; skip the unfiltered COUNT(*) on each page.
    show_full_result_count = False
    fields = (
        "recipient",
        "kind",
        "title",
        "body",
        "target_type",
        "target_id",
        "created_at",
        "read_at",
        "emailed_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False
