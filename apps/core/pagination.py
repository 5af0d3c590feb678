from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView


class StandardCursorPagination(CursorPagination):
    """Cursor pagination (stable under inserts, constant cost per page) with a hard page-size cap.

    ``page_size`` above the cap is clamped to the cap rather than refused, as DRF does.
    """

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = settings.API_PAGE_SIZE_MAX


def paginated_response(
    *, request: Request, view: APIView, queryset: QuerySet[Any], serializer_class: type[BaseSerializer[Any]]
) -> Response:
    """One page of ``queryset`` serialized, with next/previous links (the view sets ``pagination_class``)."""
    paginator = view.pagination_class()  # type: ignore[attr-defined]
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)
