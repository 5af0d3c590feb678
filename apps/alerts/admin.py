from __future__ import annotations

from django.contrib import admin

from apps.alerts.models import Digest, SavedSearch


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    """Read-mostly: users keep their saved searches over the API; staff look one up when a digest is asked about."""

    list_display = ("id", "name", "user", "frequency", "in_app", "email", "last_digest_at", "next_digest_at")
    list_display_links = ("id", "name")
    list_filter = ("frequency", "in_app", "email")
    list_select_related = ("user",)
    search_fields = ("name", "user__email", "keywords")
    raw_id_fields = ("user",)
    ordering = ("-id",)


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ("id", "saved_search", "since", "until", "item_count", "more_count", "created_at")
    list_select_related = ("saved_search",)
    raw_id_fields = ("saved_search", "notification")
    date_hierarchy = "created_at"
    ordering = ("-id",)

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
