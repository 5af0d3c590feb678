"""JWT tokens that carry the user's session version, so revocation takes effect at once."""

from __future__ import annotations

from typing import Any

from rest_framework_simplejwt.serializers import TokenObtainPairSerializer
from rest_framework_simplejwt.tokens import RefreshToken

SESSION_VERSION_CLAIM = "sv"


class MarketRefreshToken(RefreshToken):
    @classmethod
    def for_user(cls, user: Any) -> MarketRefreshToken:
        token = super().for_user(user)
        token[SESSION_VERSION_CLAIM] = user.session_version  # copied into access tokens and rotations
        return token  # type: ignore[return-value]


class MarketTokenObtainPairSerializer(TokenObtainPairSerializer):
    token_class = MarketRefreshToken
