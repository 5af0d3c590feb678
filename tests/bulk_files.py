"""Excel files for the bulk tests, made with openpyxl as an office would save them."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook


def xlsx_bytes(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str = "Sheet1") -> bytes:
    """One worksheet: the header row, then ``rows`` (dates, numbers and text as typed cells)."""
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = title
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def fill_template(template: bytes, rows: Sequence[dict[str, Any]]) -> bytes:
    """The downloaded template with ``rows`` typed under its headers (keyed by header without the ``*``)."""
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook.worksheets[0]
    headers = [str(c.value or "").rstrip("*") for c in sheet[1]]
    for offset, row in enumerate(rows, start=2):
        for index, header in enumerate(headers, start=1):
            if header in row:
                sheet.cell(row=offset, column=index, value=row[header])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template_info(template: bytes) -> tuple[list[str], list[str], int]:
    """The header cells, their comments and the number of drop-down validations of a template."""
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook.worksheets[0]
    headers = [str(c.value) for c in sheet[1] if c.value]
    comments = [c.comment.text for c in sheet[1] if c.comment is not None]
    return headers, comments, len(sheet.data_validations.dataValidation)


def xlsx_upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def post_import(client, url: str, name: str, content: bytes, *, language: str = "zh-hans", **flags: Any):
    """POST a file to an import endpoint as a browser form would, asking for answers in ``language``."""
    data: dict[str, Any] = {"file": xlsx_upload(name, content)}
    for key, value in flags.items():
        data[key] = ("true" if value else "false") if isinstance(value, bool) else value
    return client.post(url, data, format="multipart", HTTP_ACCEPT_LANGUAGE=language)
