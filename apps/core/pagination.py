from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination, Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from apps.core.errors import ApplicationError, ErrorCode


class StandardCursorPagination(CursorPagination):
    """Cursor pagination (stable under inserts, constant cost per page) with a hard page-size cap.

    ``page_size`` above the cap is clamped to the cap rather than refused, as DRF does. A cursor that
    does not decode is a 400 ``invalid_cursor`` (DRF answers 404, as if the list were missing).
    """

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = settings.API_PAGE_SIZE_MAX

    def decode_cursor(self, request: Request) -> Cursor | None:
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ApplicationError(
                _("The pagination cursor is not valid; use the next and previous links as given."),
                code=ErrorCode.INVALID_CURSOR,
                field_errors={"cursor": _("Invalid cursor.")},
            ) from None


def paginated_response(
    *,
    request: Request,
    view: APIView,
    queryset: QuerySet[Any],
    serializer_class: type[BaseSerializer[Any]] | None = None,
    render: Callable[[list[Any]], Any] | None = None,
) -> Response:
    """One page of ``queryset`` serialized, with next/previous links (the view sets ``pagination_class``).

    ``render`` shapes the page's rows instead of ``serializer_class`` where a serializer is too slow.
    """
    paginator = view.pagination_class()  # type: ignore[attr-defined]
    page = paginator.paginate_queryset(queryset, request, view=view)
    if render is not None:
        return paginator.get_paginated_response(render(page))
    if serializer_class is None:
        raise TypeError("paginated_response needs serializer_class or render")
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


class WindowPagination(BasePagination):
    """Numbered pages without a COUNT, for orderings a cursor cannot follow (search relevance).

    One row past the page tells whether there is a next page; pages stop at ``max_pages`` so a deep
    page cannot make the database rank and skip an unbounded number of rows.
    """

    page_size: int = int(settings.REST_FRAMEWORK["PAGE_SIZE"])  # type: ignore[call-overload]
    max_page_size = settings.API_PAGE_SIZE_MAX
    max_pages = 50

    def paginate_queryset(self, queryset: Any, request: Request, view: APIView | None = None) -> list[Any]:
        self.request = request
        self.page_size_now = _positive_int(
            request.query_params.get("page_size"), default=self.page_size, cap=self.max_page_size
        )
        self.page = _positive_int(request.query_params.get("page"), default=1, cap=self.max_pages)
        start = (self.page - 1) * self.page_size_now
        rows = list(queryset[start : start + self.page_size_now + 1])
        self.has_next = len(rows) > self.page_size_now and self.page < self.max_pages
        return rows[: self.page_size_now]

    def get_paginated_response(self, data: Any) -> Response:
        url = self.request.build_absolute_uri()
        next_url = replace_query_param(url, "page", self.page + 1) if self.has_next else None
        if self.page <= 1:
            previous_url = None
        elif self.page == 2:
            previous_url = remove_query_param(url, "page")
        else:
            previous_url = replace_query_param(url, "page", self.page - 1)
        return Response({"next": next_url, "previous": previous_url, "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }


def _positive_int(raw: str | None, *, default: int, cap: int) -> int:
    try:
        value = int(raw) if raw is not None else default
    except ValueError:
        return default
    return max(1, min(value, cap))
