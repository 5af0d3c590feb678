"""OpenAPI descriptions of the two ways to authenticate (imported by AccountsConfig.ready), and the API-key
scope each operation needs (:func:`document_api_key_scopes`, a postprocessing hook)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension

from apps.accounts.scopes import PUBLIC, SCOPE_FAMILIES, operation_family, required_scope

SAFE = {"get", "head", "options"}


class MarketJWTScheme(SimpleJWTScheme):
    target_class = "apps.accounts.authentication.MarketJWTAuthentication"
    name = "jwtAuth"


def _scopes_description() -> str:
    families = "\n".join(f"- `{family}`: {covers}" for family, covers in SCOPE_FAMILIES.items())
    return (
        "`Api-Key <prefix>.<secret>`: a key issued to an API consumer by its organisation's admin.\n\n"
        "A key holds **scopes**, `<family>:read` (GET), `<family>:write` (POST, PATCH, PUT, DELETE) or "
        "`<family>:*`; `*` as the family means every family. Write does not imply read. An operation the "
        "key's scopes do not cover answers 403 with code `insufficient_scope` and `required_scope` naming "
        "the scope it needs; each operation states its scope in `x-required-scope`. Families:\n\n"
        f"{families}\n\n"
        "Each key has its own rate (per minute; the operator can set it per key), reported on every "
        "response in the `RateLimit` and `RateLimit-Policy` headers (policy `api_key`)."
    )


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "apps.accounts.authentication.ApiKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": _scopes_description()}


def document_api_key_scopes(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: every operation names the API-key scope it needs."""
    for path, operations in result.get("paths", {}).items():
        family = operation_family(path)
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if family is None or family == PUBLIC:
                continue
            scope = required_scope(family, safe=method in SAFE)
            operation["x-required-scope"] = scope
            note = f"API keys need the scope `{scope}`."
            operation["description"] = f"{operation.get('description', '')}\n\n{note}".strip()
    return result
