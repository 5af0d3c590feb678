"""What the finance APIs share: tags, money and rate fields, brief serializers."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.core.fields import DecimalNumberField, MoneyField

TAGS = ["finance"]


def money_field(**kwargs: Any) -> MoneyField:
    return MoneyField(max_digits=16, decimal_places=2, **kwargs)


def rate_field(**kwargs: Any) -> DecimalNumberField:
    return DecimalNumberField(max_digits=6, decimal_places=3, **kwargs)


class FinanceOrgBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    type = serializers.CharField()


class EligibilityRuleResultSerializer(serializers.Serializer):
    rule = serializers.CharField()
    passed = serializers.BooleanField()
    reason = serializers.CharField()


class FinanceFitReasonSerializer(serializers.Serializer):
    criterion = serializers.CharField()
    points = serializers.IntegerField()
    reason = serializers.CharField()
