"""The operator's admin for custody: agreements, assets in custody, payments, reminders and pledges (read-mostly)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.custody.models import (
    AgreementEvent,
    CustodyAgreement,
    CustodyAsset,
    Payment,
    Pledge,
    PledgeConsent,
    PledgeWarning,
    Reminder,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Custody records change through the services (locks, checks, history); the admin reads them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AgreementEventInline(admin.TabularInline):
    model = AgreementEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "end_date_before", "end_date_after", "fee", "note", "actor", "at")


@admin.register(CustodyAgreement)
class CustodyAgreementAdmin(ReadOnlyAdmin):
    list_display = ("id", "owner", "custodian", "status", "service_level", "start_date", "end_date", "fee")
    list_filter = ("status", "service_level")
    search_fields = ("owner__name", "custodian__name", "note")
    list_select_related = ("owner", "custodian")
    inlines = [AgreementEventInline]


@admin.register(CustodyAsset)
class CustodyAssetAdmin(ReadOnlyAdmin):
    list_display = ("id", "asset", "agreement", "active", "next_year", "next_due_date", "grace_deadline", "next_fee")
    list_filter = ("active",)
    search_fields = ("asset__title", "asset__application_number", "agreement__owner__name")
    list_select_related = ("asset", "agreement")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("receipt_number", "asset", "year", "amount", "paid_on", "code", "underpaid")
    list_filter = ("underpaid", "code")
    search_fields = ("receipt_number", "asset__title", "asset__application_number")
    list_select_related = ("asset",)


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ("asset", "year", "kind", "due_date", "amount", "sent_on")
    list_filter = ("kind",)
    search_fields = ("asset__title", "asset__application_number")
    list_select_related = ("asset",)


@admin.register(Pledge)
class PledgeAdmin(ReadOnlyAdmin):
    list_display = ("registration_number", "asset", "pledgee_name", "secured_amount", "registration_date", "status")
    list_filter = ("status",)
    search_fields = ("registration_number", "pledgee_name", "asset__title", "asset__application_number")
    list_select_related = ("asset",)


@admin.register(PledgeConsent)
class PledgeConsentAdmin(ReadOnlyAdmin):
    list_display = ("pledge", "action", "counterparty", "contract_id", "granted_by", "at")
    list_filter = ("action",)
    list_select_related = ("pledge", "counterparty", "granted_by")


@admin.register(PledgeWarning)
class PledgeWarningAdmin(ReadOnlyAdmin):
    list_display = ("pledge", "key", "sent_on")
    list_select_related = ("pledge",)
