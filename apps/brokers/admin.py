"""The operator's admin for brokers and the attribution ledger (Chinese names search as typed).

Verification goes through the API's service so the broker is notified; the ledger is read-only
here as everywhere (the database refuses changes anyway).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.brokers.models import Broker, BrokerStatus, Introduction
from apps.brokers.services import broker_verify
from apps.core.errors import ApplicationError


@admin.register(Broker)
class BrokerAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "organization", "level", "certificate_number", "status", "verified_at")
    list_filter = ("status", "level", "fields")
    search_fields = ("user__name", "user__email", "organization__name", "certificate_number")
    list_select_related = ("user", "organization")
    autocomplete_fields = ("user", "organization")
    filter_horizontal = ("fields", "industries", "regions")
    readonly_fields = ("status", "verified_at", "verified_by", "rejection_reason", "created_at", "updated_at")
    actions = ["verify_selected"]

    @admin.action(description=_("Verify the selected pending brokers"))
    def verify_selected(self, request: HttpRequest, queryset: QuerySet[Broker]) -> None:
        actor = request.user
        if not isinstance(actor, User):
            return
        done = 0
        for broker in queryset.filter(status=BrokerStatus.PENDING):
            try:
                broker_verify(actor=actor, broker=broker, approve=True)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, exc.message, level=messages.ERROR)
                return
        self.message_user(request, _("%(count)d brokers verified.") % {"count": done})


@admin.register(Introduction)
class IntroductionAdmin(admin.ModelAdmin):
    list_display = ("id", "broker", "party_a", "party_b", "commission_rate", "commission_fixed", "created_at")
    search_fields = ("broker__user__name", "party_a__name", "party_b__name", "note")
    list_select_related = ("broker__user", "party_a", "party_b")
    date_hierarchy = "created_at"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
