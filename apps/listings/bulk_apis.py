"""HTTP for bulk import (the operator market-wide, an organisation its own) and export (what the caller may
see) of listings, and the import templates."""

from __future__ import annotations

import tempfile
from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.accounts.models import User
from apps.core.bulk_apis import (
    IMPORT_RESPONSES,
    INLINE_DESCRIPTION,
    NDJSON_CONTENT_TYPE,
    TEMPLATE_RESPONSES,
    BulkImportInputSerializer,
    import_or_queue,
    jsonl_response,
    template_response,
    wants_jsonl,
)
from apps.core.errors import ApplicationError
from apps.core.exporting import csv_chunks
from apps.core.negotiation import FileResponseNegotiation
from apps.core.replica import reads_from_replica
from apps.listings import examples, exporting, importing
from apps.listings.apis import ACHIEVEMENT_PARAMETERS, DEMAND_PARAMETERS, LIST_PARAMETERS
from apps.listings.importing.template import import_template
from apps.listings.services import ListingError
from apps.organizations.access import is_operator, organization_ids


class BulkExportQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=exporting.API_EXPORT_FORMATS, default="csv")


def _check_importer(actor: User) -> None:
    if not is_operator(actor) and not organization_ids(actor):
        raise ApplicationError(
            _("Join an organisation first: an import creates listings for your organisations."),
            code=ListingError.NOT_OWNER_MEMBER,
            status=403,
        )


class ListingImportApi(APIView):
    kind: importing.ListingKind
    parser_classes = [MultiPartParser]

    def post(self, request: Request) -> Response:
        return import_or_queue(
            request,
            kind=self.kind.plural,
            enqueue=importing.queue_import,
            max_bytes=settings.LISTING_IMPORT_MAX_BYTES,
            max_rows=settings.LISTING_IMPORT_MAX_ROWS,
            inline_max_rows=settings.LISTING_IMPORT_INLINE_MAX_ROWS,
            inline=importing.import_report,
            check=_check_importer,
        )


class ListingImportTemplateApi(APIView):
    kind: importing.ListingKind

    def get(self, request: Request) -> HttpResponse:
        return template_response(
            import_template(self.kind, operator=is_operator(request_user(request))),
            title=exporting.FILE_TITLES[self.kind.name],
        )


class ListingExportApi(APIView):
    kind: importing.ListingKind
    content_negotiation_class = FileResponseNegotiation

    @reads_from_replica
    def get(self, request: Request) -> HttpResponseBase:
        default = "jsonl" if wants_jsonl(request) else "csv"
        query = BulkExportQuerySerializer(data={"format": request.query_params.get("format") or default})
        query.is_valid(raise_exception=True)
        fmt = query.validated_data["format"]
        export = exporting.listing_export(self.kind, actor=request_user(request), filters=request.query_params)
        response: HttpResponseBase
        if fmt in ("jsonl", "ndjson"):
            response = jsonl_response(
                exporting.teaser_items(export), lambda item: item, title=exporting.FILE_TITLES[self.kind.name]
            )
        elif fmt == "csv":
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


def import_view(kind: importing.ListingKind) -> type[APIView]:
    return _stamp(
        ListingImportApi,
        kind,
        "post",
        operation_id=f"{kind.plural}_import",
        examples=examples.BY_OPERATION.get(f"{kind.plural}_import", []),
        description=(
            "Excel (.xlsx), CSV or JSON Lines; columns by English field name or Chinese header "
            "(标题/成果名称, 技术领域, 所属机构统一社会信用代码 …); GET …/import/template.xlsx is a template. "
            "The operator imports for any verified owner, as drafts or published. Anyone else imports for "
            "their own organisations only: rows go to review (submitted), or stay drafts for an organisation "
            "not verified yet. A row whose owner, title and text match an active listing is already stored "
            "(on_existing). " + INLINE_DESCRIPTION
        ),
        request={"multipart/form-data": BulkImportInputSerializer},
        responses=IMPORT_RESPONSES,
    )


def template_view(kind: importing.ListingKind) -> type[APIView]:
    return _stamp(
        ListingImportTemplateApi,
        kind,
        "get",
        operation_id=f"{kind.plural}_import_template",
        description="An XLSX template: Chinese headers (required ones marked *), a comment on each with what to "
        "type, drop-down lists for technology field, cooperation mode and the other fixed vocabularies.",
        responses=TEMPLATE_RESPONSES,
    )


def export_view(kind: importing.ListingKind) -> type[APIView]:
    extra = ACHIEVEMENT_PARAMETERS if kind is importing.ACHIEVEMENT_KIND else DEMAND_PARAMETERS
    return _stamp(
        ListingExportApi,
        kind,
        "get",
        operation_id=f"{kind.plural}_export",
        description=(
            "CSV (UTF-8 with BOM) or XLSX with Chinese headers, or JSON Lines (`?format=jsonl` or "
            "`Accept: application/x-ndjson`: one list item a line, as the list answers), filtered like the list. "
            "Public columns for everyone; confidential detail and contact in CSV/XLSX for the operator only. At "
            "most LISTING_EXPORT_MAX_ROWS rows (X-Export-Truncated says whether more matched)."
        ),
        parameters=[
            OpenApiParameter(
                "format",
                str,
                enum=list(exporting.API_EXPORT_FORMATS),
                description="Default csv (jsonl with Accept: application/x-ndjson).",
            ),
            *[p for p in LIST_PARAMETERS if p.name != "page"],
            *extra,
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, exporting.CONTENT_TYPES["xlsx"]): OpenApiTypes.BINARY,
            (200, NDJSON_CONTENT_TYPE): OpenApiTypes.BINARY,
        },
    )
