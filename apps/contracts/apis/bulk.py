"""HTTP for bulk contracts: import (XLSX, CSV, JSON Lines) of contracts the caller is a party to, the
template, and the JSON Lines export of what the list shows."""

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
from apps.contracts import bulk, examples
from apps.contracts.apis.common import TAGS
from apps.contracts.apis.contracts import ContractFilterInputSerializer, ContractOutputSerializer
from apps.contracts.selectors import contract_list
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


class ContractImportApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=TAGS,
        operation_id="contracts_import",
        examples=examples.CONTRACTS_IMPORT,
        request={"multipart/form-data": BulkImportInputSerializer},
        responses=IMPORT_RESPONSES,
        summary="Import signed contracts your organisation is a party to (the operator: any) from Excel, CSV or "
        "JSON Lines.",
        description=(
            "Columns by English field name or Chinese header (合同名称, 合同编号, 合同类型, 合同子类型, 签订日期, "
            "合同金额, 技术交易额, 买方统一社会信用代码, 卖方名称 …); each row is checked as POST contracts checks it. "
            "技术交易额 "
            "is kept as one non-technical deduction line (contract amount − technology amount). The seller and the "
            "contract number are the row's key (else seller, buyer, title, date and amount): a contract already "
            "stored is reported or skipped (on_existing). " + INLINE_DESCRIPTION
        ),
    )
    def post(self, request: Request) -> Response:
        return import_or_queue(
            request,
            kind="contracts",
            enqueue=bulk.queue_import,
            max_bytes=settings.BULK_IMPORT_MAX_BYTES,
            max_rows=settings.BULK_IMPORT_MAX_ROWS,
            inline_max_rows=settings.BULK_IMPORT_INLINE_MAX_ROWS,
            inline=bulk.import_report,
        )


class ContractImportTemplateApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="contracts_import_template",
        responses=TEMPLATE_RESPONSES,
        summary="The XLSX import template: Chinese headers, a comment on each, drop-downs for the types.",
    )
    def get(self, request: Request) -> HttpResponse:
        return template_response(bulk.import_template(), title="技术合同")


class ContractExportApi(APIView):
    content_negotiation_class = FileResponseNegotiation

    @extend_schema(
        tags=TAGS,
        operation_id="contracts_export",
        parameters=[
            OpenApiParameter("format", str, enum=["jsonl", "ndjson"], description="Default jsonl."),
            ContractFilterInputSerializer,
        ],
        responses={(200, NDJSON_CONTENT_TYPE): OpenApiTypes.BINARY},
        summary="Every contract the list shows you (same filters), one JSON object a line, newest first.",
    )
    @reads_from_replica
    def get(self, request: Request) -> StreamingHttpResponse:
        params = request.query_params.copy()
        params.pop("format", None)
        filters = ContractFilterInputSerializer(data=params)
        filters.is_valid(raise_exception=True)
        qs = contract_list(actor=request_user(request), filters=filters.validated_data).order_by("-id")
        limited = qs[: settings.BULK_EXPORT_MAX_ROWS]
        return jsonl_response(
            limited.iterator(chunk_size=1000), lambda c: ContractOutputSerializer(c).data, title="技术合同"
        )
