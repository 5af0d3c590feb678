"""Request limits answered as problem documents: URL length, JSON nesting.

Field, file and body-size limits are Django's (DATA_UPLOAD_MAX_*); apps.core.errors answers them.
The limits are listed for clients in the schema description (SPECTACULAR_SETTINGS).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.utils.json import strict_constant

from apps.core.encoding import UTF8JSONParser, parse_json_float
from apps.core.errors import ErrorCode, django_problem


class JSONNestingError(ValueError):
    """JSON nested deeper than allowed (or deep enough to exhaust the parser's recursion)."""


def nesting_depth_exceeds(value: Any, limit: int) -> bool:
    """Whether arrays and objects in ``value`` nest more than ``limit`` levels (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, Mapping | list))
    return False


def check_json_nesting(value: Any) -> Any:
    """``value`` unchanged, or JSONNestingError when it nests deeper than API_JSON_MAX_DEPTH."""
    limit = settings.API_JSON_MAX_DEPTH
    if nesting_depth_exceeds(value, limit):
        raise JSONNestingError(_("JSON nested more than %(n)d levels deep.") % {"n": limit})
    return value


def loads_limited(text: str | bytes) -> Any:
    """``json.loads`` as the API's JSON parser reads a body: JSON nested past API_JSON_MAX_DEPTH is a
    JSONNestingError (a ValueError), ``NaN`` and ``Infinity`` are not JSON (ValueError), and a number
    written with an exponent parses to an ExponentFloat, which money fields refuse."""
    try:
        value = json.loads(text, parse_constant=strict_constant, parse_float=parse_json_float)
    except RecursionError:
        raise JSONNestingError(
            _("JSON nested more than %(n)d levels deep.") % {"n": settings.API_JSON_MAX_DEPTH}
        ) from None
    return check_json_nesting(value)


class LimitedJSONParser(UTF8JSONParser):
    """The UTF-8 JSON parser with a nesting limit: a deeply nested body is a 400 parse_error, not a RecursionError."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        try:
            value = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(
                _("JSON nested more than %(n)d levels deep.") % {"n": settings.API_JSON_MAX_DEPTH}
            ) from None
        try:
            return check_json_nesting(value)
        except JSONNestingError as exc:
            raise ParseError(str(exc)) from None


class UrlLengthLimitMiddleware:
    """Answers a URL whose path and query exceed API_URL_MAX_LENGTH bytes with a 414 problem.

    Gunicorn refuses request lines over its limit_request_line (deploy/gunicorn.conf.py, 8190) with its
    own HTML page; this lower limit means clients see the one problem shape for every URL below that.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.API_URL_MAX_LENGTH
        if len(request.get_full_path()) > limit:  # percent-encoded, so characters are bytes
            # Answered before LocaleMiddleware runs: the reader's language is chosen here.
            language = translation.get_language_from_request(request)
            with translation.override(language):
                response = django_problem(
                    request,
                    414,
                    ErrorCode.URI_TOO_LONG,
                    _("The URL is longer than %(n)d bytes; send long input in a request body.") % {"n": limit},
                )
            response["Content-Language"] = language
            return response
        return self.get_response(request)
