"""The operator's admin for deals: read-only (moves go through the API, which checks versions and roles).

Chinese titles and party names search as typed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.deals.models import Deal, DealActivity, DealParticipant


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DealParticipantInline(_ReadOnly, admin.TabularInline):
    model = DealParticipant
    fields = ("role", "organization", "broker")
    extra = 0


class DealActivityInline(_ReadOnly, admin.TabularInline):
    model = DealActivity
    fields = ("occurred_at", "kind", "text", "actor")
    extra = 0


@admin.register(Deal)
class DealAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("id", "title", "buyer", "seller", "stage", "version", "stage_changed_at", "created_at")
    list_filter = ("stage",)
    search_fields = ("title", "buyer__name", "seller__name")
    list_select_related = ("buyer", "seller")
    date_hierarchy = "created_at"
    inlines = [DealParticipantInline, DealActivityInline]
