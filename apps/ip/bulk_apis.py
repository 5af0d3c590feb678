"""HTTP for bulk IP assets: import (XLSX, CSV, JSON Lines) into the caller's organisations, the template,
and the JSON Lines export of what the list shows."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.bulk_apis import (
    IMPORT_RESPONSES,
    INLINE_DESCRIPTION,
    NDJSON_CONTENT_TYPE,
    TEMPLATE_RESPONSES,
    BulkImportInputSerializer,
    import_or_queue,
    jsonl_response,
    template_response,
)
from apps.core.negotiation import FileResponseNegotiation
from apps.core.replica import reads_from_replica
from apps.ip import bulk, examples
from apps.ip.apis import TAGS, IPAssetOutputSerializer
from apps.ip.models import IPAssetKind, LegalStatus
from apps.ip.selectors import ip_asset_list


class IPAssetImportApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=TAGS,
        operation_id="ip_assets_import",
        examples=examples.IP_ASSETS_IMPORT,
        request={"multipart/form-data": BulkImportInputSerializer},
        responses=IMPORT_RESPONSES,
        summary="Import your organisation's IP assets from Excel, CSV or JSON Lines.",
        description=(
            "Columns by English field name or Chinese header (类型, 名称, 申请号, 申请日, 法律状态, 共有人 …); "
            "each row is checked as POST ip-assets checks it (patent check digits, kind, dates, co-owners). "
            "The owner (权利人统一社会信用代码) must be one of your organisations. The application number is the "
            "row's key: a patent already recorded is reported or skipped (on_existing). " + INLINE_DESCRIPTION
        ),
    )
    def post(self, request: Request) -> Response:
        return import_or_queue(
            request,
            kind="ip_assets",
            enqueue=bulk.queue_import,
            max_bytes=settings.BULK_IMPORT_MAX_BYTES,
            max_rows=settings.BULK_IMPORT_MAX_ROWS,
            inline_max_rows=settings.BULK_IMPORT_INLINE_MAX_ROWS,
            inline=bulk.import_report,
        )


class IPAssetImportTemplateApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="ip_assets_import_template",
        responses=TEMPLATE_RESPONSES,
        summary="The XLSX import template: Chinese headers, a comment on each, drop-downs for kind and status.",
    )
    def get(self, request: Request) -> HttpResponse:
        return template_response(bulk.import_template(), title="知识产权")


class IPAssetExportApi(APIView):
    content_negotiation_class = FileResponseNegotiation

    @extend_schema(
        tags=TAGS,
        operation_id="ip_assets_export",
        parameters=[
            OpenApiParameter("format", str, enum=["jsonl", "ndjson"], description="Default jsonl."),
            OpenApiParameter("kind", str, many=True, enum=IPAssetKind.values),
            OpenApiParameter("legal_status", str, many=True, enum=LegalStatus.values),
            OpenApiParameter("owner", int, description="Owner organisation id."),
            OpenApiParameter("q", str),
        ],
        responses={(200, NDJSON_CONTENT_TYPE): OpenApiTypes.BINARY},
        summary="Every IP asset the list shows you (same filters), one JSON object a line, newest first.",
    )
    @reads_from_replica
    def get(self, request: Request) -> StreamingHttpResponse:
        qs = ip_asset_list(actor=request_user(request), filters=request.query_params).order_by("-id")
        limited = qs[: settings.BULK_EXPORT_MAX_ROWS]
        return jsonl_response(
            limited.iterator(chunk_size=1000), lambda asset: IPAssetOutputSerializer(asset).data, title="知识产权"
        )
