"""CSV for spreadsheets, streamed: UTF-8 with a BOM so Excel reads Chinese, and cells a spreadsheet would run
as a formula made plain text. Any app's export writes its rows through :func:`csv_chunks`."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

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
