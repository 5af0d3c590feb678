from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from apps.accounts.authentication import request_api_key
from apps.accounts.models import ApiKey


class ApiKeyScopePermission(BasePermission):
    """A read-only API key may only read. Requests authenticated otherwise pass through."""

    message = _("This API key is read-only.")
    code = "api_key_read_only"

    def has_permission(self, request: Request, view: Any) -> bool:
        key = request_api_key(request)
        if key is None or request.method in SAFE_METHODS:
            return True
        return key.scope == ApiKey.Scope.READ_WRITE


class PeopleOnly(BasePermission):
    """For endpoints that manage credentials: an API key cannot mint or revoke keys or tokens."""

    message = _("This action needs a person's login, not an API key.")
    code = "people_only"

    def has_permission(self, request: Request, view: Any) -> bool:
        return request_api_key(request) is None
