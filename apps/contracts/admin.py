"""The operator's admin for contracts and registration.

Contracts, payments and registrations are read-only here: they change through the services (the
same rules, locks, events and history as the API). What the operator edits by hand is data: the
working-day calendar (holidays and make-up working days of each new year) and the rule sets. After
a calendar edit the deadlines of pending applications are recounted.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.contracts.models import (
    BypassAlert,
    Contract,
    ContractDocument,
    ContractSignature,
    Deduction,
    Payment,
    PaymentMilestone,
    Registration,
    RegistrationEvent,
    RuleSet,
    WorkingDayException,
)
from apps.core.admin import ReadOnlyAdminMixin
from apps.core.effects import effect


class DeductionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Deduction
    extra = 0
    fields = ("kind", "description", "amount")
    readonly_fields = fields


class MilestoneInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PaymentMilestone
    extra = 0
    fields = ("title", "due_on", "amount")
    readonly_fields = fields


class PaymentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Payment
    extra = 0
    fields = ("paid_on", "amount", "reference", "recorded_by")
    readonly_fields = fields


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "title",
        "type",
        "legacy_class",
        "seller_name",
        "buyer_name",
        "signed_on",
        "contract_amount",
        "technology_amount",
    )
    list_filter = ("type", "legacy_class", "programme_class", "ip_type", "is_import")
    search_fields = ("title", "contract_number", "buyer_name", "seller_name")
    date_hierarchy = "signed_on"
    list_select_related = True
    inlines = [DeductionInline, MilestoneInline, PaymentInline]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "contract", "paid_on", "amount", "reference")
    search_fields = ("contract__title", "reference")
    list_select_related = ("contract",)
    date_hierarchy = "paid_on"


class RegistrationEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RegistrationEvent
    extra = 0
    fields = ("kind", "effective_on", "contract_amount", "technology_amount", "note", "actor", "created_at")
    readonly_fields = fields


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "contract",
        "applicant",
        "status",
        "deadline",
        "registration_number",
        "recognised_technology_amount",
        "rule_set",
    )
    list_filter = ("status", "rule_set", "deadline_provisional")
    search_fields = ("registration_number", "contract__title", "applicant__name")
    list_select_related = ("contract", "applicant", "rule_set")
    inlines = [RegistrationEventInline]


@admin.register(BypassAlert)
class BypassAlertAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "contract", "broker", "introduction", "created_at")
    search_fields = ("contract__title", "broker__user__name")
    list_select_related = ("contract", "broker", "broker__user", "introduction")


def _recount_after_commit() -> None:
    """Pending deadlines are recounted by a worker after the calendar change commits."""
    effect("contracts.recompute_deadlines")


@admin.register(WorkingDayException)
class WorkingDayExceptionAdmin(admin.ModelAdmin):
    """Holidays on weekdays (not working) and make-up working weekend days (调休, working)."""

    list_display = ("date", "name", "is_working_day")
    list_filter = ("is_working_day",)
    search_fields = ("name",)
    date_hierarchy = "date"

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _recount_after_commit()

    @transaction.atomic
    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        _recount_after_commit()

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset)
        _recount_after_commit()


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    list_display = ("version", "name", "effective_from", "standard_days", "extended_days", "extended_threshold")
    search_fields = ("version", "name")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Registrations keep the rule set they were made under.
        return False


class SignatureInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ContractSignature
    extra = 0
    fields = ("role", "organization", "signer", "signed_at", "document_sha256", "ip_address")


@admin.register(ContractDocument)
class ContractDocumentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Contract document versions and their signatures: written by the parties through the API only."""

    list_display = ("contract", "number", "status", "template", "pdf_sha256", "signed_at", "created_at")
    list_filter = ("status", "template")
    search_fields = ("contract__title", "pdf_sha256")
    inlines = [SignatureInline]
