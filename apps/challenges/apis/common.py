"""What the challenge APIs share: tags, permissions, paginations and field helpers."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticatedOrReadOnly

from apps.accounts.permissions import ApiKeyScopePermission
from apps.core.fields import MoneyField
from apps.core.pagination import StandardCursorPagination
from apps.organizations.models import OrganizationType

TAGS = ["challenges"]
PUBLIC_READ = [IsAuthenticatedOrReadOnly, ApiKeyScopePermission]
BIDDER_TYPES = [
    (value, label) for value, label in OrganizationType.choices if value != OrganizationType.MARKET_OPERATOR
]


class OldestFirstCursorPagination(StandardCursorPagination):
    """Logs read in the order things happened."""

    ordering = "id"


class MilestoneCursorPagination(StandardCursorPagination):
    ordering = "sequence"


def money_field(**kwargs: Any) -> MoneyField:
    return MoneyField(max_digits=16, decimal_places=2, **kwargs)


@extend_schema_field(OpenApiTypes.NUMBER)
class JsonNumberField(serializers.Field):
    """A number as stored in JSON: 300 stays 300, 2.5 stays 2.5."""

    def to_representation(self, value: Any) -> Any:
        return value
