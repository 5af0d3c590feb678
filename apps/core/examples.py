"""Examples in the schema: one request and one response example per write operation (OpenApiExample).

Each app keeps its examples in ``examples.py`` (recorded from the business path, in Chinese) and passes
them to ``extend_schema(examples=…)``. tests/core/test_schema_examples.py checks that every write
operation has them and that each validates against its schema.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample


def write_examples(
    name: str, *, summary: str, response: Any = None, status: int = 200, request: Any = None
) -> list[OpenApiExample]:
    """A request example (when the operation takes a body) and the response it gets (when it has one)."""
    examples = []
    if request is not None:
        examples.append(OpenApiExample(name, summary=summary, value=request, request_only=True))
    if response is not None:
        examples.append(
            OpenApiExample(name, summary=summary, value=response, response_only=True, status_codes=[str(status)])
        )
    return examples


def import_examples(
    name: str, *, summary: str, kind: str, filename: str, total: int, skipped: int = 0, seconds: float = 0.412
) -> list[OpenApiExample]:
    """A bulk import (multipart form) of an Excel file whose rows were all stored: the 201 report."""
    form = {"file": filename, "partial": False, "dry_run": False, "on_existing": "skip"}
    request = OpenApiExample(name, summary=summary, value=form, request_only=True, media_type="multipart/form-data")
    report = write_examples(
        name,
        summary=summary,
        response={
            "kind": kind,
            "format": "xlsx",
            "encoding": "",
            "total_rows": total,
            "valid_rows": total,
            "created": total - skipped,
            "skipped": skipped,
            "failed_rows": 0,
            "error_count": 0,
            "errors_truncated": False,
            "ignored_columns": ["备注"],
            "partial": False,
            "dry_run": False,
            "seconds": seconds,
            "rows": [],
        },
        status=201,
    )
    return [request, *report]
