"""OpenAPI additions: every operation documents the problem-details responses it can give."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from apps.core.errors import PROBLEM_CONTENT_TYPE
from apps.core.pagination import WindowPagination

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details, the one error shape of this API.",
    "properties": {
        "type": {
            "type": "string",
            "description": "URI naming the problem type.",
            "example": "urn:marketplace:problem:not_found",
        },
        "title": {"type": "string", "example": "Not found"},
        "status": {"type": "integer", "example": 404},
        "detail": {"type": "string", "example": "Not found."},
        "code": {"type": "string", "description": "Machine-readable error code.", "example": "not_found"},
        "instance": {"type": "string", "description": "The request path."},
        "request_id": {"type": "string", "description": "The X-Request-ID of the request."},
        "errors": {
            "type": "array",
            "description": "Per-field errors (validation problems).",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string", "example": "credit_code"},
                    "code": {"type": "string", "example": "invalid"},
                    "message": {"type": "string"},
                },
                "required": ["field", "code", "message"],
            },
        },
    },
    "required": ["type", "title", "status", "detail", "code", "errors"],
}


class ProblemSerializer(serializers.Serializer):
    """Stands for the ``Problem`` component in ``extend_schema`` (add_problem_responses sets its schema)."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField()


def problem_response(status: int, description: str) -> dict[tuple[int, str], OpenApiResponse]:
    """An ``extend_schema`` ``responses`` entry: a problem document for ``status``, described."""
    return {(status, PROBLEM_CONTENT_TYPE): OpenApiResponse(response=ProblemSerializer, description=description)}


_DESCRIPTIONS = {
    "400": "Invalid input (validation_error, parse_error or a domain error code).",
    "401": "Missing or invalid credentials.",
    "403": (
        "Authenticated but not allowed; `insufficient_scope` when an API key lacks the operation's scope "
        "(`required_scope` names it)."
    ),
    "404": "Not found, or not visible to the caller.",
    "405": "Method not allowed.",
    "409": "Conflicts with the record's state (a move its status does not allow, a duplicate).",
    "413": "The request body or an uploaded file is too large (`request_too_large`).",
    "412": "The record changed since it was read (If-Match mismatch).",
    "414": "The URL (path and query) is too long (`uri_too_long`).",
    "415": "Unsupported media type, or JSON in a charset other than UTF-8 (`unsupported_media_type`).",
    "429": "Too many requests; see Retry-After and the RateLimit / RateLimit-Policy headers.",
    "500": "Unexpected server error; the request id identifies it in the logs.",
    "503": "The database is unavailable (`database_unavailable`); retry after `Retry-After` seconds.",
}
_INVALID_CURSOR = "An invalid `cursor` answers 400 with code `invalid_cursor`."
# Every 201 carries it (apps.core.middleware.CreatedLocationMiddleware).
_LOCATION_HEADER: dict[str, Any] = {
    "description": "Where a GET reads what was created: the record's URL, or the list it lives in.",
    "schema": {"type": "string"},
}


def _document_query_limits(operation: dict[str, Any]) -> None:
    """The pagination parameters' bounds (DRF's own schema states none)."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") != "query":
            continue
        schema = parameter.get("schema", {})
        if parameter.get("name") == "page_size" and schema.get("type") == "integer":
            schema.update(minimum=1, maximum=settings.API_PAGE_SIZE_MAX)
        elif parameter.get("name") == "page" and schema.get("type") == "integer":
            schema.update(minimum=1, maximum=WindowPagination.max_pages)
        elif parameter.get("name") == "cursor":
            parameter["description"] = f"{parameter.get('description', '')} {_INVALID_CURSOR}".strip()


def _date_bounds_text() -> str:
    return f"Dates from {settings.MARKET_DATE_MIN} to {settings.MARKET_DATE_MAX} (else 400)."


def _bound_date(schema: dict[str, Any], *, describe: bool = True) -> None:
    """A date's bounds on its schema: JSON Schema has no minimum for a ``format: date`` string, so they are
    stated as ``x-date-minimum`` / ``x-date-maximum`` and, where asked, in the description."""
    if schema.get("format") != "date" or "x-date-minimum" in schema:
        return
    schema["x-date-minimum"] = settings.MARKET_DATE_MIN
    schema["x-date-maximum"] = settings.MARKET_DATE_MAX
    if describe:
        schema["description"] = f"{schema.get('description', '')} {_date_bounds_text()}".strip()


def _document_date_bounds(result: dict[str, Any]) -> None:
    """Every date a client sends (query parameters and request bodies) is bounded by MARKET_DATE_MIN/MAX."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if schema.get("format") == "date" and "x-date-minimum" not in schema:
                    _bound_date(schema, describe=False)
                    parameter["description"] = f"{parameter.get('description', '')} {_date_bounds_text()}".strip()
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if not name.endswith("Request"):  # COMPONENT_SPLIT_REQUEST: the shapes clients send
            continue
        for prop in component.get("properties", {}).values():
            _bound_date(prop)
            if prop.get("type") == "array":
                _bound_date(prop.get("items", {}))


def add_problem_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: add the Problem component and its responses."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    ref = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            _document_query_limits(operation)
            paginated = any(p.get("name") == "cursor" for p in operation.get("parameters", []))
            codes = ["414", "429", "500", "503"]
            security = operation.get("security", [])
            if security and {} not in security:  # {} would mean "anonymous allowed too"
                codes += ["401", "403"]
            if method in {"post", "put", "patch"} or operation.get("parameters"):
                codes.append("400")
            if "{" in path:
                codes.append("404")
            if method in {"post", "put", "patch", "delete"}:
                codes.append("409")
            if method in {"post", "put", "patch"} and "requestBody" in operation:
                codes += ["413", "415"]
            created = operation["responses"].get("201")
            if isinstance(created, dict):
                created.setdefault("headers", {}).setdefault("Location", _LOCATION_HEADER)
            for code in codes:
                description = _DESCRIPTIONS[code]
                if code == "400" and paginated:
                    description = f"{description} {_INVALID_CURSOR}"
                documented = operation["responses"].setdefault(code, {"description": description, "content": ref})
                documented.setdefault("content", ref)  # a view's own description, the one error shape
    _document_date_bounds(result)
    return result


def prefer_json_request_bodies(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: a body the API takes as JSON is documented as JSON only.

    Every view also parses form and multipart bodies (DRF's default parsers), so drf-spectacular lists the
    same schema three times; generated clients (openapi-python-client) then type each body as a union of
    three identical types and some emit code that does not import. JSON is the API's format; uploads
    (a multipart body with a binary field and no JSON) keep their multipart description.
    """
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                json_schema = content["application/json"].get("schema")
                for media_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                    if media_type in content and content[media_type].get("schema") == json_schema:
                        del content[media_type]
    return result
