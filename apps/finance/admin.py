"""The operator's admin for technology finance: read and search; decisions go through the API's services."""

from __future__ import annotations

from django.contrib import admin

from apps.finance.models import (
    FinancialProduct,
    FinancingApplication,
    FinancingRequest,
    LedgerEntry,
    LedgerPosting,
    PoolEnrolment,
    RiskPool,
)


@admin.register(FinancialProduct)
class FinancialProductAdmin(admin.ModelAdmin):
    list_display = ("name", "institution", "kind", "min_amount", "max_amount", "status")
    list_filter = ("kind", "status")
    search_fields = ("name", "institution__name")
    raw_id_fields = ("institution", "created_by")


@admin.register(FinancingRequest)
class FinancingRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "enterprise", "amount", "term_months", "kind", "status", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("enterprise__name", "purpose")
    raw_id_fields = ("enterprise", "created_by", "collateral")


@admin.register(FinancingApplication)
class FinancingApplicationAdmin(admin.ModelAdmin):
    list_display = ("id", "enterprise", "product", "institution", "status", "approved_amount", "disbursed_amount")
    list_filter = ("status",)
    search_fields = ("enterprise__name", "institution__name", "product__name")
    raw_id_fields = ("request", "product", "institution", "enterprise", "decided_by", "submitted_by")
    readonly_fields = ("status",)


@admin.register(RiskPool)
class RiskPoolAdmin(admin.ModelAdmin):
    list_display = ("name", "region", "pool_share", "bank_share", "guarantor_share", "active")


@admin.register(PoolEnrolment)
class PoolEnrolmentAdmin(admin.ModelAdmin):
    list_display = ("pool", "application", "guarantor", "covered_amount", "status")
    list_filter = ("status",)
    raw_id_fields = ("application", "guarantor", "requested_by", "decided_by")
    readonly_fields = ("status",)


class LedgerEntryInline(admin.TabularInline):
    model = LedgerEntry
    extra = 0
    can_delete = False
    readonly_fields = ("account", "debit", "credit")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(LedgerPosting)
class LedgerPostingAdmin(admin.ModelAdmin):
    """The ledger is append-only: postings are read here, written by the services."""

    list_display = ("id", "pool", "kind", "amount", "posted_on")
    list_filter = ("kind", "pool")
    inlines = [LedgerEntryInline]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
