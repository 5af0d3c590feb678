"""The operator's admin for the statistics: cells, per-contract figures and recompute runs, read-only.

The numbers change only through the fold and the recompute; the operator looks them up here and can
queue a recompute.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ReadOnlyAdminMixin
from apps.stats.dims import GRAINS
from apps.stats.models import Cell, ContractFigures, RecomputeRun

# Grain names for the operator (the names in apps.stats.dims are English identifiers).
GRAIN_LABELS = {
    0: _("all cuts"),
    1: _("headline"),
    2: _("contract type"),
    3: _("technology field"),
    4: _("flow"),
    5: _("output"),
    6: _("absorption"),
    7: _("IP and programme"),
    8: _("broker"),
    9: _("type, field and flow"),
    10: _("market of the network"),
}


class GrainFilter(admin.SimpleListFilter):
    title = _("grain")
    parameter_name = "grain"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(str(grain.id), GRAIN_LABELS.get(grain.id, grain.name)) for grain in GRAINS]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Cell]) -> QuerySet[Cell]:
        value = self.value()
        return queryset.filter(grain=int(value)) if value and value.isdigit() else queryset


@admin.register(Cell)
class CellAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "grain",
        "month",
        "contract_type",
        "technology_field",
        "seller_zone",
        "buyer_zone",
        "contract_count",
        "contract_amount",
        "technology_amount",
        "paid_amount",
    )
    list_filter = (GrainFilter, "contract_type", "seller_zone", "buyer_zone")
    date_hierarchy = "month"
    ordering = ("grain", "-month")
    # Millions of cells: no full count on every page.
    show_full_result_count = False


@admin.register(ContractFigures)
class ContractFiguresAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("contract_id", "contract_type", "seller_zone", "buyer_zone", "broker", "version", "folded_at")
    search_fields = ("=contract__id",)
    raw_id_fields = ("contract",)
    show_full_result_count = False


@admin.register(RecomputeRun)
class RecomputeRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "started_at", "seconds", "contracts", "cells", "differences", "repaired")
    list_filter = ("repaired",)
    date_hierarchy = "started_at"
    actions = ["queue_recompute"]

    @admin.action(description=_("Queue a full recompute of the statistics now"))
    def queue_recompute(self, request: HttpRequest, queryset: QuerySet[RecomputeRun]) -> None:
        from apps.stats.tasks import recompute

        recompute.delay()
        self.message_user(request, _("A recompute has been queued."), messages.SUCCESS)
