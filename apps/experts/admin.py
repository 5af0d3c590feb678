"""The operator's admin for the expert pool and reviews."""

from __future__ import annotations

from django.contrib import admin

from apps.experts.models import Expert, ExpertConflict, ExpertReview, PanelMember, ReviewItem


class ExpertConflictInline(admin.TabularInline):
    model = ExpertConflict
    extra = 0
    raw_id_fields = ("organization",)


@admin.register(Expert)
class ExpertAdmin(admin.ModelAdmin):
    list_display = ("name", "title", "affiliation", "affiliation_text", "active")
    list_filter = ("active", "fields")
    search_fields = ("name", "affiliation_text")
    raw_id_fields = ("user", "affiliation")
    inlines = [ExpertConflictInline]


class ReviewItemInline(admin.TabularInline):
    model = ReviewItem
    extra = 0
    can_delete = False
    readonly_fields = ("code", "bid", "organization", "summary")


class PanelMemberInline(admin.TabularInline):
    model = PanelMember
    extra = 0
    can_delete = False
    readonly_fields = ("expert", "status", "conflict_reason", "conflict_detail", "submitted_at")


@admin.register(ExpertReview)
class ExpertReviewAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "market", "status", "panel_size", "created_at")
    list_filter = ("kind", "status", "market")
    readonly_fields = ("kind", "challenge", "registration", "market", "criteria", "created_by", "completed_at")
    inlines = [ReviewItemInline, PanelMemberInline]
