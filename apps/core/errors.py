"""One error shape for the whole service: RFC 9457 problem details with a machine ``code``.

Services raise :class:`ApplicationError`; DRF exceptions, Django's 404/403 and anything
unexpected are turned into the same shape here, so clients parse one format.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_guid import get_guid
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:marketplace:problem:"


class ErrorCode(StrEnum):
    """Codes shared by every endpoint. Domain apps define their own enums beside their services."""

    VALIDATION_ERROR = "validation_error"
    PARSE_ERROR = "parse_error"
    NOT_AUTHENTICATED = "not_authenticated"
    AUTHENTICATION_FAILED = "authentication_failed"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    THROTTLED = "throttled"
    CONFLICT = "conflict"
    PRECONDITION_FAILED = "precondition_failed"
    PRECONDITION_REQUIRED = "precondition_required"
    TOO_MANY_FIELDS = "too_many_fields"
    TOO_MANY_FILES = "too_many_files"
    REQUEST_TOO_LARGE = "request_too_large"
    URI_TOO_LONG = "uri_too_long"
    INVALID_CURSOR = "invalid_cursor"
    SERVER_ERROR = "server_error"
    DATABASE_UNAVAILABLE = "database_unavailable"


# Lazy: the title is put into the reader's language when a problem is built, not at import.
_TITLES: dict[int, Any] = {
    400: gettext_lazy("Bad request"),
    401: gettext_lazy("Not authenticated"),
    403: gettext_lazy("Forbidden"),
    404: gettext_lazy("Not found"),
    405: gettext_lazy("Method not allowed"),
    406: gettext_lazy("Not acceptable"),
    409: gettext_lazy("Conflict"),
    410: gettext_lazy("Gone"),
    412: gettext_lazy("Precondition failed"),
    413: gettext_lazy("Payload too large"),
    414: gettext_lazy("URI too long"),
    415: gettext_lazy("Unsupported media type"),
    428: gettext_lazy("Precondition required"),
    429: gettext_lazy("Too many requests"),
    500: gettext_lazy("Internal server error"),
    503: gettext_lazy("Service unavailable"),
}


class ApplicationError(Exception):
    """A refusal by the domain: raised by services and selectors, answered as a 4xx problem.

    ``extra`` carries machine-readable details (for example the current version of a record);
    ``field_errors`` maps input fields to messages when the refusal is about particular fields.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str,
        status: int = status.HTTP_400_BAD_REQUEST,
        extra: Mapping[str, Any] | None = None,
        field_errors: Mapping[str, Sequence[str] | str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = str(code)
        self.status = status
        self.extra = dict(extra or {})
        self.field_errors = dict(field_errors or {})


def problem_body(
    *,
    status_code: int,
    code: str,
    detail: str,
    instance: str | None = None,
    errors: list[dict[str, str]] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"{PROBLEM_TYPE_PREFIX}{code}",
        "title": str(_TITLES.get(status_code) or _("Error")),
        "status": status_code,
        "detail": detail,
        "code": code,
        "errors": errors or [],
    }
    if instance:
        body["instance"] = instance
    request_id = get_guid()
    if request_id:
        body["request_id"] = request_id
    if extra:
        for key, value in extra.items():
            body.setdefault(key, value)
    return body


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """Turn DRF's nested error detail into a flat list of {field, code, message}."""
    items: list[dict[str, str]] = []
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            field = f"{prefix}.{key}" if prefix else str(key)
            items.extend(_flatten(value, field))
    elif isinstance(detail, list | tuple):
        for index, value in enumerate(detail):
            if isinstance(value, Mapping | list | tuple):
                items.extend(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
            else:
                items.extend(_flatten(value, prefix))
    else:
        code = getattr(detail, "code", None) or "invalid"
        items.append({"field": prefix or "non_field_errors", "code": str(code), "message": str(detail)})
    return items


_DRF_CODES: dict[type[exceptions.APIException], ErrorCode] = {
    exceptions.ValidationError: ErrorCode.VALIDATION_ERROR,
    exceptions.ParseError: ErrorCode.PARSE_ERROR,
    exceptions.NotAuthenticated: ErrorCode.NOT_AUTHENTICATED,
    exceptions.AuthenticationFailed: ErrorCode.AUTHENTICATION_FAILED,
    exceptions.PermissionDenied: ErrorCode.PERMISSION_DENIED,
    exceptions.NotFound: ErrorCode.NOT_FOUND,
    exceptions.MethodNotAllowed: ErrorCode.METHOD_NOT_ALLOWED,
    exceptions.NotAcceptable: ErrorCode.NOT_ACCEPTABLE,
    exceptions.UnsupportedMediaType: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    exceptions.Throttled: ErrorCode.THROTTLED,
}


def _code_for(exc: exceptions.APIException) -> str:
    """The most specific code: the one the raiser gave (``code=...``), else the class's."""
    detail_code = getattr(exc.detail, "code", None)
    if isinstance(exc.detail, str) and detail_code:
        return str(detail_code)
    for cls in type(exc).__mro__:
        if cls in _DRF_CODES:
            return _DRF_CODES[cls]
    return str(exc.default_code)


def _refusal_for(exc: Exception) -> tuple[int, ErrorCode, str]:
    """Status, code and message for a request Django refuses while reading it (fields, files, size)."""
    if isinstance(exc, TooManyFieldsSent):
        return (
            400,
            ErrorCode.TOO_MANY_FIELDS,
            _("The request has more than %(n)d query or form fields.") % {"n": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS},
        )
    if isinstance(exc, TooManyFilesSent):
        return (
            400,
            ErrorCode.TOO_MANY_FILES,
            _("The request has more than %(n)d files.") % {"n": settings.DATA_UPLOAD_MAX_NUMBER_FILES},
        )
    if isinstance(exc, RequestDataTooBig):
        return (
            413,
            ErrorCode.REQUEST_TOO_LARGE,
            _("The request body is larger than %(mb)d MB.")
            % {"mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)},
        )
    return 400, ErrorCode.PARSE_ERROR, _("The request could not be understood.")


def problem_exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response:
    """DRF ``EXCEPTION_HANDLER``: every exception raised in an API view becomes a problem."""
    request = context.get("request")
    instance = request.path if request is not None else None
    headers: dict[str, str] = {}

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))

    if isinstance(exc, SuspiciousOperation | BadRequest):
        # Anyone can send these (too many fields or files, a body over the limit): a refusal, not a bug.
        # Logged as WARNING under Django's own logger names for them.
        logging.getLogger(f"django.security.{type(exc).__name__}").warning("Refused request: %s", exc)
        refused_status, refused_code, refused_detail = _refusal_for(exc)
        body = problem_body(status_code=refused_status, code=refused_code, detail=refused_detail, instance=instance)
        return Response(body, status=refused_status, content_type=PROBLEM_CONTENT_TYPE)

    if isinstance(exc, ApplicationError):
        errors = [
            {"field": field, "code": exc.code, "message": str(message)}
            for field, messages in exc.field_errors.items()
            for message in ([messages] if isinstance(messages, str) else messages)
        ]
        body = problem_body(
            status_code=exc.status, code=exc.code, detail=exc.message, instance=instance, errors=errors, extra=exc.extra
        )
        return Response(body, status=exc.status, content_type=PROBLEM_CONTENT_TYPE)

    if isinstance(exc, exceptions.APIException):
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
        if getattr(exc, "wait", None) is not None:
            headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
        code = _code_for(exc)
        if isinstance(exc.detail, Mapping) and "detail" in exc.detail:
            # simplejwt's shape: {"detail": ..., "code": ..., "messages": [...]}
            code = str(exc.detail.get("code") or code)
            body = problem_body(
                status_code=exc.status_code, code=code, detail=str(exc.detail["detail"]), instance=instance
            )
            return Response(body, status=exc.status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)
        if isinstance(exc.detail, Mapping | list):
            errors = _flatten(exc.detail)
            detail = (
                _("The request has invalid fields.")
                if exc.status_code == status.HTTP_400_BAD_REQUEST
                else "; ".join(e["message"] for e in errors)
            )
        else:
            errors = []
            detail = str(exc.detail)
        body = problem_body(status_code=exc.status_code, code=code, detail=detail, instance=instance, errors=errors)
        return Response(body, status=exc.status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)

    if is_database_unavailable(exc):
        body = database_unavailable_body(instance, exc)
        response = Response(body, status=503, headers=DATABASE_UNAVAILABLE_HEADERS, content_type=PROBLEM_CONTENT_TYPE)
        response._has_been_logged = True  # type: ignore[attr-defined]  # a warning, not Django's ERROR line
        return response

    # Anything else is a bug: log it with its traceback, tell the client nothing about it.
    logger.exception("Unhandled exception in API view", exc_info=exc)
    body = problem_body(
        status_code=500,
        code=ErrorCode.SERVER_ERROR,
        detail=_("The server failed to handle the request. It has been logged."),
        instance=instance,
    )
    return Response(body, status=500, content_type=PROBLEM_CONTENT_TYPE)


def django_problem(request: HttpRequest, status_code: int, code: ErrorCode, detail: str) -> JsonResponse:
    """A problem response outside DRF (Django's error handlers, middleware)."""
    body = problem_body(status_code=status_code, code=code, detail=detail, instance=request.path)
    return JsonResponse(
        body, status=status_code, content_type=PROBLEM_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}
    )


# Django-level handlers (``handler404`` etc. in urls.py) for requests that never reach a DRF view.
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return django_problem(request, 404, ErrorCode.NOT_FOUND, _("Not found."))


def server_error(request: HttpRequest) -> JsonResponse:
    return django_problem(
        request, 500, ErrorCode.SERVER_ERROR, _("The server failed to handle the request. It has been logged.")
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return django_problem(request, 403, ErrorCode.PERMISSION_DENIED, _("You do not have permission to do this."))


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """Django's ``handler400``, also for what it refuses outside DRF views (RequestDataTooBig answers 413)."""
    status_code, code, detail = _refusal_for(exception or Exception())
    return django_problem(request, status_code, code, detail)


def problem_for_status(request: HttpRequest, status_code: int) -> JsonResponse | None:
    """The problem document for an error response Django made itself, or None for a status it never makes."""
    if status_code == 400:
        return bad_request(request)
    if status_code == 403:
        return permission_denied(request)
    if status_code == 404:
        return page_not_found(request)
    if status_code == 405:
        detail = str(exceptions.MethodNotAllowed(request.method or "").detail)
        return django_problem(request, 405, ErrorCode.METHOD_NOT_ALLOWED, detail)
    if status_code == 413:
        return bad_request(request, RequestDataTooBig())
    if status_code == 500:
        return server_error(request)
    return None


# --- the database does not answer ---------------------------------------------------------------
# Seconds a client is asked to wait: a restarted or failed-over PostgreSQL is back within about this.
DATABASE_RETRY_AFTER_SECONDS = 30
DATABASE_UNAVAILABLE_HEADERS = {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}


def is_database_unavailable(exc: BaseException) -> bool:
    """PostgreSQL unreachable, restarting or dropping the connection (not a bug in a query)."""
    return isinstance(exc, OperationalError | InterfaceError)


def database_unavailable_body(instance: str | None, exc: BaseException) -> dict[str, Any]:
    """The 503 problem; an outage is not a bug, so it is logged as a warning without a traceback."""
    logger.warning("database unavailable: %s: %s", type(exc).__name__, str(exc).strip().split("\n")[0])
    return problem_body(
        status_code=503,
        code=ErrorCode.DATABASE_UNAVAILABLE,
        detail=_("The database is unavailable. Please retry shortly."),
        instance=instance,
    )


def database_unavailable_response(request: HttpRequest, exc: BaseException) -> JsonResponse:
    """For plain Django views (apps.core.middleware.DatabaseUnavailableMiddleware)."""
    body = database_unavailable_body(request.path, exc)
    response = JsonResponse(
        body, status=503, content_type=PROBLEM_CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}
    )
    response["Retry-After"] = DATABASE_UNAVAILABLE_HEADERS["Retry-After"]
    response._has_been_logged = True  # type: ignore[attr-defined]  # a warning, not Django's ERROR line
    return response
