"""The operator's admin for the market network."""

from __future__ import annotations

from django.contrib import admin

from apps.markets.models import Market, MarketOperator


class MarketOperatorInline(admin.TabularInline):
    model = MarketOperator
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Market)
class MarketAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "level", "parent", "active")
    list_filter = ("level", "active")
    inlines = [MarketOperatorInline]


@admin.register(MarketOperator)
class MarketOperatorAdmin(admin.ModelAdmin):
    list_display = ("user", "market", "role")
    list_filter = ("market", "role")
    raw_id_fields = ("user",)
