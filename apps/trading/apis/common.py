"""What the trading APIs share: tags, permissions, the sale's output and its rendering per actor."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.permissions import IsAuthenticatedOrReadOnly

from apps.accounts.permissions import ApiKeyScopePermission
from apps.core.fields import MoneyField
from apps.core.pagination import StandardCursorPagination
from apps.organizations.access import Actor, is_operator, organization_ids
from apps.trading.models import Sale, SalePhase

TAGS = ["trading"]
PUBLIC_READ = [IsAuthenticatedOrReadOnly, ApiKeyScopePermission]


def money_field(**kwargs: Any) -> MoneyField:
    return MoneyField(max_digits=16, decimal_places=2, **kwargs)


class OldestFirstCursorPagination(StandardCursorPagination):
    ordering = "sequence"


class IdCursorPagination(StandardCursorPagination):
    ordering = "id"


class SaleOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    mode = serializers.CharField()
    mode_display = serializers.CharField(source="get_mode_display")
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    phase = serializers.ChoiceField(choices=SalePhase.choices, help_text="Where the sale stands now.")
    achievement_id = serializers.IntegerField()
    title = serializers.CharField()
    seller_id = serializers.IntegerField()
    seller_name = serializers.CharField(source="seller.name")
    seller_type = serializers.CharField(source="seller.type")
    price = serializers.DecimalField(
        max_digits=16, decimal_places=2, help_text="The fixed price, or the auction's starting price (yuan)."
    )
    notice_days = serializers.IntegerField()
    notice_starts_at = serializers.DateTimeField()
    notice_ends_at = serializers.DateTimeField()
    objection_pending = serializers.BooleanField(help_text="An objection awaits the operator's decision.")
    reserve_price = serializers.DecimalField(
        max_digits=16, decimal_places=2, allow_null=True, help_text="The seller and the operator only; null for others."
    )
    reserve_met = serializers.BooleanField(allow_null=True, help_text="Null before the first bid.")
    increment = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    deposit_amount = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True, help_text="After any anti-sniping extensions.")
    scheduled_ends_at = serializers.DateTimeField(allow_null=True, help_text="The end first announced.")
    extension_minutes = serializers.IntegerField()
    extension_count = serializers.IntegerField()
    current_price = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    minimum_bid = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    bid_count = serializers.IntegerField()
    bidder_count = serializers.IntegerField()
    leader_number = serializers.IntegerField(source="leader.number", allow_null=True, default=None)
    buyer_id = serializers.IntegerField(allow_null=True)
    buyer_name = serializers.CharField(source="buyer.name", allow_null=True, default=None)
    final_price = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    deal_id = serializers.IntegerField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    closing_note = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, instance: Sale) -> dict[str, Any]:
        data = super().to_representation(instance)
        privileged = self.context.get("privileged_orgs")
        if not (privileged is True or (privileged and instance.seller_id in privileged)):
            data["reserve_price"] = None
        return data


def sale_context(actor: Actor) -> dict[str, Any]:
    """Who sees reserve prices: the operator every sale's, an organisation its own sales'."""
    return {"privileged_orgs": True if is_operator(actor) else organization_ids(actor)}


def render_sale(actor: Actor, sale: Sale) -> dict[str, Any]:
    return dict(SaleOutputSerializer(sale, context=sale_context(actor)).data)


def render_sales(actor: Actor, sales: list[Sale]) -> list[dict[str, Any]]:
    return list(SaleOutputSerializer(sales, many=True, context=sale_context(actor)).data)
