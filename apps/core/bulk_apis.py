"""HTTP shared by the bulk endpoints of every app: the import form and report, the 202 of a background
job and ``GET import-jobs/{id}``, template downloads, and JSON Lines exports."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import bulk
from apps.core.import_jobs import access_import_job, import_job_create
from apps.core.spreadsheets import XLSX_CONTENT_TYPE

NDJSON_CONTENT_TYPE = "application/x-ndjson"


class BulkImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=False, help_text="Excel (.xlsx), CSV (UTF-8 or GB18030) or JSON Lines."
    )
    # The field shadows Serializer.partial for mypy only: DRF moves declared fields off the class.
    partial = serializers.BooleanField(  # type: ignore[assignment]
        default=False, help_text="Store the good rows even if some rows fail."
    )
    dry_run = serializers.BooleanField(default=False, help_text="Check every row, store nothing.")
    on_existing = serializers.ChoiceField(
        choices=bulk.ON_EXISTING,
        default="error",
        help_text="A row already stored (same key: the natural key or the content): report it, or skip it.",
    )
    background = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Run as a background job (202). Default: when the file has more rows than are imported "
        "inline (BULK_IMPORT_INLINE_MAX_ROWS; listings LISTING_IMPORT_INLINE_MAX_ROWS).",
    )


class BulkImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        help_text="CSV: the 1-based record after the header; JSON Lines: the line; XLSX: the worksheet row."
    )
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
    skipped = serializers.IntegerField(help_text="Rows already stored (on_existing=skip).")
    failed_rows = serializers.IntegerField()
    error_count = serializers.IntegerField()
    errors_truncated = serializers.BooleanField()
    ignored_columns = serializers.ListField(child=serializers.CharField())
    partial = serializers.BooleanField()  # type: ignore[assignment]
    dry_run = serializers.BooleanField()
    seconds = serializers.FloatField()
    rows = BulkImportRowErrorSerializer(many=True, help_text="Row errors (at most 1000; see error_count).")


class ImportJobOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField(help_text="queued, running, done or failed.")
    filename = serializers.CharField()
    total_rows = serializers.IntegerField()
    done_rows = serializers.IntegerField()
    report = serializers.JSONField(
        allow_null=True,
        help_text="When done: the import report (as the inline answer). When failed: the problem "
        "(code, detail, and for bad rows the report's fields).",
    )
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField()

    def get_url(self, job: Any) -> str:
        return f"/api/v1/import-jobs/{job.pk}"


IMPORT_RESPONSES: dict[Any, Any] = {
    200: BulkImportOutputSerializer,
    201: BulkImportOutputSerializer,
    202: OpenApiResponse(ImportJobOutputSerializer, description="Queued as a background job; poll its url."),
    (413, "application/problem+json"): OpenApiResponse(description="The file is larger than the limit."),
    (415, "application/problem+json"): OpenApiResponse(description="Not .xlsx, .csv, .jsonl or .json."),
}
INLINE_DESCRIPTION = (
    "Without partial, one bad row stores nothing and the answer is a 400 problem whose `rows` lists the row "
    "errors (row, column, code, message in the request's language); with partial the good rows are stored. "
    "Larger files (BULK_IMPORT_INLINE_MAX_ROWS; listings LISTING_IMPORT_INLINE_MAX_ROWS), or background=true, run "
    "as a job: 202 with its URL, GET import-jobs/{id} for progress and the report."
)


InlineImport = Callable[..., dict[str, Any]]


def import_or_queue(
    request: Request,
    *,
    kind: str,
    enqueue: Callable[[int], Any],
    max_bytes: int,
    max_rows: int,
    inline_max_rows: int,
    inline: InlineImport,
    check: Callable[[Any], None] | None = None,
) -> Response:
    """Validate the form and the file's limits, then import inline (200/201) or queue a job (202).

    ``inline(kind=…, actor=…, content=…, filename=…, progress=None, partial=…, dry_run=…, on_existing=…)``
    returns the report; the job runs the same function in a worker, through the effect ``enqueue(job_id)``
    records. ``check(actor)`` refuses callers
    who may not import at all before the file is read.
    """
    form = BulkImportInputSerializer(data=request.data)
    form.is_valid(raise_exception=True)
    actor = request.user
    if check is not None:
        check(actor)
    upload: UploadedFile = form.validated_data["file"]
    filename = upload.name or ""
    bulk.file_format(filename)
    if upload.size is None or upload.size > max_bytes:
        raise bulk.file_too_large(max_bytes)
    content = upload.read()
    rows = bulk.count_rows(content, filename=filename)
    if rows > max_rows:
        raise bulk.too_many_rows(max_rows)
    options = {
        "partial": form.validated_data["partial"],
        "dry_run": form.validated_data["dry_run"],
        "on_existing": form.validated_data["on_existing"],
    }
    background = form.validated_data.get("background")
    if background is None:
        background = rows > inline_max_rows
    if background:
        job = import_job_create(
            actor=actor,
            kind=kind,
            enqueue=enqueue,
            filename=filename,
            content=content,
            total_rows=rows,
            options=options,
        )
        response = Response(ImportJobOutputSerializer(job).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = f"/api/v1/import-jobs/{job.pk}"
        return response
    report = inline(kind=kind, actor=actor, content=content, filename=filename, progress=None, **options)
    if not report["created"] or report["dry_run"]:
        return Response(BulkImportOutputSerializer(report).data, status=status.HTTP_200_OK)
    # Many records, no one of them: Location is the list they joined.
    location = request.path.removesuffix("/import")
    return Response(
        BulkImportOutputSerializer(report).data, status=status.HTTP_201_CREATED, headers={"Location": location}
    )


class ImportJobDetailApi(APIView):
    @extend_schema(
        tags=["bulk"],
        operation_id="import_jobs_retrieve",
        responses={200: ImportJobOutputSerializer},
        summary="A background import you started: status, rows done of total, and its report when finished.",
    )
    def get(self, request: Request, job_id: int) -> Response:
        return Response(ImportJobOutputSerializer(access_import_job(actor=request.user, pk=job_id)).data)


def template_response(content: bytes, *, title: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"{title}_导入模板.xlsx")
    response["Cache-Control"] = "private, no-store"
    return response


TEMPLATE_RESPONSES: dict[Any, Any] = {(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY}


def wants_jsonl(request: Request) -> bool:
    """``?format=jsonl`` (or ndjson), or an Accept header naming application/x-ndjson first."""
    fmt = (request.query_params.get("format") or "").lower()
    if fmt:
        return fmt in ("jsonl", "ndjson")
    accept = request.META.get("HTTP_ACCEPT", "")
    return accept.split(",")[0].split(";")[0].strip().lower() in (NDJSON_CONTENT_TYPE, "application/jsonl")


def jsonl_lines(items: Iterable[Any], serialize: Callable[[Any], Any]) -> Iterator[bytes]:
    """One JSON object a line, UTF-8 as is (no \\u escapes), in chunks for a streaming response."""
    buffer: list[str] = []
    for item in items:
        buffer.append(json.dumps(serialize(item), ensure_ascii=False, cls=DjangoJSONEncoder))
        if len(buffer) >= 200:
            yield ("\n".join(buffer) + "\n").encode("utf-8")
            buffer.clear()
    if buffer:
        yield ("\n".join(buffer) + "\n").encode("utf-8")


def jsonl_response(items: Iterable[Any], serialize: Callable[[Any], Any], *, title: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        jsonl_lines(items, serialize), content_type=f"{NDJSON_CONTENT_TYPE}; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(True, f"{title}_{timezone.localdate():%Y%m%d}.jsonl")
    response["Cache-Control"] = "private, no-store"
    return response
