from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.tokens import Token

from apps.accounts.models import ApiKey, User
from apps.accounts.tokens import SESSION_VERSION_CLAIM

API_KEY_KEYWORD = "Api-Key"
# last_used_at is written at most this often per key, so a busy consumer costs no write per request.
LAST_USED_RESOLUTION = timedelta(seconds=60)


class MarketJWTAuthentication(JWTAuthentication):
    """simplejwt, plus immediate revocation: a token's ``sv`` claim must equal ``User.session_version``."""

    def get_user(self, validated_token: Token) -> User:  # type: ignore[override]
        user = super().get_user(validated_token)
        if not isinstance(user, User) or user.is_service_account:
            raise exceptions.AuthenticationFailed(_("Service accounts cannot use tokens."), code="token_not_valid")
        if validated_token.get(SESSION_VERSION_CLAIM, 0) != user.session_version:
            raise exceptions.AuthenticationFailed(_("This token has been revoked."), code="token_revoked")
        return user


class ApiKeyAuthentication(BaseAuthentication):
    """``Authorization: Api-Key <prefix>.<secret>`` for API consumers.

    The key authenticates as its service-account user; ``request.auth`` is the ApiKey so that
    the scope permission can tell read-only keys apart.
    """

    def authenticate(self, request: Request) -> tuple[User, ApiKey] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() != API_KEY_KEYWORD.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed API key header."), code="api_key_invalid")
        key = self._lookup(header[1].decode("latin-1"))
        if not key.service_user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API key."), code="api_key_invalid")
        now = timezone.now()
        if key.last_used_at is None or key.last_used_at < now - LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return key.service_user, key

    @staticmethod
    def _lookup(raw: str) -> ApiKey:
        prefix, _sep, _rest = raw.partition(".")
        key = ApiKey.objects.get_usable_keys().select_related("service_user").filter(prefix=prefix).first()
        if key is None or not key.is_valid(raw):
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API key."), code="api_key_invalid")
        return key

    def authenticate_header(self, request: Request) -> str:
        return API_KEY_KEYWORD


def request_api_key(request: Any) -> ApiKey | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiKey) else None


def request_user(request: Request) -> User:
    """The authenticated person or service account behind a request (typed for the layers below)."""
    user = request.user
    if not isinstance(user, User):
        raise exceptions.NotAuthenticated()
    return user
