"""Reading an import file: decoding, CSV or JSON Lines, column names mapped to fields."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError
from apps.core.limits import loads_limited
from apps.listings.importing.formats import IMPORT_EXTENSIONS, BulkError, ListingKind, RowCode, column_index, header_key


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based data row: the CSV record after the header, or the JSON Lines line
    field: str
    code: str
    message: str
    column: str = ""  # the column as the file names it

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "field": self.field,
            "column": self.column,
            "code": str(self.code),
            "message": self.message,
        }


@dataclass
class Record:
    row: int
    values: dict[str, Any]
    error: RowError | None = None


@dataclass
class ListingFile:
    format: str  # csv | jsonl
    encoding: str
    records: list[Record]
    headers: dict[str, str]  # field → the column name used in the file
    ignored_columns: list[str]


def file_format(filename: str) -> str:
    """csv or jsonl from the file name; anything else is refused with 415."""
    ext = os.path.splitext(filename or "")[1].lower()
    if ext not in IMPORT_EXTENSIONS:
        raise ApplicationError(
            _("Import CSV (.csv) or JSON Lines (.jsonl) files; this one is %(ext)s.") % {"ext": ext or "?"},
            code=BulkError.UNSUPPORTED_FILE_TYPE,
            status=415,
            field_errors={"file": _("Unsupported file type.")},
        )
    return "csv" if ext == ".csv" else "jsonl"


def decode_text(content: bytes) -> tuple[str, str]:
    """UTF-8 (a BOM is dropped); failing that, GB18030, the superset of GBK that Chinese Excel writes."""
    if b"\x00" in content[:65536]:
        raise ApplicationError(
            _("This is not a text file."),
            code=BulkError.UNSUPPORTED_FILE_TYPE,
            status=415,
            field_errors={"file": _("Binary content.")},
        )
    try:
        return content.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise ApplicationError(
            _("The file is neither UTF-8 nor GB18030 text; save it as CSV UTF-8."),
            code=BulkError.BAD_ENCODING,
            field_errors={"file": _("Unknown text encoding.")},
        ) from None


def _too_many_rows(max_rows: int) -> ApplicationError:
    return ApplicationError(
        _("The file has more than %(n)d rows; split it, or import it with the import_listings command.")
        % {"n": max_rows},
        code=BulkError.TOO_MANY_ROWS,
        field_errors={"file": _("Too many rows.")},
        extra={"max_rows": max_rows},
    )


def read_listing_file(kind: ListingKind, content: bytes, *, filename: str, max_rows: int | None = None) -> ListingFile:
    """Records of a CSV or JSON Lines file, keyed by field name; file-level problems raise ApplicationError."""
    fmt = file_format(filename)
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
    try:
        for number, cells in enumerate(reader, start=1):
            if not any(cell.strip() for cell in cells):
                continue  # spreadsheets leave empty rows (",,,,") behind
            if max_rows is not None and len(records) >= max_rows:
                raise _too_many_rows(max_rows)
            values = {name: cells[index] for index, name in fields if index < len(cells) and cells[index] != ""}
            records.append(Record(number, values))
    except csv.Error as exc:
        raise ApplicationError(
            _("The CSV cannot be parsed near data row %(row)d: %(error)s.") % {"row": len(records) + 1, "error": exc},
            code=BulkError.BAD_FORMAT,
            field_errors={"file": str(exc)},
        ) from None
    return ListingFile("csv", encoding, records, mapped, ignored)


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
