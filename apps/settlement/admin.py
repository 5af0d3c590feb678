"""The operator's admin for settlement, after-deal tracking, royalties and revenue sharing.

Read-only: every record changes through the services (the ledger is append-only, its postings
balanced, allocations add up to their payment), so the admin shows, it does not edit.
"""

from __future__ import annotations

from django.contrib import admin

from apps.core.admin import ReadOnlyAdminMixin
from apps.settlement.models import (
    DistributionScheme,
    DistributionShare,
    EscrowMilestone,
    Implementation,
    ImplementationReport,
    IncomeAllocation,
    Posting,
    PostingLine,
    RoyaltyPayment,
    RoyaltyReport,
    RoyaltyTerm,
)


class PostingLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PostingLine
    extra = 0
    fields = ("account", "debit", "credit")
    readonly_fields = fields


@admin.register(EscrowMilestone)
class EscrowMilestoneAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("title", "contract", "amount", "due_on", "status")
    list_filter = ("status",)
    search_fields = ("title", "contract__title")


@admin.register(Posting)
class PostingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "contract", "milestone", "kind", "amount", "external_reference", "created_at")
    list_filter = ("kind",)
    search_fields = ("external_reference", "contract__title")
    inlines = [PostingLineInline]


@admin.register(Implementation)
class ImplementationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("contract", "stage", "small_trial_on", "pilot_on", "industrialisation_on")
    list_filter = ("stage",)


@admin.register(ImplementationReport)
class ImplementationReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("contract", "stage", "period_start", "period_end", "revenue", "output_value", "jobs_created")
    list_filter = ("stage",)


@admin.register(RoyaltyTerm)
class RoyaltyTermAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("contract", "rate_percent", "per_unit_fee", "minimum_annual", "period", "starts_on")


@admin.register(RoyaltyReport)
class RoyaltyReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("contract", "period_index", "period_start", "net_sales", "amount_due", "due_on", "status")
    list_filter = ("status",)


@admin.register(RoyaltyPayment)
class RoyaltyPaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("report", "payment")


class DistributionShareInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = DistributionShare
    extra = 0
    fields = ("kind", "name", "user", "percent")
    readonly_fields = fields


@admin.register(DistributionScheme)
class DistributionSchemeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "organization", "version", "effective_from", "min_researcher_percent")
    inlines = [DistributionShareInline]


@admin.register(IncomeAllocation)
class IncomeAllocationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "organization", "source", "percent", "amount", "received_on")
    list_filter = ("kind", "source")
    search_fields = ("name",)
