from django.conf import settings
from rest_framework.pagination import CursorPagination


class StandardCursorPagination(CursorPagination):
    """Cursor pagination (stable under inserts, constant cost per page) with a hard page-size cap.

    ``page_size`` above the cap is clamped to the cap rather than refused, as DRF does.
    """

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = settings.API_PAGE_SIZE_MAX
