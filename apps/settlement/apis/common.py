"""What the settlement APIs share: tags, the money field, oldest-first pagination."""

from __future__ import annotations

from typing import Any

from apps.core.fields import MoneyField
from apps.core.pagination import StandardCursorPagination

ESCROW_TAGS = ["settlement"]
AFTERCARE_TAGS = ["after the deal"]
ROYALTY_TAGS = ["royalties"]
SHARING_TAGS = ["revenue sharing"]


def money(**kwargs: Any) -> MoneyField:
    return MoneyField(max_digits=16, decimal_places=2, **kwargs)


class OldestFirstPagination(StandardCursorPagination):
    ordering = "id"
