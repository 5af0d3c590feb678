"""What the contracts APIs share: their tags and the money field."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

TAGS = ["contracts"]
REGISTRATION_TAGS = ["registrations"]


def money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=2, **kwargs)
