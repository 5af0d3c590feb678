"""HTTP for bulk import (operator only) and export (any logged-in user: what they may see) of listings."""

from __future__ import annotations

import tempfile
from typing import Any

from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.exporting import csv_chunks
from apps.core.negotiation import FileResponseNegotiation
from apps.listings import exporting, importing
from apps.listings.apis import ACHIEVEMENT_PARAMETERS, DEMAND_PARAMETERS, LIST_PARAMETERS


class BulkImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False, help_text="CSV (UTF-8 or GB18030) or JSON Lines.")
    # The field shadows Serializer.partial for mypy only: DRF moves declared fields off the class.
    partial = serializers.BooleanField(  # type: ignore[assignment]
        default=False, help_text="Store the good rows even if some rows fail."
    )
    dry_run = serializers.BooleanField(default=False, help_text="Check every row, store nothing.")


class BulkImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="1-based data row (the CSV record after the header; the JSONL line).")
    field = serializers.CharField()
    column = serializers.CharField(help_text="The column as the file names it.")
    code = serializers.CharField()
    message = serializers.CharField()


class BulkImportOutputSerializer(serializers.Serializer):
    kind = serializers.CharField()
    format = serializers.CharField()
    encoding = serializers.CharField()
    total_rows = serializers.IntegerField()
    valid_rows = serializers.IntegerField()
    created = serializers.IntegerField()
    failed_rows = serializers.IntegerField()
    error_count = serializers.IntegerField()
    errors_truncated = serializers.BooleanField()
    ignored_columns = serializers.ListField(child=serializers.CharField())
    partial = serializers.BooleanField()  # type: ignore[assignment]
    dry_run = serializers.BooleanField()
    seconds = serializers.FloatField()
    rows = BulkImportRowErrorSerializer(many=True, help_text="Row errors (at most 1000; see error_count).")


class BulkExportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=exporting.EXPORT_FORMATS, default="csv")


class ListingImportApi(APIView):
    kind: importing.ListingKind
    parser_classes = [MultiPartParser]

    def post(self, request: Request) -> Response:
        serializer = BulkImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = importing.import_upload(
            actor=request_user(request),
            kind=self.kind,
            upload=serializer.validated_data["file"],
            partial=serializer.validated_data["partial"],
            dry_run=serializer.validated_data["dry_run"],
        )
        if not result.created:
            return Response(BulkImportOutputSerializer(result.summary()).data)
        # Many records, no one of them: Location is the list they joined.
        location = request.path.removesuffix("/import")
        return Response(
            BulkImportOutputSerializer(result.summary()).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )


class ListingExportApi(APIView):
    kind: importing.ListingKind
    content_negotiation_class = FileResponseNegotiation

    def get(self, request: Request) -> HttpResponseBase:
        query = BulkExportQuerySerializer(data={"format": request.query_params.get("format") or "csv"})
        query.is_valid(raise_exception=True)
        fmt = query.validated_data["format"]
        export = exporting.listing_export(self.kind, actor=request_user(request), filters=request.query_params)
        response: HttpResponseBase
        if fmt == "csv":
            response = StreamingHttpResponse(
                csv_chunks(export.headers, export.rows()), content_type=exporting.CONTENT_TYPES["csv"]
            )
            response["Content-Disposition"] = content_disposition_header(True, export.filename("csv"))
        else:
            spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
            exporting.write_xlsx(export, spool)
            spool.seek(0)
            response = FileResponse(
                spool,
                as_attachment=True,
                filename=export.filename("xlsx"),
                content_type=exporting.CONTENT_TYPES["xlsx"],
            )
        response["X-Export-Max-Rows"] = str(export.max_rows)
        response["X-Export-Truncated"] = "true" if export.truncated else "false"
        response["Cache-Control"] = "private, no-store"
        return response


def _stamp(view: type[APIView], kind: importing.ListingKind, method: str, **schema: Any) -> type[APIView]:
    cls = type(f"{kind.name.title()}{view.__name__}", (view,), {"kind": kind})
    return extend_schema_view(**{method: extend_schema(tags=[kind.plural], **schema)})(cls)


_TOO_LARGE = OpenApiResponse(description="The file is larger than LISTING_IMPORT_MAX_BYTES.")


def import_view(kind: importing.ListingKind) -> type[APIView]:
    return _stamp(
        ListingImportApi,
        kind,
        "post",
        operation_id=f"{kind.plural}_import",
        description=(
            "Operator only. Columns by English field name or Chinese header "
            "(标题, 技术领域, 所属机构统一社会信用代码 …). "
            "Without partial, one bad row stores nothing and the answer is a 400 problem whose `rows` lists "
            "the row errors."
        ),
        request={"multipart/form-data": BulkImportInputSerializer},
        responses={
            200: BulkImportOutputSerializer,
            201: BulkImportOutputSerializer,
            (413, "application/problem+json"): _TOO_LARGE,
        },
    )


def export_view(kind: importing.ListingKind) -> type[APIView]:
    extra = ACHIEVEMENT_PARAMETERS if kind is importing.ACHIEVEMENT_KIND else DEMAND_PARAMETERS
    return _stamp(
        ListingExportApi,
        kind,
        "get",
        operation_id=f"{kind.plural}_export",
        description=(
            "CSV (UTF-8 with BOM) or XLSX with Chinese headers, filtered like the list. Public columns for "
            "everyone; confidential detail and contact for the operator only. At most LISTING_EXPORT_MAX_ROWS "
            "rows (X-Export-Truncated says whether more matched)."
        ),
        parameters=[
            OpenApiParameter("format", str, enum=list(exporting.EXPORT_FORMATS), description="Default csv."),
            *[p for p in LIST_PARAMETERS if p.name != "page"],
            *extra,
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, exporting.CONTENT_TYPES["xlsx"]): OpenApiTypes.BINARY,
        },
    )
