"""Bulk import shared by every app that imports records: files, columns, row errors and the row runner.

An app describes its columns (:class:`BulkColumn`: the field, its Chinese header and the spellings people
type) and how one row is stored (:class:`RowHandler`: its stable key, whether that key is stored already,
and the store itself through the app's own single-record service). This module does the rest:

- :func:`read_table` reads CSV (UTF-8 or GB18030), JSON Lines and XLSX into records keyed by field;
- :func:`run_rows` validates the whole file first, each row in a savepoint of one transaction, so a bad
  row leaves nothing behind; without ``partial`` one bad row stores nothing, with it the good rows are
  kept; a dry run stores nothing. A row whose key is already stored is skipped (``on_existing=skip``) or
  reported (``error``), so re-importing the same file never duplicates.

The listings importer (apps/listings/importing) keeps its own faster path for the market-wide imports of
tens of thousands of rows but shares the file reading, the error shape and the report.
"""

from __future__ import annotations

import csv
import io
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from apps.core.errors import ApplicationError
from apps.core.limits import loads_limited
from apps.core.spreadsheets import SpreadsheetError, TemplateColumn, read_xlsx

# At most this many row errors are returned; the total is always counted.
MAX_REPORTED_ERRORS = 1000
IMPORT_EXTENSIONS = (".csv", ".jsonl", ".ndjson", ".json", ".xlsx")
ON_EXISTING = ("error", "skip")


class BulkError(StrEnum):
    UNSUPPORTED_FILE_TYPE = "import_unsupported_file_type"
    FILE_TOO_LARGE = "import_file_too_large"
    TOO_MANY_ROWS = "import_too_many_rows"
    BAD_ENCODING = "import_bad_encoding"
    EMPTY_FILE = "import_empty_file"
    BAD_FORMAT = "import_bad_format"
    MISSING_COLUMNS = "import_missing_columns"
    DUPLICATE_COLUMNS = "import_duplicate_columns"
    ROWS_INVALID = "import_rows_invalid"
    CONFLICT = "import_conflict"


class BulkRowCode(StrEnum):
    INVALID_JSON = "invalid_json"
    DUPLICATE_IN_FILE = "duplicate_in_file"
    ALREADY_STORED = "already_stored"


@dataclass(frozen=True)
class RowError:
    row: int  # CSV: the record after the header (1-based); JSON Lines: the line; XLSX: the worksheet row
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


_HEADER_NOISE = re.compile(r"[\s*＊]|[（(][^)）]*[)）]$")


def header_key(name: str) -> str:
    """``" 标题* "`` → ``标题``; ``"最低价格（元）"`` → ``最低价格``; English names case-insensitively."""
    return _HEADER_NOISE.sub("", name.replace("\ufeff", "")).lower()


@dataclass(frozen=True)
class BulkColumn:
    """One column of an import file: the field it fills, its Chinese header, other spellings, the help text
    the template shows and, for a fixed vocabulary, the labels of the template's drop-down."""

    field: str
    header: str
    aliases: tuple[str, ...] = ()
    note: Any = ""  # lazy translation: what to type
    required: bool = False
    choices: Callable[[], Sequence[str]] | None = None


def column_lookup(columns: Sequence[BulkColumn]) -> dict[str, BulkColumn]:
    index: dict[str, BulkColumn] = {}
    # Aliases first, so that a canonical name or header always wins over another column's alias.
    for column in columns:
        for alias in column.aliases:
            index.setdefault(header_key(alias), column)
    for column in columns:
        index[header_key(column.field)] = column
        index[header_key(column.header)] = column
    return index


# --- cells: what people type, as the API's serializers expect it ----------------------------------

_LIST_SPLIT = re.compile(r"[;；、,，\n]")
_MONEY_NOISE = re.compile(r"[\s,，元¥￥]")
_DATE_CN = re.compile(r"^(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})\s*日?$")


def split_list(value: Any) -> list[Any]:
    """``"a；b、c"`` → ``["a", "b", "c"]``; a JSON list stays a list."""
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return [part.strip() for part in _LIST_SPLIT.split(value) if part.strip()]
    return [value]


def money_text(value: Any) -> Any:
    """``"¥1,200.50元"`` → ``"1200.50"``; the strict money field then refuses anything but plain notation."""
    return _MONEY_NOISE.sub("", value) if isinstance(value, str) else value


def date_text(value: Any) -> Any:
    """``2026年3月1日``, ``2026/3/1`` or ``2026.03.01`` → ``2026-03-01`` (an Excel date arrives as that already)."""
    if isinstance(value, str):
        match = _DATE_CN.match(value.strip())
        if match:
            year, month, day = match.groups()
            return f"{year}-{int(month):02d}-{int(day):02d}"
        return value.strip()
    return value


def choice_lookup(choices: Sequence[tuple[str, Any]], synonyms: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every spelling of a choice → its value: the value, its English and Chinese labels, and synonyms."""
    lookup: dict[str, str] = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value, label in choices:
                lookup[str(label).strip().lower()] = value
    for spelling, value in (synonyms or {}).items():
        lookup[spelling.lower()] = value
    for value, _label in choices:
        lookup[str(value).lower()] = value
    return lookup


def to_choice(lookup: Mapping[str, str], value: Any) -> Any:
    if isinstance(value, str):
        return lookup.get(value.strip().lower(), value.strip())
    return value


# --- reading ---------------------------------------------------------------------------------------


def file_format(filename: str) -> str:
    """csv, jsonl or xlsx from the file name; anything else is refused with 415."""
    ext = os.path.splitext(filename or "")[1].lower()
    if ext not in IMPORT_EXTENSIONS:
        raise ApplicationError(
            _("Import CSV (.csv), JSON Lines (.jsonl) or Excel (.xlsx) files; this one is %(ext)s.")
            % {"ext": ext or "?"},
            code=BulkError.UNSUPPORTED_FILE_TYPE,
            status=415,
            field_errors={"file": _("Unsupported file type.")},
        )
    return {".csv": "csv", ".xlsx": "xlsx"}.get(ext, "jsonl")


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


def too_many_rows(max_rows: int) -> ApplicationError:
    return ApplicationError(
        _("The file has more than %(n)d rows; split it.") % {"n": max_rows},
        code=BulkError.TOO_MANY_ROWS,
        field_errors={"file": _("Too many rows.")},
        extra={"max_rows": max_rows},
    )


def file_too_large(limit: int) -> ApplicationError:
    return ApplicationError(
        _("The file is larger than %(mb)s MB; split it.") % {"mb": round(limit / 1_048_576, 1)},
        code=BulkError.FILE_TOO_LARGE,
        status=413,
        field_errors={"file": _("Too large.")},
        extra={"max_bytes": limit},
    )


def bad_format(message: str, detail: str) -> ApplicationError:
    return ApplicationError(message, code=BulkError.BAD_FORMAT, field_errors={"file": detail})


def read_xlsx_sheet(content: bytes, *, max_rows: int | None) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the data rows (worksheet row numbers) of an XLSX upload, or a 400 for a bad file."""
    try:
        sheet = read_xlsx(content, max_rows=max_rows, too_many=too_many_rows(max_rows or 0))
    except SpreadsheetError as exc:
        raise bad_format(_("The Excel file cannot be read; save it as .xlsx."), str(exc)) from None
    if not sheet.header:
        raise ApplicationError(_("The file is empty."), code=BulkError.EMPTY_FILE, field_errors={"file": _("Empty.")})
    return sheet.header, sheet.rows


@dataclass
class Table:
    format: str  # csv | jsonl | xlsx
    encoding: str
    records: list[Record]
    headers: dict[str, str]  # field → the column name used in the file
    ignored_columns: list[str]


def map_headers(lookup: Mapping[str, BulkColumn], names: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    mapped: dict[str, str] = {}
    ignored: list[str] = []
    for name in names:
        column = lookup.get(header_key(name))
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


def check_required(columns: Sequence[BulkColumn], mapped: Mapping[str, str], required: Sequence[str]) -> None:
    missing = [c.header for c in columns if c.field in required and c.field not in mapped]
    if missing:
        raise ApplicationError(
            _("The file has no column for: %(columns)s.") % {"columns": "、".join(missing)},
            code=BulkError.MISSING_COLUMNS,
            field_errors={"file": _("Missing columns.")},
            extra={"missing_columns": missing},
        )


def _grid_records(
    lookup: Mapping[str, BulkColumn], header: Sequence[str], rows: Iterator[tuple[int, list[str]]]
) -> list[Record]:
    fields = [(index, column.field) for index, name in enumerate(header) if (column := lookup.get(header_key(name)))]
    records: list[Record] = []
    for number, cells in rows:
        values = {
            name: cells[index].strip() if isinstance(cells[index], str) else cells[index]
            for index, name in fields
            if index < len(cells) and cells[index] not in ("", None)
        }
        records.append(Record(number, values))
    return records


def _csv_rows(text: str, max_rows: int | None) -> tuple[list[str], list[tuple[int, list[str]]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise bad_format(_("The CSV header cannot be read."), str(exc)) from None
    rows: list[tuple[int, list[str]]] = []
    try:
        for number, cells in enumerate(reader, start=1):
            if not any(cell.strip() for cell in cells):
                continue  # spreadsheets leave empty rows (",,,,") behind
            if max_rows is not None and len(rows) >= max_rows:
                raise too_many_rows(max_rows)
            rows.append((number, cells))
    except csv.Error as exc:
        raise bad_format(
            _("The CSV cannot be parsed near data row %(row)d: %(error)s.") % {"row": len(rows) + 1, "error": exc},
            str(exc),
        ) from None
    return header, rows


def _jsonl_records(
    lookup: Mapping[str, BulkColumn], text: str, max_rows: int | None
) -> tuple[list[Record], dict[str, str], list[str]]:
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = loads_limited(stripped)
        except ValueError as exc:  # JSONDecodeError, JSONNestingError, NaN or Infinity
            raise bad_format(_("The JSON cannot be parsed: %(error)s.") % {"error": exc}, str(exc)) from None
        lines: list[tuple[int, Any]] = list(enumerate(items if isinstance(items, list) else [items], start=1))
    else:
        lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if max_rows is not None and len(lines) > max_rows:
        raise too_many_rows(max_rows)
    headers: dict[str, str] = {}
    ignored: dict[str, None] = {}
    records: list[Record] = []
    for number, line in lines:
        item = line
        if isinstance(line, str):
            try:
                item = loads_limited(line)
            except ValueError as exc:  # JSONDecodeError, JSONNestingError, NaN or Infinity
                records.append(Record(number, {}, RowError(number, "row", BulkRowCode.INVALID_JSON, str(exc))))
                continue
        if not isinstance(item, dict):
            message = _("Each line must be one JSON object.")
            records.append(Record(number, {}, RowError(number, "row", BulkRowCode.INVALID_JSON, message)))
            continue
        values: dict[str, Any] = {}
        for key, value in item.items():
            column = lookup.get(header_key(str(key)))
            if column is None:
                ignored.setdefault(str(key), None)
            elif value is not None and value != "":
                values[column.field] = value
                headers.setdefault(column.field, str(key))
        records.append(Record(number, values))
    return records, headers, list(ignored)


def read_table(
    content: bytes,
    *,
    filename: str,
    columns: Sequence[BulkColumn],
    required: Sequence[str],
    max_rows: int | None = None,
) -> Table:
    """Records of a CSV, JSON Lines or XLSX file keyed by field; file-level problems raise ApplicationError."""
    fmt = file_format(filename)
    lookup = column_lookup(columns)
    if fmt == "xlsx":
        header, rows = read_xlsx_sheet(content, max_rows=max_rows)
        mapped, ignored = map_headers(lookup, header)
        check_required(columns, mapped, required)
        return Table("xlsx", "", _grid_records(lookup, header, iter(rows)), mapped, ignored)
    text, encoding = decode_text(content)
    if not text.strip():
        raise ApplicationError(_("The file is empty."), code=BulkError.EMPTY_FILE, field_errors={"file": _("Empty.")})
    if fmt == "csv":
        header, rows = _csv_rows(text, max_rows)
        mapped, ignored = map_headers(lookup, header)
        check_required(columns, mapped, required)
        return Table("csv", encoding, _grid_records(lookup, header, iter(rows)), mapped, ignored)
    records, headers, ignored = _jsonl_records(lookup, text, max_rows)
    return Table("jsonl", encoding, records, headers, ignored)


def count_rows(content: bytes, *, filename: str) -> int:
    """Rows of a file without checking them (to choose between importing inline or in a job)."""
    fmt = file_format(filename)
    if fmt == "xlsx":
        return len(read_xlsx_sheet(content, max_rows=None)[1])
    text, _encoding = decode_text(content)
    if fmt == "csv":
        return len(_csv_rows(text, None)[1])
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = loads_limited(stripped)
        except ValueError as exc:  # JSONDecodeError, JSONNestingError, NaN or Infinity
            raise bad_format(_("The JSON cannot be parsed: %(error)s.") % {"error": exc}, str(exc)) from None
        return len(items) if isinstance(items, list) else 1
    return sum(1 for line in text.splitlines() if line.strip())


# --- errors ----------------------------------------------------------------------------------------


def detail_errors(detail: Any, field_name: str = "row") -> Iterator[tuple[str, str, str]]:
    """(field, code, message) of a DRF ValidationError's detail, nested lists and dicts flattened."""
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            yield from detail_errors(value, field_name if str(key).isdigit() else str(key))
    elif isinstance(detail, list):
        for item in detail:
            yield from detail_errors(item, field_name)
    else:
        yield field_name, str(getattr(detail, "code", None) or "invalid"), str(detail)


def application_errors(exc: ApplicationError) -> list[tuple[str, str, str]]:
    if exc.field_errors:
        found: list[tuple[str, str, str]] = []
        for name, messages in exc.field_errors.items():
            for message in [messages] if isinstance(messages, str) else messages:
                found.append((name, str(exc.code), f"{exc.message} {message}".strip()))
        return found
    return [("row", str(exc.code), str(exc.message))]


# --- the report ------------------------------------------------------------------------------------


@dataclass
class BulkReport:
    kind: str
    format: str
    encoding: str
    total_rows: int = 0
    created: int = 0
    skipped: int = 0
    failed_rows: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    partial: bool = False
    dry_run: bool = False
    seconds: float = 0.0

    @property
    def valid_rows(self) -> int:
        return self.total_rows - self.failed_rows

    def add_errors(self, errors: Sequence[RowError]) -> None:
        self.error_count += len(errors)
        room = MAX_REPORTED_ERRORS - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])

    def summary(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "format": self.format,
            "encoding": self.encoding,
            "total_rows": self.total_rows,
            "valid_rows": self.valid_rows,
            "created": self.created,
            "skipped": self.skipped,
            "failed_rows": self.failed_rows,
            "error_count": self.error_count,
            "errors_truncated": self.error_count > len(self.errors),
            "ignored_columns": self.ignored_columns,
            "partial": self.partial,
            "dry_run": self.dry_run,
            "seconds": round(self.seconds, 3),
            "rows": [e.as_dict() for e in self.errors],
        }


def rows_invalid(report: BulkReport) -> ApplicationError:
    """Bad rows without ``partial``: a 400 whose body is the report (nothing was stored)."""
    report.created = 0
    report.skipped = 0
    body = report.summary()
    body.pop("kind")
    return ApplicationError(
        _("%(failed)d of %(total)d rows have errors; nothing was imported. Fix them, or import with partial.")
        % {"failed": report.failed_rows, "total": report.total_rows},
        code=BulkError.ROWS_INVALID,
        extra=body,
    )


# --- running rows through an app's single-record service -------------------------------------------


class RowHandler(Protocol):
    """How an app stores one row. ``key`` is the row's stable identity (an ``external_id`` column when the
    resource has one; else a natural key or a content fingerprint); ``stored`` says whether a record with
    that key exists already for this caller; ``store`` creates the record through the app's service and
    raises ApplicationError or ValidationError for a bad row. ``error_fields`` maps the service's field
    names to the columns (``buyer_id`` → ``buyer_credit_code``)."""

    error_fields: Mapping[str, str]

    def key(self, values: Mapping[str, Any]) -> str | None: ...

    def stored(self, key: str) -> bool: ...

    def store(self, values: Mapping[str, Any]) -> Any: ...


ProgressCallback = Callable[[int, int], None]


class _DryRun(Exception):  # noqa: N818 - a control-flow signal, not an error
    pass


def run_rows(
    *,
    kind: str,
    table: Table,
    handler: RowHandler,
    columns: Sequence[BulkColumn],
    partial: bool = False,
    dry_run: bool = False,
    on_existing: str = "error",
    progress: ProgressCallback | None = None,
) -> BulkReport:
    """Store each good row through ``handler`` in one transaction, every row in a savepoint.

    The whole file is checked before anything commits: without ``partial`` any bad row raises the 400
    report and nothing stays; with it the good rows are kept. ``dry_run`` checks everything (the services
    run, so every rule is applied) and rolls it all back.
    """
    started = time.perf_counter()
    report = BulkReport(
        kind=kind,
        format=table.format,
        encoding=table.encoding,
        total_rows=len(table.records),
        ignored_columns=table.ignored_columns,
        partial=partial,
        dry_run=dry_run,
    )
    by_field = {c.field: c for c in columns}

    def column_of(name: str) -> tuple[str, str]:
        name = handler.error_fields.get(name, name)
        return name, table.headers.get(name) or (by_field[name].header if name in by_field else "")

    def row_errors(number: int, found: Sequence[tuple[str, str, str]]) -> list[RowError]:
        errors = []
        for name, code, message in found:
            field_name, column = column_of(name)
            errors.append(RowError(number, field_name, code, message, column))
        return errors

    seen: dict[str, int] = {}
    failed = 0
    step = max(1, len(table.records) // 100)
    if progress:
        progress(0, report.total_rows)
    try:
        with transaction.atomic():
            for done, record in enumerate(table.records, start=1):
                errors: list[RowError] = []
                if record.error is not None:
                    errors = [record.error]
                else:
                    key = handler.key(record.values)
                    if key is not None and key in seen:
                        message = _("Same record as row %(row)d of this file.") % {"row": seen[key]}
                        errors = row_errors(record.row, [("row", BulkRowCode.DUPLICATE_IN_FILE, message)])
                    elif key is not None and handler.stored(key):
                        seen[key] = record.row
                        if on_existing == "skip":
                            report.skipped += 1
                        else:
                            message = _("This record is stored already (imported before?).")
                            errors = row_errors(record.row, [("row", BulkRowCode.ALREADY_STORED, message)])
                    else:
                        if key is not None:
                            seen[key] = record.row
                        try:
                            with transaction.atomic():
                                handler.store(record.values)
                            report.created += 1
                        except ApplicationError as exc:
                            errors = row_errors(record.row, application_errors(exc))
                        except ValidationError as exc:
                            errors = row_errors(record.row, list(detail_errors(exc.detail)))
                if errors:
                    failed += 1
                    report.add_errors(errors)
                if progress and (done % step == 0 or done == report.total_rows):
                    progress(done, report.total_rows)
            report.failed_rows = failed
            if failed and not partial:
                raise rows_invalid(report)
            if dry_run:
                raise _DryRun
    except _DryRun:
        report.created = 0  # as the listings' dry run says: valid_rows tells what would be stored
    report.seconds = time.perf_counter() - started
    return report


def import_file(
    *,
    kind: str,
    content: bytes,
    filename: str,
    columns: Sequence[BulkColumn],
    required: Sequence[str],
    handler: Callable[[Table], RowHandler],
    max_rows: int,
    progress: ProgressCallback | None = None,
    partial: bool = False,
    dry_run: bool = False,
    on_existing: str = "error",
) -> dict[str, Any]:
    """An app's import of one file: read its table, run each row through the app's handler (made for that
    table), answer the report. Inline and in the background job alike."""
    table = read_table(content, filename=filename, columns=columns, required=required, max_rows=max_rows)
    report = run_rows(
        kind=kind,
        table=table,
        handler=handler(table),
        columns=columns,
        partial=partial,
        dry_run=dry_run,
        on_existing=on_existing,
        progress=progress,
    )
    return report.summary()


def template_columns(columns: Sequence[BulkColumn], required: Sequence[str]) -> list[TemplateColumn]:
    """The import template's columns: the Chinese header, its note (required ones say so), its drop-down."""
    return [
        TemplateColumn(
            c.header,
            (_("Required.") + " " if c.field in required else "") + str(c.note),
            required=c.field in required,
            choices=c.choices() if c.choices else (),
        )
        for c in columns
    ]
