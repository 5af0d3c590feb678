"""Conditional GETs for public, cacheable answers: a strong ``ETag`` of the body, ``Last-Modified``,
``Cache-Control: public, max-age``, and 304 Not Modified when the client's copy is current."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.cache import patch_cache_control
from django.utils.http import http_date, parse_http_date_safe
from drf_spectacular.utils import OpenApiResponse
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response


def etag_of(data: Any) -> str:
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return '"' + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32] + '"'


def not_modified(request: Request | HttpRequest, etag: str, last_modified: datetime | None) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when sent; If-Modified-Since only without it."""
    header = request.headers.get("If-None-Match")
    if header is not None:
        return header.strip() == "*" or etag in {tag.strip().removeprefix("W/") for tag in header.split(",")}
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and last_modified is not None and int(last_modified.timestamp()) <= since


def conditional_response(
    request: Request, data: Any, *, last_modified: datetime | None, max_age: int, etag: str | None = None
) -> Response:
    etag = etag or etag_of(data)
    if not_modified(request, etag, last_modified):
        response = Response(status=status.HTTP_304_NOT_MODIFIED)
    else:
        response = Response(data)
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    patch_cache_control(response, public=True, max_age=max_age)
    return response


NOT_MODIFIED = OpenApiResponse(description="Not modified since the ETag or date the client sent; no body.")
