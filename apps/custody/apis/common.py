"""What the custody APIs share: the tag, money fields, pagination and the asset serializers."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.core.fields import MarketDateField, MoneyField
from apps.core.pagination import StandardCursorPagination

TAGS = ["custody"]


def money_field(**kwargs: Any) -> MoneyField:
    return MoneyField(max_digits=14, decimal_places=2, **kwargs)


class OldestFirstPagination(StandardCursorPagination):
    ordering = "id"


class OrgBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AssetBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    application_number = serializers.CharField()
    patent_number = serializers.CharField()
    registration_number = serializers.CharField()
    legal_status = serializers.CharField()


class CustodyAssetOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    agreement_id = serializers.IntegerField()
    asset = AssetBriefSerializer()
    active = serializers.BooleanField()
    reduction_share = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True)
    reduction_years = serializers.IntegerField(allow_null=True)
    paid_through_year = serializers.IntegerField()
    next_year = serializers.IntegerField(allow_null=True, help_text="The first annuity year not yet paid.")
    next_due_date = MarketDateField(allow_null=True)
    grace_deadline = MarketDateField(allow_null=True)
    next_fee = money_field(allow_null=True)
    next_reminder_on = MarketDateField(allow_null=True)
