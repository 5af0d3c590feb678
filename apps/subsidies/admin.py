"""The operator's admin for post-subsidies (read-mostly: decisions go through the API and its services)."""

from __future__ import annotations

from django.contrib import admin

from apps.subsidies.models import ClaimedContract, Disbursement, SubsidyClaim, SubsidyPolicy, SubsidyRound


@admin.register(SubsidyPolicy)
class SubsidyPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "version", "status", "effective_from", "effective_until")
    list_filter = ("status",)
    search_fields = ("name", "version")
    readonly_fields = ("rules", "status")


@admin.register(SubsidyRound)
class SubsidyRoundAdmin(admin.ModelAdmin):
    list_display = ("name", "policy", "opens_on", "closes_on", "budget")
    list_select_related = ("policy",)


class ClaimedContractInline(admin.TabularInline):
    model = ClaimedContract
    extra = 0
    can_delete = False
    readonly_fields = ("contract", "policy_name", "amount", "active")


@admin.register(SubsidyClaim)
class SubsidyClaimAdmin(admin.ModelAdmin):
    list_display = ("id", "enterprise", "round", "status", "computed_amount", "approved_amount")
    list_filter = ("status",)
    list_select_related = ("enterprise", "round")
    readonly_fields = ("computed_amount", "breakdown", "status", "approved_amount", "decided_by", "decided_at")
    inlines = [ClaimedContractInline]


@admin.register(Disbursement)
class DisbursementAdmin(admin.ModelAdmin):
    list_display = ("reference", "claim", "amount", "paid_on")
    readonly_fields = ("claim", "amount", "paid_on", "reference", "recorded_by")
