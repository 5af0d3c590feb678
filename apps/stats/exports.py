"""A statistics report as CSV (UTF-8 with BOM) or XLSX, laid out like the official report forms.

Headers and label columns are Chinese whatever the request language: the file goes to the
statistics office as it is. Amounts are in 万元 (two decimals, half up), counts in 项, growth
(同比增长) as a percentage. The choice cuts and zones use the report forms' own terms, written here
once; reference-coded cuts (fields, entity types, areas, brokers) take the report's labels, which
the API computes in zh-hans for an export.

Spreadsheet formula injection is neutralised the way the listings export does it: a text cell
starting with ``= + - @``, a tab or a carriage return is written ``'…`` in CSV and as a string cell,
never a formula, in XLSX (broker names are typed by users).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from apps.contracts.catalogue import ContractType, IPType, LegacyClass, ProgrammeClass
from apps.core.exporting import csv_chunks, xlsx_cell
from apps.stats.dims import MEASURES, Dim, Measure, Zone
from apps.stats.selectors import PERIOD, Report, ReportRow, in_wan, period_start

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FILE_TITLE = "技术合同成交统计"

COLUMN_HEADERS: dict[str, str] = {
    PERIOD: "期间",
    Dim.CONTRACT_TYPE: "合同类型",
    Dim.LEGACY_CLASS: "合同类别（四类）",
    Dim.TECHNOLOGY_FIELD: "技术领域",
    Dim.IP_TYPE: "知识产权类型",
    Dim.PROGRAMME_CLASS: "计划类别",
    Dim.SELLER_ENTITY_TYPE: "卖方单位性质",
    Dim.BUYER_ENTITY_TYPE: "买方单位性质",
    Dim.SELLER_AREA: "卖方所在地区",
    Dim.BUYER_AREA: "买方所在地区",
    Dim.SELLER_ZONE: "技术来源（卖方区域）",
    Dim.BUYER_ZONE: "技术流向（买方区域）",
    Dim.BROKER: "技术经纪人",
    Dim.MARKET: "所属市场",
}
MEASURE_HEADERS: dict[str, str] = {
    Measure.CONTRACT_COUNT: "合同数(项)",
    Measure.CONTRACT_AMOUNT: "合同成交额(万元)",
    Measure.TECHNOLOGY_AMOUNT: "技术交易额(万元)",
    Measure.PAID_AMOUNT: "到位金额(万元)",
}
_MEASURE_SHORT: dict[str, str] = {
    Measure.CONTRACT_COUNT: "合同数",
    Measure.CONTRACT_AMOUNT: "合同成交额",
    Measure.TECHNOLOGY_AMOUNT: "技术交易额",
    Measure.PAID_AMOUNT: "到位金额",
}
# The report forms' terms for the choice cuts (the zh-hans catalogue translates the labels the same way).
CHINESE_LABELS: dict[str, dict[str, str]] = {
    Dim.CONTRACT_TYPE: {
        ContractType.DEVELOPMENT: "技术开发",
        ContractType.TRANSFER: "技术转让",
        ContractType.LICENCE: "技术许可",
        ContractType.CONSULTING: "技术咨询",
        ContractType.SERVICE: "技术服务",
    },
    Dim.LEGACY_CLASS: {
        LegacyClass.DEVELOPMENT: "技术开发",
        LegacyClass.TRANSFER: "技术转让（含技术许可）",
        LegacyClass.CONSULTING: "技术咨询",
        LegacyClass.SERVICE: "技术服务",
    },
    Dim.IP_TYPE: {
        IPType.INVENTION_PATENT: "发明专利",
        IPType.UTILITY_MODEL_PATENT: "实用新型专利",
        IPType.DESIGN_PATENT: "外观设计专利",
        IPType.SOFTWARE_COPYRIGHT: "软件著作权",
        IPType.IC_LAYOUT: "集成电路布图设计",
        IPType.PLANT_VARIETY: "植物新品种",
        IPType.BIOMEDICINE_VARIETY: "生物医药新品种",
        IPType.TECHNICAL_SECRET: "技术秘密",
        IPType.OTHER: "其他知识产权",
        IPType.NONE: "未涉及知识产权",
    },
    Dim.PROGRAMME_CLASS: {
        ProgrammeClass.NATIONAL: "国家计划",
        ProgrammeClass.MINISTRY: "部门计划",
        ProgrammeClass.PROVINCIAL: "省级计划",
        ProgrammeClass.CITY_COUNTY: "地市县计划",
        ProgrammeClass.NONE: "计划外",
    },
    Dim.SELLER_ZONE: {
        Zone.CITY: "市内",
        Zone.PROVINCE: "省内",
        Zone.DOMESTIC: "外省",
        Zone.HMT: "港澳台",
        Zone.ASEAN: "东盟",
        Zone.ABROAD: "其他境外",
    },
}
CHINESE_LABELS[Dim.BUYER_ZONE] = CHINESE_LABELS[Dim.SELLER_ZONE]
TOTAL_LABEL = "合计"
NO_BROKER_LABEL = "无经纪人"


def chinese_period(key: str, period: str) -> str:
    start = period_start(key)
    if period == "month":
        return f"{start.year}年{start.month}月"
    if period == "quarter":
        return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    return f"{start.year}年"


@dataclass(frozen=True)
class _Column:
    header: str
    kind: str  # text | count | amount | growth
    width: int


def _percent(growth: Decimal | None) -> Decimal | None:
    return None if growth is None else (growth * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)


class ReportTable:
    """The report as a header and rows of plain values (labels, 万元 amounts, growth ratios)."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.keys = list(report.group_by)
        columns = [_Column(COLUMN_HEADERS[k], "text", 12 if k == PERIOD else 18) for k in self.keys]
        if not columns:
            columns.append(_Column("统计范围", "text", 12))
        for m in MEASURES:
            kind = "count" if m is Measure.CONTRACT_COUNT else "amount"
            columns.append(_Column(MEASURE_HEADERS[m], kind, 14))
        if report.compare:
            for m in MEASURES:
                kind = "count" if m is Measure.CONTRACT_COUNT else "amount"
                columns.append(_Column("上年同期" + MEASURE_HEADERS[m], kind, 16))
            for m in MEASURES:
                columns.append(_Column(_MEASURE_SHORT[m] + "同比增长(%)", "growth", 16))
        self.columns = columns

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def _label(self, name: str, row: ReportRow) -> str:
        value = row.key[name]
        if name == PERIOD:
            return chinese_period(value, self.report.period)
        if name in CHINESE_LABELS:
            return CHINESE_LABELS[name].get(value, value)
        if name == Dim.BROKER and not value:
            return NO_BROKER_LABEL
        return row.labels.get(name, value)

    def _figures(self, row: ReportRow) -> list[Any]:
        """Counts as int, amounts in 万元; growth as a ratio (XLSX formats it as a percentage)."""
        out: list[Any] = []
        for source in [row.values, *([row.previous or {}] if self.report.compare else [])]:
            for m in MEASURES:
                value = source.get(m.value, 0)
                out.append(value if m is Measure.CONTRACT_COUNT else in_wan(Decimal(value)))
        if self.report.compare:
            out.extend((row.growth or {}).get(m.value) for m in MEASURES)
        return out

    def rows(self) -> Iterator[list[Any]]:
        # Without a cut the one row is the total.
        for row in self.report.rows if self.keys else ():
            yield [self._label(k, row) for k in self.keys] + self._figures(row)
        width = max(len(self.keys), 1)
        yield [TOTAL_LABEL] + [""] * (width - 1) + self._figures(self.report.totals)


def filename(fmt: str) -> str:
    return f"{FILE_TITLE}_{timezone.localdate():%Y%m%d}.{fmt}"


def report_csv(report: Report) -> Iterator[bytes]:
    """UTF-8 with a BOM (Excel reads the Chinese), CRLF lines; growth as a percentage number."""
    table = ReportTable(report)
    kinds = [c.kind for c in table.columns]

    def rows() -> Iterator[list[Any]]:
        for row in table.rows():
            yield [_percent(v) if kind == "growth" else v for v, kind in zip(row, kinds, strict=True)]

    return csv_chunks(table.headers, rows())


_NUMBER_FORMATS = {"count": "#,##0", "amount": "#,##0.00", "growth": "0.00%"}


def _text_cell(sheet: Any, value: Any, *, bold: bool = False) -> Any:
    return xlsx_cell(sheet, str(value), bold=bold)  # a formula-like text stays a string, never run


def write_report_xlsx(report: Report, out: IO[bytes]) -> int:
    """The report on one sheet (bold frozen header, number formats, bold totals) and a sheet that
    says what was counted. Returns the data rows written (totals included)."""
    table = ReportTable(report)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=FILE_TITLE)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(column.width, 2 * len(column.header) + 2)
    header_cells = []
    for header in table.headers:
        cell = _text_cell(sheet, header, bold=True)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    rows = list(table.rows())
    for number, values in enumerate(rows, start=1):
        is_total = number == len(rows)
        cells = []
        for value, column in zip(values, table.columns, strict=True):
            if column.kind == "text":
                cells.append(_text_cell(sheet, value, bold=is_total))
                continue
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = _NUMBER_FORMATS[column.kind]
            if is_total:
                cell.font = Font(bold=True)
            cells.append(cell)
        sheet.append(cells)
    about = workbook.create_sheet(title="说明")
    for line in _about(report):
        about.append([_text_cell(about, part) for part in line])
    workbook.save(out)
    return len(rows)


def _about(report: Report) -> list[list[str]]:
    start = f"{report.date_from:%Y年%m月}" if report.date_from else "最早"
    end = f"{report.date_to:%Y年%m月}" if report.date_to else ""
    lines = [
        ["统计期间", f"{start}至{end}"],
        ["金额单位", "万元（四舍五入保留两位小数）"],
        ["同比", "与上年同期（统计期间前移十二个月）比较" if report.compare else "未比较"],
    ]
    for name, values in report.filters.items():
        labels = CHINESE_LABELS.get(name, {})
        lines.append([f"筛选：{COLUMN_HEADERS[name]}", "、".join(labels.get(v, v) for v in values)])
    lines.append(["生成时间", f"{timezone.localtime():%Y-%m-%d %H:%M}"])
    return lines
