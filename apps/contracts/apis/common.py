"""What the contracts APIs share: their tags and the money field."""

from __future__ import annotations

from typing import Any

from apps.core.fields import MoneyField

TAGS = ["contracts"]
REGISTRATION_TAGS = ["registrations"]


def money(**kwargs: Any) -> MoneyField:
    return MoneyField(max_digits=16, decimal_places=2, **kwargs)
