"""The operator's admin for matching: matches, rebuild runs and the index change log, read-only.

Matches change only through the workers and the feedback API (the same rules as everywhere else); the
operator looks things up here and can queue a rebuild.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ReadOnlyAdminMixin
from apps.matching.models import IndexChange, Match, MatchingRun


@admin.register(Match)
class MatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "demand", "achievement", "score", "state", "dismissal_reason", "engine_version", "created_at")
    list_filter = ("state", "dismissal_reason", "engine_version", "demand__technology_field")
    search_fields = ("demand__title", "achievement__title", "demand__owner__name", "achievement__owner__name")
    list_select_related = ("demand", "achievement")
    raw_id_fields = ("demand", "achievement", "feedback_by")
    date_hierarchy = "created_at"


@admin.register(MatchingRun)
class MatchingRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "kind", "status", "engine_version", "index_version", "listings", "differences", "started_at")
    list_filter = ("kind", "status", "engine_version")
    actions = ["queue_rebuild", "queue_rematch"]

    @admin.action(description=_("Queue a rebuild of the match index now"))
    def queue_rebuild(self, request: HttpRequest, queryset: QuerySet[MatchingRun]) -> None:
        from apps.matching.tasks import rebuild

        rebuild.delay()
        self.message_user(request, _("A rebuild has been queued."), messages.SUCCESS)

    @admin.action(description=_("Re-match every published listing (after an engine change)"))
    def queue_rematch(self, request: HttpRequest, queryset: QuerySet[MatchingRun]) -> None:
        from apps.matching.tasks import rematch_all

        rematch_all.delay()
        self.message_user(request, _("A re-match of every published listing has been queued."), messages.SUCCESS)


@admin.register(IndexChange)
class IndexChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "kind", "listing_id", "op", "created_at")
    list_filter = ("kind", "op")
    search_fields = ("=listing_id",)
