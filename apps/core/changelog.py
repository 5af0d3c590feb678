"""``GET /api/changelog``: docs/api-changelog.md as text/markdown, the target of the deprecation links
(apps.core.deprecation). Read once per process; anyone may read it."""

from __future__ import annotations

import functools

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

CHANGELOG = settings.BASE_DIR / "docs" / "api-changelog.md"


@functools.cache
def _changelog() -> bytes:
    return CHANGELOG.read_bytes()


@require_safe
def api_changelog(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(_changelog(), content_type="text/markdown; charset=utf-8")
    patch_cache_control(response, public=True, max_age=3600)
    return response
