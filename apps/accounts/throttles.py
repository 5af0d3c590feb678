"""Login attempts are limited per address and per account (Redis-backed cache counters)."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle


class LoginAddressThrottle(SimpleRateThrottle):
    scope = "login_address"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginAccountThrottle(SimpleRateThrottle):
    scope = "login_account"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        try:
            data = request.data
        except Exception:  # unparsable bodies are refused later by the view, with their own error
            return None
        email = data.get("email") if isinstance(data, dict) else None
        if not isinstance(email, str) or not email:
            return None
        return self.cache_format % {"scope": self.scope, "ident": email.strip().lower()}


class SignedInRateThrottle(UserRateThrottle):
    """The ``user`` rate for signed-in users and API keys only.

    DRF's UserRateThrottle also counts anonymous requests (by address), which AnonRateThrottle
    already does: every anonymous request paid for two counters in Redis.
    """

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)
