"""Reading an import file: decoding, CSV, JSON Lines or XLSX, column names mapped to fields.

File formats, decoding and the row error shape are shared with every importer (:mod:`apps.core.bulk`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from apps.core.bulk import Record, RowError, decode_text, file_format, read_xlsx_sheet
from apps.core.errors import ApplicationError
from apps.core.limits import loads_limited
from apps.listings.importing.formats import BulkError, ListingKind, RowCode, column_index, header_key

__all__ = ["ListingFile", "Record", "RowError", "decode_text", "file_format", "read_listing_file"]


@dataclass
class ListingFile:
    format: str  # csv | jsonl | xlsx
    encoding: str
    records: list[Record]
    headers: dict[str, str]  # field → the column name used in the file
    ignored_columns: list[str]


def _too_many_rows(max_rows: int) -> ApplicationError:
    return ApplicationError(
        _("The file has more than %(n)d rows; split it, or import it with the import_listings command.")
        % {"n": max_rows},
        code=BulkError.TOO_MANY_ROWS,
        field_errors={"file": _("Too many rows.")},
        extra={"max_rows": max_rows},
    )


def read_listing_file(kind: ListingKind, content: bytes, *, filename: str, max_rows: int | None = None) -> ListingFile:
    """Records of a CSV, JSON Lines or XLSX file, keyed by field name; file-level problems raise ApplicationError."""
    fmt = file_format(filename)
    if fmt == "xlsx":
        header, rows = read_xlsx_sheet(content, max_rows=max_rows)
        return _read_grid(kind, header, rows, "xlsx", "", None)
    text, encoding = decode_text(content)
    if not text.strip():
        raise ApplicationError(_("The file is empty."), code=BulkError.EMPTY_FILE, field_errors={"file": _("Empty.")})
    if fmt == "csv":
        return _read_csv(kind, text, encoding, max_rows)
    return _read_jsonl(kind, text, encoding, max_rows)


def _map_headers(kind: ListingKind, names: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    mapped: dict[str, str] = {}
    ignored: list[str] = []
    for name in names:
        column = kind.column_for(name)
        if column is None:
            if name.strip():
                ignored.append(name)
            continue
        if column.field in mapped:
            raise ApplicationError(
                _("Columns %(a)s and %(b)s both give %(field)s; keep one.")
                % {"a": mapped[column.field], "b": name, "field": column.header},
                code=BulkError.DUPLICATE_COLUMNS,
                field_errors={"file": _("Duplicate column.")},
            )
        mapped[column.field] = name
    return mapped, ignored


def _read_csv(kind: ListingKind, text: str, encoding: str, max_rows: int | None) -> ListingFile:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise ApplicationError(
            _("The CSV header cannot be read."), code=BulkError.BAD_FORMAT, field_errors={"file": str(exc)}
        ) from None
    try:
        return _read_grid(kind, header, enumerate(reader, start=1), "csv", encoding, max_rows)
    except csv.Error as exc:
        raise ApplicationError(
            _("The CSV cannot be parsed: %(error)s.") % {"error": exc},
            code=BulkError.BAD_FORMAT,
            field_errors={"file": str(exc)},
        ) from None


def _read_grid(
    kind: ListingKind,
    header: Sequence[str],
    rows: Iterable[tuple[int, list[str]]],
    fmt: str,
    encoding: str,
    max_rows: int | None,
) -> ListingFile:
    """Rows of cells under a header (CSV records, or a worksheet's rows with their row numbers)."""
    mapped, ignored = _map_headers(kind, header)
    missing = [c.header for c in kind.columns if c.field in kind.required and c.field not in mapped]
    if missing:
        raise ApplicationError(
            _("The file has no column for: %(columns)s.") % {"columns": "、".join(missing)},
            code=BulkError.MISSING_COLUMNS,
            field_errors={"file": _("Missing columns.")},
            extra={"missing_columns": missing},
        )
    positions = [(index, kind.column_for(name)) for index, name in enumerate(header)]
    fields = [(index, column.field) for index, column in positions if column is not None]
    records: list[Record] = []
    for number, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue  # spreadsheets leave empty rows (",,,,") behind
        if max_rows is not None and len(records) >= max_rows:
            raise _too_many_rows(max_rows)
        values = {name: cells[index] for index, name in fields if index < len(cells) and cells[index] != ""}
        records.append(Record(number, values))
    return ListingFile(fmt, encoding, records, mapped, ignored)


def _read_jsonl(kind: ListingKind, text: str, encoding: str, max_rows: int | None) -> ListingFile:
    stripped = text.lstrip()
    if stripped.startswith("["):
        # A .json file holding one array of objects: the same rows, numbered by position.
        try:
            items = loads_limited(stripped)
        except ValueError as exc:  # JSONDecodeError, JSONNestingError, NaN or Infinity
            raise ApplicationError(
                _("The JSON cannot be parsed: %(error)s.") % {"error": exc},
                code=BulkError.BAD_FORMAT,
                field_errors={"file": str(exc)},
            ) from None
        lines: list[tuple[int, Any]] = list(enumerate(items, start=1))
    else:
        lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if max_rows is not None and len(lines) > max_rows:
        raise _too_many_rows(max_rows)
    headers: dict[str, str] = {}
    ignored: dict[str, None] = {}
    records: list[Record] = []
    index = column_index(kind.name)
    for number, line in lines:
        if isinstance(line, str):
            try:
                item = loads_limited(line)  # a line nested thousands deep is that row's error, not a crash
            except ValueError as exc:  # JSONDecodeError, JSONNestingError, NaN or Infinity
                records.append(Record(number, {}, RowError(number, "row", RowCode.INVALID_JSON, str(exc))))
                continue
        else:
            item = line
        if not isinstance(item, dict):
            message = _("Each line must be one JSON object.")
            records.append(Record(number, {}, RowError(number, "row", RowCode.INVALID_JSON, message)))
            continue
        values: dict[str, Any] = {}
        for key, value in item.items():
            column = index.get(header_key(str(key)))
            if column is None:
                ignored.setdefault(str(key), None)
            elif value is not None and value != "":
                values[column.field] = value
                headers.setdefault(column.field, str(key))
        records.append(Record(number, values))
    return ListingFile("jsonl", encoding, records, headers, list(ignored))
