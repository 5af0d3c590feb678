"""Bulk export of achievements and demands to CSV or XLSX (批量导出), with Chinese headers.

What is exported is what the actor may see, filtered like the list endpoint (the list selectors do both).
Everyone gets the public teaser columns; the confidential part (detail and contact) is exported to the
market operator only — an owner reads its own confidential part through the logged detail endpoint.

Spreadsheet formula injection is neutralised: a text cell starting with ``= + - @``, a tab or a carriage
return is written as ``'…`` in CSV (the importer takes the quote off again) and as a string cell, never a
formula, in XLSX. The headers are the importer's, so an exported file can be edited and imported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.db.models import F, QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from apps.core.exporting import FORMULA_START
from apps.listings import selectors, teasers
from apps.listings.importing import CHOICE_LABELS, ListingKind
from apps.listings.models import Achievement
from apps.organizations.access import Actor, is_operator

DEFAULT_EXPORT_MAX_ROWS = 100_000
EXPORT_FORMATS = ("csv", "xlsx")
# The API also streams JSON Lines (the list's items).
API_EXPORT_FORMATS = (*EXPORT_FORMATS, "jsonl", "ndjson")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The file name people see: 科技成果_20261126.csv
FILE_TITLES = {"achievement": "科技成果", "demand": "技术需求"}
_ITERATOR_CHUNK = 2000


def export_max_rows() -> int:
    return int(getattr(settings, "LISTING_EXPORT_MAX_ROWS", DEFAULT_EXPORT_MAX_ROWS))


@dataclass(frozen=True)
class ExportColumn:
    header: str
    value: Callable[[Any], Any]
    width: int = 14
    confidential: bool = False


def _label(kind: str, value: str) -> str:
    return CHOICE_LABELS[kind].get(value, value) if value else ""


def _labels(kind: str, values: Iterable[str]) -> str:
    return "；".join(_label(kind, v) for v in values)


def _local(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


_COMMON_HEAD = (
    ExportColumn("编号", lambda o: o.pk, 9),
    ExportColumn("标题", lambda o: o.title, 36),
    ExportColumn("译名", lambda o: o.translated_title, 24),
    ExportColumn("语言", lambda o: _label("language", o.language), 6),
    ExportColumn("状态", lambda o: _label("status", o.status), 8),
    ExportColumn("技术领域", lambda o: o.technology_field.name_zh, 16),
)
_COMMON_TAIL = (
    ExportColumn("所属机构", lambda o: o.owner.name, 28),
    ExportColumn("所属机构统一社会信用代码", lambda o: o.owner.credit_code, 22),
    ExportColumn("地区", lambda o: o.region.name_zh if o.region else "", 10),
    ExportColumn("发布时间", lambda o: _local(o.published_at), 17),
    ExportColumn("创建时间", lambda o: _local(o.created_at), 17),
    ExportColumn("保密内容", lambda o: o.confidential_detail, 40, confidential=True),
    ExportColumn("联系人", lambda o: o.contact_name, 10, confidential=True),
    ExportColumn("联系电话", lambda o: o.contact_phone, 16, confidential=True),
    ExportColumn("联系邮箱", lambda o: o.contact_email, 24, confidential=True),
)
ACHIEVEMENT_EXPORT_COLUMNS = (
    *_COMMON_HEAD,
    # industries.all() reads the prefetched rows: no query per listing.
    ExportColumn("产业", lambda o: "；".join(i.name_zh for i in o.industries.all()), 20),
    ExportColumn("关键词", lambda o: "；".join(o.keywords), 20),
    ExportColumn("成果简介", lambda o: o.summary, 60),
    ExportColumn("英文简介", lambda o: o.translated_summary, 30),
    ExportColumn("技术成熟度", lambda o: o.trl, 10),
    ExportColumn("阶段", lambda o: _label("stage", o.stage), 9),
    ExportColumn("成果属性", lambda o: _label("attribute", o.attribute), 12),
    ExportColumn("合作方式", lambda o: _labels("cooperation_modes", o.cooperation_modes), 18),
    ExportColumn("价格类型", lambda o: _label("price_type", o.price_type), 9),
    ExportColumn("最低价格", lambda o: o.price_min, 14),
    ExportColumn("最高价格", lambda o: o.price_max, 14),
    ExportColumn("有效期", lambda o: o.expires_on, 12),
    *_COMMON_TAIL,
)
DEMAND_EXPORT_COLUMNS = (
    *_COMMON_HEAD,
    ExportColumn("产业", lambda o: o.industry.name_zh if o.industry_id else "", 16),
    ExportColumn("关键词", lambda o: "；".join(o.keywords), 20),
    ExportColumn("需求描述", lambda o: o.description, 60),
    ExportColumn("英文描述", lambda o: o.translated_description, 30),
    ExportColumn("合作方式", lambda o: _labels("cooperation_modes", o.cooperation_modes), 18),
    ExportColumn("最低预算", lambda o: o.budget_min, 14),
    ExportColumn("最高预算", lambda o: o.budget_max, 14),
    ExportColumn("截止日期", lambda o: o.deadline, 12),
    ExportColumn("期望阶段", lambda o: _label("wanted_stage", o.wanted_stage), 9),
    ExportColumn("意向地区代码", lambda o: o.region_preference_id or "", 12),
    *_COMMON_TAIL,
)


def export_columns(kind: ListingKind, *, confidential: bool) -> tuple[ExportColumn, ...]:
    columns = ACHIEVEMENT_EXPORT_COLUMNS if kind.name == "achievement" else DEMAND_EXPORT_COLUMNS
    return tuple(c for c in columns if confidential or not c.confidential)


@dataclass
class ListingExport:
    kind: ListingKind
    columns: tuple[ExportColumn, ...]
    queryset: QuerySet[Any]
    max_rows: int
    truncated: bool

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def rows(self) -> Iterator[list[Any]]:
        getters = [c.value for c in self.columns]
        for listing in self.queryset.iterator(chunk_size=_ITERATOR_CHUNK):
            yield [get(listing) for get in getters]

    def filename(self, fmt: str) -> str:
        return f"{FILE_TITLES[self.kind.name]}_{timezone.localdate():%Y%m%d}.{fmt}"


_ORDER_BY: dict[str, tuple[Any, ...]] = {
    "relevance": ("-rank", "-id"),
    "-published_at": (F("published_at").desc(nulls_last=True), "-id"),
    "published_at": (F("published_at").asc(nulls_last=True), "id"),
    "-created_at": ("-created_at", "-id"),
    "created_at": ("created_at", "id"),
}


def listing_export(kind: ListingKind, *, actor: Actor | None, filters: Any) -> ListingExport:
    """What ``actor`` may export of ``kind`` under the list filters, in list order, capped."""
    list_selector = selectors.achievement_list if kind.model is Achievement else selectors.demand_list
    qs = selectors.with_related(list_selector(actor=actor, filters=filters), kind.model)
    confidential = is_operator(actor)
    if confidential:
        # The list defers the confidential text; the operator's export includes it.
        qs = qs.defer(None).defer("search_head", "search_body", "search_vector")
    qs = qs.order_by(*_ORDER_BY[selectors.listing_ordering(filters)])
    cap = export_max_rows()
    truncated = bool(list(qs.order_by().prefetch_related(None).values_list("pk", flat=True)[cap : cap + 1]))
    return ListingExport(
        kind=kind,
        columns=export_columns(kind, confidential=confidential),
        queryset=qs[:cap],
        max_rows=cap,
        truncated=truncated,
    )


def teaser_items(export: ListingExport) -> Iterator[dict[str, Any]]:
    """The export's listings as the list endpoint shows them (one JSON object each), in export order."""
    model = export.kind.model
    rows = teasers.teaser_rows(export.queryset.prefetch_related(None), model)
    for row in rows.iterator(chunk_size=_ITERATOR_CHUNK):
        yield teasers.render_teasers([row], model)[0]


# --- writing -----------------------------------------------------------------------------------


_CJK = re.compile(r"[\u2e80-\u9fff\uff00-\uffef]")


def _xlsx_value(sheet: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Decimal | int | date) and not isinstance(value, datetime | bool):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if text.startswith(FORMULA_START):
        # openpyxl would take "=…" for a formula; a string cell is shown as typed and never run.
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"
        return cell
    return text


def write_xlsx(export: ListingExport, out: IO[bytes]) -> int:
    """The export as one worksheet: bold frozen header row, sized columns. Returns the rows written."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=FILE_TITLES[export.kind.name])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(export.columns, start=1):
        header_width = len(column.header) + len(_CJK.findall(column.header)) + 2
        sheet.column_dimensions[get_column_letter(index)].width = max(column.width, header_width)
    bold = Font(bold=True)
    header_cells = []
    for header in export.headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in export.rows():
        sheet.append([_xlsx_value(sheet, v) for v in row])
        count += 1
    workbook.save(out)
    return count
