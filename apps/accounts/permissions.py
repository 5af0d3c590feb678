from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from apps.accounts.authentication import request_api_key
from apps.accounts.scopes import PUBLIC, operation_family, required_scope, scopes_allow
from apps.core.errors import ApplicationError

INSUFFICIENT_SCOPE = "insufficient_scope"


class ApiKeyScopePermission(BasePermission):
    """An API key may call an operation only if one of its scopes covers the operation's family and
    access (apps.accounts.scopes): otherwise 403 ``insufficient_scope`` naming the scope it needs.
    Requests authenticated otherwise pass through."""

    def has_permission(self, request: Request, view: Any) -> bool:
        key = request_api_key(request)
        if key is None:
            return True
        family = operation_family(request.path_info)
        if family == PUBLIC:
            return True
        if family is None:  # an operation no family claims is closed to keys (the scope test prevents it)
            raise ApplicationError(
                str(_("This operation is not open to API keys.")),
                code=INSUFFICIENT_SCOPE,
                status=status.HTTP_403_FORBIDDEN,
                extra={"required_scope": None},
            )
        needed = required_scope(family, safe=request.method in SAFE_METHODS)
        if scopes_allow(key.scopes, needed):
            return True
        raise ApplicationError(
            _("This API key lacks the scope %(scope)s needed here.") % {"scope": needed},
            code=INSUFFICIENT_SCOPE,
            status=status.HTTP_403_FORBIDDEN,
            extra={"required_scope": needed, "granted_scopes": list(key.scopes)},
        )


class PeopleOnly(BasePermission):
    """For endpoints that manage credentials: an API key cannot mint or revoke keys or tokens."""

    message = _("This action needs a person's login, not an API key.")
    code = "people_only"

    def has_permission(self, request: Request, view: Any) -> bool:
        return request_api_key(request) is None
