"""The operator's admin for deals: read-only (moves go through the API, which checks versions and roles).

Chinese titles and party names search as typed.
"""

from __future__ import annotations

from django.contrib import admin

from apps.core.admin import ReadOnlyAdminMixin
from apps.deals.models import Deal, DealActivity, DealParticipant


class DealParticipantInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = DealParticipant
    fields = ("role", "organization", "broker")
    extra = 0


class DealActivityInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = DealActivity
    fields = ("occurred_at", "kind", "text", "actor")
    extra = 0


@admin.register(Deal)
class DealAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "title", "buyer", "seller", "stage", "version", "stage_changed_at", "created_at")
    list_filter = ("stage",)
    search_fields = ("title", "buyer__name", "seller__name")
    list_select_related = ("buyer", "seller")
    date_hierarchy = "created_at"
    inlines = [DealParticipantInline, DealActivityInline]
