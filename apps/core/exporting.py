"""Tables for spreadsheets. CSV streamed: UTF-8 with a BOM so Excel reads Chinese, and cells a spreadsheet would
run as a formula made plain text. XLSX: text cells typed as text (never run as a formula), numbers as
numbers. Any app's export writes its rows through :func:`csv_chunks`; a plain table (one header row, then
rows) as a file response through :func:`table_response`."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import IO, Any

from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from apps.core.spreadsheets import XLSX_CONTENT_TYPE

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX_CONTENT_TYPE}

# What a spreadsheet takes for the start of a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """A text cell that a spreadsheet would run as a formula, made plain text for CSV."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, Decimal | int):
        return value
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_chunks(headers: list[str], rows: Iterable[list[Any]], *, lines_per_chunk: int = 500) -> Iterator[bytes]:
    """UTF-8 with a BOM (so Excel reads the Chinese), CRLF lines, in chunks for a streaming response."""
    writer = csv.writer(_Echo())
    yield ("\ufeff" + writer.writerow(headers)).encode("utf-8")
    buffer: list[str] = []
    for row in rows:
        buffer.append(writer.writerow([_csv_cell(v) for v in row]))
        if len(buffer) >= lines_per_chunk:
            yield "".join(buffer).encode("utf-8")
            buffer.clear()
    if buffer:
        yield "".join(buffer).encode("utf-8")


def xlsx_cell(sheet: Any, value: Any, *, bold: bool = False) -> Any:
    """A write-only cell: text without the characters XLSX cannot hold, typed as a string when it starts like
    a formula (openpyxl would take "=…" for one; a string cell is shown as typed and never run); numbers and
    dates as themselves."""
    if value is None:
        value = ""
    elif not isinstance(value, Decimal | int | float | date):
        value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    return cell


def write_table_xlsx(out: IO[bytes], *, title: str, headers: list[str], rows: Iterable[list[Any]]) -> int:
    """One worksheet: a bold header row kept in view, then the rows. Returns the rows written."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])  # the longest sheet name Excel takes
    sheet.freeze_panes = "A2"
    sheet.append([xlsx_cell(sheet, header, bold=True) for header in headers])
    count = 0
    for row in rows:
        sheet.append([xlsx_cell(sheet, value) for value in row])
        count += 1
    workbook.save(out)
    return count


def table_response(
    fmt: str, *, headers: list[str], rows: Iterable[list[Any]], filename: str, sheet_title: str
) -> HttpResponseBase:
    """A table as a ``csv`` (streamed) or ``xlsx`` download, private to the caller (never cached on the way)."""
    response: HttpResponseBase
    if fmt == "csv":
        response = StreamingHttpResponse(csv_chunks(headers, rows), content_type=CONTENT_TYPES["csv"])
        response["Content-Disposition"] = content_disposition_header(True, filename)
    elif fmt == "xlsx":
        spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
        write_table_xlsx(spool, title=sheet_title, headers=headers, rows=rows)
        spool.seek(0)
        response = FileResponse(spool, as_attachment=True, filename=filename, content_type=CONTENT_TYPES["xlsx"])
    else:
        raise ValueError(f"no table file format {fmt!r}")
    response["Cache-Control"] = "private, no-store"
    return response
