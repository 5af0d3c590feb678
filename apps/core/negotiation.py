"""Content negotiation for views that answer a file (CSV, XLSX, iCalendar, an uploaded document).

DRF picks a renderer from the request's ``Accept``; no renderer of the API produces ``text/csv`` or
``text/calendar``, so DRF refused ``Accept: text/calendar`` (exactly what calendar clients send) and
``Accept: text/csv`` with 406 before the view ran, and read ``?format=`` as a renderer name. These views
build the file response themselves; the renderer chosen here only writes their refusals, which are
problem documents (JSON) whatever ``Accept`` says.
"""

from __future__ import annotations

from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request


class FileResponseNegotiation(DefaultContentNegotiation):
    """For a view whose GET answers a file; its other methods (an upload, a delete) negotiate as usual."""

    def select_renderer(self, request: Request, renderers: Any, format_suffix: str | None = None) -> Any:
        if request.method not in ("GET", "HEAD"):
            return super().select_renderer(request, renderers, format_suffix)
        renderer = renderers[0]  # JSONRenderer (DEFAULT_RENDERER_CLASSES): for refusals only
        return renderer, renderer.media_type
