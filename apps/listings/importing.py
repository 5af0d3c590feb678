"""Bulk import of achievements and demands from CSV or JSON Lines (批量导入).

One path serves the management command and the API:

1. :func:`read_listing_file` decodes the bytes (UTF-8 with or without BOM, else GB18030 as saved by
   Chinese Excel), parses CSV or JSON Lines and maps English or Chinese column names to field names.
2. :func:`check_rows` is pure (no ORM; reference codes come from the serializers' cache, owners from a
   :class:`CheckContext` loaded once): it turns each record into an unsaved listing through the very
   serializer and builder the API uses, or into row errors. It is what the benchmark times, and what the
   command runs in worker processes to use both cores.
3. :func:`import_listings` adds what needs the database, chunk by chunk: duplicates inside the file and
   against stored active listings (the partial unique constraint's rule), then ``bulk_create`` of the
   listings, their industry links and one :class:`ListingEvent` each, all in one transaction.

Without ``partial`` one bad row stores nothing; with it, good rows are stored and bad rows reported.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import re
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg2.extras import execute_values
from rest_framework import serializers as drf_serializers

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.listings import serializers as listing_serializers
from apps.listings.models import (
    ACTIVE_STATUSES,
    Achievement,
    Attribute,
    CooperationMode,
    Demand,
    Language,
    ListingEvent,
    ListingStatus,
    PriceType,
    Stage,
)
from apps.listings.services import ListingError, achievement_build, demand_build
from apps.matching.models import ListingKind as MatchingListingKind
from apps.matching.services import listings_matching_changed
from apps.organizations.models import Organization, VerificationStatus
from apps.reference.models import Industry, TechnologyField

Listing = Achievement | Demand

# At most this many row errors are returned; the total is always counted.
MAX_REPORTED_ERRORS = 1000
DEFAULT_BATCH_SIZE = 1000


def default_jobs() -> int:
    """Worker processes for the command: one per core beyond the one that stores (and PostgreSQL's)."""
    return max(1, (os.cpu_count() or 1) - 1)


IMPORT_EXTENSIONS = (".csv", ".jsonl", ".ndjson", ".json")


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


class RowCode(StrEnum):
    """Codes of row errors raised here; the serializers and builders add their own (required, invalid …)."""

    INVALID_JSON = "invalid_json"
    UNKNOWN_OWNER = "unknown_owner"
    OWNER_NOT_VERIFIED = "owner_not_verified"
    INVALID_STATUS = "invalid_status"
    DUPLICATE_IN_FILE = "duplicate_in_file"
    DUPLICATE_LISTING = ListingError.DUPLICATE.value


# --- the file format: columns, Chinese headers and labels --------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of the file: the field it fills, its Chinese header and how a cell becomes a value."""

    field: str
    header: str  # the Chinese header written by the export and shown in error reports
    aliases: tuple[str, ...] = ()
    kind: str = "text"  # text | list | field | industry | industries | choice | choices | money | date | int


# Chinese labels of the choices, used both ways: import accepts them, export writes them.
CHOICE_LABELS: dict[str, dict[str, str]] = {
    "cooperation_modes": {
        CooperationMode.SELF_IMPLEMENTATION: "自行实施",
        CooperationMode.TRANSFER: "转让",
        CooperationMode.LICENCE: "许可",
        CooperationMode.COOPERATIVE: "合作实施",
        CooperationMode.EQUITY: "作价投资",
        CooperationMode.OTHER: "其他",
    },
    "price_type": {PriceType.FIXED: "固定价格", PriceType.RANGE: "价格区间", PriceType.NEGOTIABLE: "面议"},
    "attribute": {
        Attribute.ORIGINAL: "原始创新",
        Attribute.ABSORBED: "引进消化吸收再创新",
        Attribute.SECONDARY: "二次开发",
    },
    "language": {Language.ZH: "中文", Language.EN: "英文"},
    "wanted_stage": {
        Stage.LAB: "实验室",
        Stage.SMALL_SCALE: "小试",
        Stage.PILOT: "中试",
        Stage.MASS_PRODUCTION: "批量生产",
    },
    "stage": {
        Stage.LAB: "实验室",
        Stage.SMALL_SCALE: "小试",
        Stage.PILOT: "中试",
        Stage.MASS_PRODUCTION: "批量生产",
    },
    "status": {
        ListingStatus.DRAFT: "草稿",
        ListingStatus.SUBMITTED: "待审核",
        ListingStatus.PUBLISHED: "已发布",
        ListingStatus.REJECTED: "已退回",
        ListingStatus.WITHDRAWN: "已撤回",
        ListingStatus.EXPIRED: "已过期",
        ListingStatus.TRANSFERRED: "已成交",
    },
}
# Further spellings people type.
_CHOICE_SYNONYMS: dict[str, dict[str, str]] = {
    "cooperation_modes": {
        "自行投资实施": "self_implementation",
        "技术转让": "transfer",
        "转让许可": "licence",
        "技术许可": "licence",
        "许可使用": "licence",
        "合作": "cooperative",
        "合作转化": "cooperative",
        "作价入股": "equity",
        "作价投资入股": "equity",
        "license": "licence",
    },
    "price_type": {"固定": "fixed", "一口价": "fixed", "区间": "range", "价格面议": "negotiable"},
    "language": {"zh-hans": "zh", "汉语": "zh", "英语": "en"},
    "status": {"发布": "published", "已发布": "published", "草稿": "draft"},
}
# An import creates listings in one of these states; the rest are reached through the lifecycle only.
IMPORT_STATUSES = (ListingStatus.DRAFT, ListingStatus.PUBLISHED)

_COMMON_COLUMNS = (
    Column("owner_credit_code", "所属机构统一社会信用代码", ("统一社会信用代码", "信用代码", "owner")),
    Column("title", "标题", ("成果名称", "需求名称", "名称")),
    Column("translated_title", "译名", ("英文标题", "英文名称")),
    Column("language", "语言", (), "choice"),
    Column("status", "状态", (), "choice"),
    Column("technology_field", "技术领域", ("领域",), "field"),
    Column("keywords", "关键词", ("关键字",), "list"),
    Column("cooperation_modes", "合作方式", ("cooperation_mode",), "choices"),
    Column("contact_name", "联系人"),
    Column("contact_phone", "联系电话", ("电话",)),
    Column("contact_email", "联系邮箱", ("邮箱", "电子邮箱")),
    Column("confidential_detail", "保密内容", ("保密信息", "详细内容")),
)
ACHIEVEMENT_COLUMNS = (
    *_COMMON_COLUMNS,
    Column("summary", "成果简介", ("简介", "摘要")),
    Column("translated_summary", "英文简介", ("译文简介",)),
    Column("trl", "技术成熟度", ("成熟度", "TRL"), "int"),
    Column("attribute", "成果属性", ("属性",), "choice"),
    Column("industries", "产业", ("所属产业", "应用产业", "industry"), "industries"),
    Column("price_type", "价格类型", ("报价方式",), "choice"),
    Column("price_min", "最低价格", ("价格下限", "最低价格(元)", "价格"), "money"),
    Column("price_max", "最高价格", ("价格上限", "最高价格(元)"), "money"),
    Column("expires_on", "有效期", ("有效期至", "截止日期"), "date"),
)
DEMAND_COLUMNS = (
    *_COMMON_COLUMNS,
    Column("description", "需求描述", ("需求简介", "描述", "简介")),
    Column("translated_description", "英文描述", ("译文描述",)),
    Column("industry", "产业", ("所属产业", "industries"), "industry"),
    Column("budget_min", "最低预算", ("预算下限", "最低预算(元)", "预算"), "money"),
    Column("budget_max", "最高预算", ("预算上限", "最高预算(元)"), "money"),
    Column("deadline", "截止日期", ("需求截止日期", "有效期"), "date"),
    Column("wanted_stage", "期望阶段", ("期望成熟阶段",), "choice"),
    Column("region_preference", "意向地区", ("意向地区代码",)),
)


@dataclass(frozen=True)
class ListingKind:
    """What differs between importing achievements and demands."""

    name: str  # "achievement"
    plural: str  # "achievements"
    model: type[Achievement] | type[Demand]
    serializer_class: type[drf_serializers.Serializer]
    build: Callable[..., Any]
    columns: tuple[Column, ...]
    required: tuple[str, ...]  # columns a CSV header must have
    expiry_field: str

    def column_for(self, name: str) -> Column | None:
        return _column_index(self.name).get(_header_key(name))


ACHIEVEMENT_KIND = ListingKind(
    name="achievement",
    plural="achievements",
    model=Achievement,
    serializer_class=listing_serializers.AchievementInputSerializer,
    build=achievement_build,
    columns=ACHIEVEMENT_COLUMNS,
    required=("owner_credit_code", "title", "summary", "technology_field", "trl", "cooperation_modes"),
    expiry_field="expires_on",
)
DEMAND_KIND = ListingKind(
    name="demand",
    plural="demands",
    model=Demand,
    serializer_class=listing_serializers.DemandInputSerializer,
    build=demand_build,
    columns=DEMAND_COLUMNS,
    required=("owner_credit_code", "title", "description", "technology_field", "cooperation_modes", "deadline"),
    expiry_field="deadline",
)
KINDS: dict[str, ListingKind] = {
    "achievement": ACHIEVEMENT_KIND,
    "achievements": ACHIEVEMENT_KIND,
    "demand": DEMAND_KIND,
    "demands": DEMAND_KIND,
}

_HEADER_NOISE = re.compile(r"[\s*＊]|[（(][^)）]*[)）]$")


def _header_key(name: str) -> str:
    """``" 标题* "`` → ``标题``; ``"最低价格（元）"`` → ``最低价格``; English names case-insensitively."""
    return _HEADER_NOISE.sub("", name.replace("\ufeff", "")).lower()


_COLUMN_INDEXES: dict[str, dict[str, Column]] = {}


def _column_index(kind_name: str) -> dict[str, Column]:
    index = _COLUMN_INDEXES.get(kind_name)
    if index is None:
        columns = ACHIEVEMENT_COLUMNS if kind_name == "achievement" else DEMAND_COLUMNS
        index = {}
        # Aliases first, so that a canonical name or header always wins over another column's alias.
        for column in columns:
            for alias in column.aliases:
                index.setdefault(_header_key(alias), column)
        for column in columns:
            index[_header_key(column.field)] = column
            index[_header_key(column.header)] = column
        _COLUMN_INDEXES[kind_name] = index
    return index


# --- reading the file --------------------------------------------------------------------------


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
            items = json.loads(stripped)
        except json.JSONDecodeError as exc:
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
    index = _column_index(kind.name)
    for number, line in lines:
        if isinstance(line, str):
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
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
            column = index.get(_header_key(str(key)))
            if column is None:
                ignored.setdefault(str(key), None)
            elif value is not None and value != "":
                values[column.field] = value
                headers.setdefault(column.field, str(key))
        records.append(Record(number, values))
    return ListingFile("jsonl", encoding, records, headers, list(ignored))


# --- checking rows (pure) ----------------------------------------------------------------------


@dataclass(frozen=True)
class OwnerRef:
    id: int
    region_id: str
    verified: bool


@dataclass(frozen=True)
class Vocabulary:
    """Chinese names of the reference codes, so a cell may say 先进制造 instead of 03."""

    technology_fields: Mapping[str, str]  # name (zh or en, lower-cased) → code
    industries: Mapping[str, str]


@dataclass(frozen=True)
class CheckContext:
    """Everything :func:`check_rows` needs from the database, loaded once per file."""

    owners: Mapping[str, OwnerRef]  # credit code → owner
    vocabulary: Vocabulary
    actor_id: int | None
    now: datetime
    default_expiry: date  # an achievement published without an expiry date stays up until then
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class CheckedRow:
    """A good row, reduced to what storing needs: it crosses from a worker process as plain values."""

    row: int
    owner_id: int
    fingerprint: str
    status: str
    values: tuple[Any, ...]  # in the order of stored_fields(kind.model)
    industries: list[str]


@dataclass
class CheckedChunk:
    rows: list[CheckedRow]
    errors: list[RowError]
    seconds: float = 0.0


_LIST_SPLIT = re.compile(r"[;；、,，\n]")
_MONEY_NOISE = re.compile(r"[\s,，元¥￥]")
_DATE_CN = re.compile(r"^(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})\s*日?$")
# Formula-injection guard of the export: a leading ' before = + - @ is taken off again.
_QUOTED_FORMULA = re.compile(r"^'(?=[=+\-@\t\r])")


def _text(value: Any) -> Any:
    if isinstance(value, str):
        return _QUOTED_FORMULA.sub("", value)
    return value


def _split(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return [part.strip() for part in _LIST_SPLIT.split(value) if part.strip()]
    return [value]


def _choice(column: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    text = value.strip()
    labels = CHOICE_LABELS.get(column, {})
    if text.lower() in labels:
        return text.lower()
    for code, label in labels.items():
        if text == label:
            return code
    return _CHOICE_SYNONYMS.get(column, {}).get(text.lower(), text)


def _code(names: Mapping[str, str], value: Any, *, pad: bool = False) -> Any:
    if not isinstance(value, str | int) or isinstance(value, bool):
        return value
    text = str(value).strip()
    if pad and text.isdigit() and len(text) == 1:
        return text.zfill(2)  # Excel turns the code 03 into the number 3
    return names.get(text.lower(), text)


def _money(value: Any) -> Any:
    return _MONEY_NOISE.sub("", value) if isinstance(value, str) else value


def _date(value: Any) -> Any:
    if isinstance(value, str):
        match = _DATE_CN.match(value.strip())
        if match:
            year, month, day = match.groups()
            return f"{year}-{int(month):02d}-{int(day):02d}"
        return value.strip()
    return value


def convert_values(kind: ListingKind, values: Mapping[str, Any], vocabulary: Vocabulary) -> dict[str, Any]:
    """Cells as the input serializer expects them: lists split, Chinese names and labels turned into codes."""
    index = _column_index(kind.name)
    data: dict[str, Any] = {}
    for name, raw in values.items():
        column = index[name]
        how = column.kind
        value = _text(raw)
        if how == "list":
            value = [_text(v) for v in _split(value)]
        elif how == "choices":
            value = [_choice(name, v) for v in _split(value)]
        elif how == "choice":
            value = _choice(name, value)
        elif how == "field":
            value = _code(vocabulary.technology_fields, value, pad=True)
        elif how == "industries":
            value = [_code(vocabulary.industries, v) for v in _split(value)]
        elif how == "industry":
            value = _code(vocabulary.industries, value)
        elif how == "money":
            value = _money(value)
        elif how == "date":
            value = _date(value)
        data[name] = value
    return data


_STORED_FIELDS: dict[type[Model], list[Any]] = {}


def stored_fields(model: type[Model]) -> list[Any]:
    """The columns an import writes: every concrete field but the id and the generated ones."""
    fields = _STORED_FIELDS.get(model)
    if fields is None:
        fields = _STORED_FIELDS[model] = [
            f for f in model._meta.concrete_fields if not f.primary_key and not f.generated
        ]
    return fields


_SERIALIZERS: dict[str, drf_serializers.Serializer] = {}
_OWNER_OBJECTS: dict[int, Organization] = {}


def _serializer(kind: ListingKind) -> drf_serializers.Serializer:
    # One instance per kind: run_validation() keeps no state, and building the fields costs more than checking.
    serializer = _SERIALIZERS.get(kind.name)
    if serializer is None:
        serializer = _SERIALIZERS[kind.name] = kind.serializer_class()
    return serializer


def _owner_object(owner: OwnerRef) -> Organization:
    org = _OWNER_OBJECTS.get(owner.id)
    if org is None or org.region_id != owner.region_id:
        org = _OWNER_OBJECTS[owner.id] = Organization(pk=owner.id, region_id=owner.region_id)
    return org


def _detail_errors(detail: Any, field_name: str) -> Iterator[tuple[str, str, str]]:
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            yield from _detail_errors(value, field_name if str(key).isdigit() else str(key))
    elif isinstance(detail, list):
        for item in detail:
            yield from _detail_errors(item, field_name)
    else:
        yield field_name, str(getattr(detail, "code", None) or "invalid"), str(detail)


def check_row(kind: ListingKind, record: Record, context: CheckContext) -> CheckedRow | list[RowError]:
    """One record → an unsaved listing, or every error the row has. No database access."""
    if record.error is not None:
        return [record.error]
    number = record.row
    errors: list[tuple[str, str, str]] = []
    values = dict(record.values)

    credit_code = str(values.pop("owner_credit_code", "") or "").strip().upper()
    owner = context.owners.get(credit_code)
    if not credit_code:
        errors.append(("owner_credit_code", "required", _("Name the owner by its unified social credit code.")))
    elif owner is None:
        errors.append(("owner_credit_code", RowCode.UNKNOWN_OWNER, _("No organisation has this credit code.")))
    elif not owner.verified:
        errors.append(
            ("owner_credit_code", RowCode.OWNER_NOT_VERIFIED, _("The owner is not verified by the operator yet."))
        )

    status = _choice("status", values.pop("status", ListingStatus.DRAFT))
    if status not in IMPORT_STATUSES:
        errors.append(("status", RowCode.INVALID_STATUS, _("An import creates draft or published listings only.")))

    data = convert_values(kind, values, context.vocabulary)
    validated: dict[str, Any] | None = None
    try:
        validated = _serializer(kind).run_validation(data)
    except drf_serializers.ValidationError as exc:
        errors.extend(_detail_errors(exc.detail, "row"))

    listing = None
    if validated is not None and owner is not None:
        try:
            # No actor object: it would travel with every row between processes; the id is set below.
            listing = kind.build(actor=None, owner=_owner_object(owner), data=validated)
        except ApplicationError as exc:
            if exc.field_errors:
                for name, messages in exc.field_errors.items():
                    for message in [messages] if isinstance(messages, str) else messages:
                        errors.append((name, exc.code, str(message)))
            else:
                errors.append(("row", exc.code, exc.message))

    if errors or listing is None:
        headers = context.headers
        index = _column_index(kind.name)
        return [
            RowError(
                number,
                name,
                code,
                message,
                headers.get(name) or (index[name].header if name in index else ""),
            )
            for name, code, message in errors
        ]

    listing.created_by_id = context.actor_id
    listing.created_at = listing.updated_at = context.now
    listing.status = status
    if status == ListingStatus.PUBLISHED:
        listing.published_at = listing.reviewed_at = context.now
        listing.reviewed_by_id = context.actor_id
        if isinstance(listing, Achievement) and listing.expires_on is None:
            listing.expires_on = context.default_expiry
    row_values = tuple(getattr(listing, f.attname) for f in stored_fields(kind.model))
    industries = list(validated.get("industries") or []) if validated else []
    return CheckedRow(number, listing.owner_id, listing.fingerprint, status, row_values, industries)


def check_rows(kind: ListingKind, records: Sequence[Record], context: CheckContext) -> CheckedChunk:
    """Parse and validate records into unsaved listings (serializer, builder, jieba) — pure, timeable."""
    started = time.perf_counter()
    rows: list[CheckedRow] = []
    errors: list[RowError] = []
    for record in records:
        result = check_row(kind, record, context)
        if isinstance(result, CheckedRow):
            rows.append(result)
        else:
            errors.extend(result)
    return CheckedChunk(rows, errors, time.perf_counter() - started)


# --- context: what the database says, loaded once ----------------------------------------------


def load_vocabulary() -> Vocabulary:
    fields: dict[str, str] = {}
    for code, name_zh, name_en in TechnologyField.objects.values_list("code", "name_zh", "name_en"):
        fields[name_zh.lower()] = code
        fields[name_en.lower()] = code
    industries: dict[str, str] = {}
    for code, name_zh, name_en in Industry.objects.filter(is_active=True).values_list("code", "name_zh", "name_en"):
        industries[name_zh.lower()] = code
        industries[name_en.lower()] = code
    return Vocabulary(technology_fields=fields, industries=industries)


def load_owners(records: Sequence[Record]) -> dict[str, OwnerRef]:
    codes = {str(r.values.get("owner_credit_code", "")).strip().upper() for r in records} - {""}
    owners: dict[str, OwnerRef] = {}
    codes_list = sorted(codes)
    for start in range(0, len(codes_list), 5000):
        rows = Organization.objects.filter(credit_code__in=codes_list[start : start + 5000]).values_list(
            "credit_code", "pk", "region_id", "verification_status"
        )
        for code, pk, region_id, verification in rows:
            owners[code] = OwnerRef(pk, region_id, verification == VerificationStatus.VERIFIED)
    return owners


def build_context(*, actor: User | None, parsed: ListingFile) -> CheckContext:
    for kind_name in ("technology_field", "industry", "region"):
        listing_serializers.known_codes(kind_name)  # warm the cache before rows (or workers) use it
    return CheckContext(
        owners=load_owners(parsed.records),
        vocabulary=load_vocabulary(),
        actor_id=actor.pk if actor is not None else None,
        now=timezone.now(),
        default_expiry=timezone.localdate() + timedelta(days=settings.LISTING_DEFAULT_VALIDITY_DAYS),
        headers=parsed.headers,
    )


# --- worker processes --------------------------------------------------------------------------

_worker_state: dict[str, Any] = {}


def _worker_init(kind_name: str, context: CheckContext, codes: dict[str, frozenset[str]]) -> None:
    # A forked worker shares the parent's database socket: it must never touch the database (using or
    # closing that connection would break the parent's). Reference codes are frozen at the file's start.
    listing_serializers.known_codes = codes.__getitem__  # type: ignore[assignment]
    _worker_state["kind"] = KINDS[kind_name]
    _worker_state["context"] = context


def _worker_check(records: list[Record]) -> CheckedChunk:
    return check_rows(_worker_state["kind"], records, _worker_state["context"])


def _chunks(records: Sequence[Record], size: int) -> Iterator[list[Record]]:
    for start in range(0, len(records), size):
        yield list(records[start : start + size])


def checked_chunks(
    kind: ListingKind, records: Sequence[Record], context: CheckContext, *, batch_size: int, jobs: int
) -> Generator[CheckedChunk, None, None]:
    """Chunks in file order, checked here (jobs=0) or by ``jobs`` forked processes while the caller stores."""
    if jobs <= 0 or len(records) <= batch_size:
        for chunk in _chunks(records, batch_size):
            yield check_rows(kind, chunk, context)
        return
    codes = {name: listing_serializers.known_codes(name) for name in ("technology_field", "industry", "region")}
    pool = multiprocessing.get_context("fork").Pool(
        jobs, initializer=_worker_init, initargs=(kind.name, context, codes)
    )
    try:
        yield from pool.imap(_worker_check, _chunks(records, batch_size))
    finally:
        pool.terminate()
        pool.join()


# --- storing -----------------------------------------------------------------------------------


@dataclass
class ImportResult:
    kind: str
    filename: str
    format: str
    encoding: str
    total_rows: int = 0
    created: int = 0
    failed_rows: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    partial: bool = False
    dry_run: bool = False
    check_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def valid_rows(self) -> int:
        return self.total_rows - self.failed_rows

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds if self.seconds else 0.0

    @property
    def check_rows_per_second(self) -> float:
        """Parse + validate + segment, per core."""
        return self.total_rows / self.check_seconds if self.check_seconds else 0.0

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
            "failed_rows": self.failed_rows,
            "error_count": self.error_count,
            "errors_truncated": self.error_count > len(self.errors),
            "ignored_columns": self.ignored_columns,
            "partial": self.partial,
            "dry_run": self.dry_run,
            "seconds": round(self.seconds, 3),
            "rows": [e.as_dict() for e in self.errors],
        }


def _duplicates(
    kind: ListingKind, rows: list[CheckedRow], seen: dict[tuple[int, str], int], header: str
) -> tuple[list[CheckedRow], list[RowError]]:
    """Rows whose owner already has an active listing with the same fingerprint, in this file or stored."""
    keys = {(r.owner_id, r.fingerprint) for r in rows}
    stored: set[tuple[int, str]] = set()
    if keys:
        stored = set(
            kind.model.objects.filter(
                owner_id__in={k[0] for k in keys},
                fingerprint__in={k[1] for k in keys},
                status__in=ACTIVE_STATUSES,
            ).values_list("owner_id", "fingerprint")
        )
    kept: list[CheckedRow] = []
    errors: list[RowError] = []
    for checked in rows:
        key = (checked.owner_id, checked.fingerprint)
        if key in seen:
            message = _("Same owner, title and text as row %(row)d of this file.") % {"row": seen[key]}
            errors.append(RowError(checked.row, "title", RowCode.DUPLICATE_IN_FILE, message, header))
        elif key in stored:
            message = _("The owner already has an active listing with this title and text.")
            errors.append(RowError(checked.row, "title", RowCode.DUPLICATE_LISTING, message, header))
            seen[key] = checked.row
        else:
            seen[key] = checked.row
            kept.append(checked)
    return kept, errors


def _insert(model: type[Model], columns: Sequence[str], values: Sequence[tuple[Any, ...]], *, ids: bool) -> list[int]:
    """One multi-row ``INSERT … RETURNING id``, as bulk_create sends, minus its per-field Python preparation.

    bulk_create spends ~165 µs a row preparing 30 fields, which made storing the bottleneck of an import;
    the values here are already the validated Python types psycopg2 adapts (str, int, Decimal, date,
    aware datetime, list → array). Ids come back in VALUES order, as bulk_create also relies on.
    """
    quote = connection.ops.quote_name
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) VALUES %s"  # noqa: S608
    if ids:
        sql += " RETURNING id"
    with connection.cursor() as cursor:
        returned = execute_values(cursor, sql, values, page_size=max(1, len(values)), fetch=ids)
    return [row[0] for row in returned] if ids else []


def _store(kind: ListingKind, rows: list[CheckedRow], *, actor_id: int | None, note: str, now: datetime) -> list[int]:
    """Insert the rows; returns the ids of those stored as published."""
    columns = [f.column for f in stored_fields(kind.model)]
    pks = _insert(kind.model, columns, [r.values for r in rows], ids=True)
    if kind is ACHIEVEMENT_KIND:
        links = [(pk, code) for r, pk in zip(rows, pks, strict=True) for code in r.industries]
        if links:
            _insert(Achievement.industries.through, ("achievement_id", "industry_id"), links, ids=False)
    _insert(
        ListingEvent,
        (f"{kind.name}_id", "from_status", "to_status", "actor_id", "note", "created_at"),
        [(pk, "", r.status, actor_id, note, now) for r, pk in zip(rows, pks, strict=True)],
        ids=False,
    )
    return [pk for r, pk in zip(rows, pks, strict=True) if r.status == ListingStatus.PUBLISHED]


ProgressCallback = Callable[[int, int], None]


def import_listings(
    *,
    actor: User | None,
    kind: ListingKind,
    content: bytes,
    filename: str,
    partial: bool = False,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_rows: int | None = None,
    jobs: int = 0,
    progress: ProgressCallback | None = None,
) -> ImportResult:
    """Import one file. Raises ApplicationError for a bad file, and for bad rows unless ``partial``.

    ``jobs`` > 0 checks rows in that many forked processes while this one stores (the command uses it;
    a web request checks in-process). Storing is one transaction: without ``partial`` it is rolled back as
    soon as the first bad row is known; a dry run checks everything and stores nothing.
    """
    started = time.perf_counter()
    parsed = read_listing_file(kind, content, filename=filename, max_rows=max_rows)
    context = build_context(actor=actor, parsed=parsed)
    result = ImportResult(
        kind=kind.name,
        filename=filename,
        format=parsed.format,
        encoding=parsed.encoding,
        total_rows=len(parsed.records),
        ignored_columns=parsed.ignored_columns,
        partial=partial,
        dry_run=dry_run,
    )
    note = f"import: {os.path.basename(filename)}"[:1000]
    seen: dict[tuple[int, str], int] = {}
    failed: set[int] = set()
    published: list[int] = []
    done = 0
    if progress:
        progress(0, result.total_rows)
    try:
        with transaction.atomic():
            chunks = checked_chunks(kind, parsed.records, context, batch_size=max(1, batch_size), jobs=jobs)
            # closing(): a failure while storing must stop the worker processes at once.
            with closing(chunks):
                for chunk in chunks:
                    result.check_seconds += chunk.seconds
                    rows, duplicate_errors = _duplicates(kind, chunk.rows, seen, parsed.headers.get("title", "标题"))
                    errors = sorted(chunk.errors + duplicate_errors, key=lambda e: e.row)
                    result.add_errors(errors)
                    failed.update(e.row for e in errors)
                    if rows and not dry_run and (partial or not failed):
                        published += _store(kind, rows, actor_id=context.actor_id, note=note, now=context.now)
                        result.created += len(rows)
                    done += len(chunk.rows) + len({e.row for e in chunk.errors})
                    if progress:
                        progress(done, result.total_rows)
            result.failed_rows = len(failed)
            if failed and not partial:
                raise _rows_invalid(result)
            # Published rows enter the market as a publication does: one change-log entry each, in this
            # transaction, and the matching tasks queued on commit.
            listings_matching_changed(kind=MatchingListingKind(kind.name), listing_ids=published, published=True)
    except IntegrityError as exc:
        # Another writer stored the same listing between our duplicate check and the insert.
        if "no_duplicate" in str(exc):
            raise ApplicationError(
                _("A listing in this file was stored by someone else meanwhile; nothing was imported. Retry."),
                code=BulkError.CONFLICT,
                status=409,
            ) from None
        raise
    result.seconds = time.perf_counter() - started
    return result


def _rows_invalid(result: ImportResult) -> ApplicationError:
    result.created = 0
    body = result.summary()
    body.pop("kind")
    return ApplicationError(
        _("%(failed)d of %(total)d rows have errors; nothing was imported. Fix them, or import with partial.")
        % {"failed": result.failed_rows, "total": result.total_rows},
        code=BulkError.ROWS_INVALID,
        extra=body,
    )
