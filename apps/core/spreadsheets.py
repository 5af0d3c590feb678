"""XLSX for bulk import: reading a sheet as rows of text-like cells, and writing import templates.

What Chinese offices send are Excel workbooks: headers in Chinese, dates as Excel dates (or typed as
text), amounts as numbers. :func:`read_xlsx` turns the first worksheet into the header and the data rows
with every cell as an importer reads a CSV cell: a date cell becomes ``YYYY-MM-DD``, a number its plain
decimal notation (so the strict money rules see ``1200.5``, never ``1.2005E3``), text stays text.
:func:`template_xlsx` writes one header row with a comment per column (what to type, whether required)
and drop-down lists for the columns with a fixed vocabulary.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_TEMPLATE_ROWS = 5000  # rows the drop-down lists cover


class SpreadsheetError(ValueError):
    """The bytes are not a readable XLSX workbook."""


def cell_text(value: Any) -> str:
    """A cell as text, the way a CSV cell of the same value would read."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        # Excel has no date type of its own: a date cell comes back as midnight of that day.
        return value.date().isoformat() if value.time() == time.min else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        # repr is the shortest text that reads back as the same float: 1200.5, never 1200.4999999.
        return format(Decimal(repr(value)), "f")
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


@dataclass
class Sheet:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (the worksheet's row number, cells as text)


def read_xlsx(content: bytes, *, max_rows: int | None = None, too_many: Any = None) -> Sheet:
    """The first worksheet: its first non-empty row is the header; empty rows are skipped.

    ``too_many`` is raised when more than ``max_rows`` data rows are found (the sheet is read lazily, so a
    huge file stops early).
    """
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise SpreadsheetError("not an XLSX (zip) file")
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SpreadsheetError(str(exc)) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            return Sheet([], [])
        header: list[str] | None = None
        rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [cell_text(v) for v in values]
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = [c.strip() for c in cells]
                continue
            if max_rows is not None and len(rows) >= max_rows:
                raise too_many
            rows.append((number, cells))
        return Sheet(header or [], rows)
    finally:
        workbook.close()


@dataclass(frozen=True)
class TemplateColumn:
    header: str  # what the template's header cell says (the Chinese header)
    note: str  # the cell comment: what to type
    required: bool = False
    choices: Sequence[str] = ()  # a drop-down list
    width: int = 16


def template_xlsx(*, title: str, columns: Sequence[TemplateColumn], note: str = "") -> bytes:
    """An import template: a bold header row (required columns marked ``*`` and shaded), a comment on
    each header cell, drop-downs from the sheet 选项, and ``note`` on the sheet 说明."""
    workbook = Workbook()
    sheet = workbook.worksheets[0]  # a new workbook has its first sheet
    sheet.title = title[:31]
    lists = workbook.create_sheet("选项")
    bold = Font(bold=True)
    shade = PatternFill("solid", fgColor="FFF2CC")
    list_column = 0
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=column.header + ("*" if column.required else ""))
        cell.font = bold
        if column.required:
            cell.fill = shade
        cell.comment = Comment(column.note, "科技大市场", width=260, height=120)
        sheet.column_dimensions[letter].width = max(column.width, len(column.header) * 2 + 4)
        if column.choices:
            list_column += 1
            list_letter = get_column_letter(list_column)
            lists.cell(row=1, column=list_column, value=column.header).font = bold
            for offset, choice in enumerate(column.choices, start=2):
                lists.cell(row=offset, column=list_column, value=choice)
            end = len(column.choices) + 1
            validation = DataValidation(
                type="list",
                formula1=f"{quote_sheetname(lists.title)}!${list_letter}$2:${list_letter}${end}",
                allow_blank=True,
            )
            validation.error = column.note[:255]
            validation.errorTitle = column.header[:32]
            validation.showErrorMessage = True
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{_TEMPLATE_ROWS}")
    sheet.freeze_panes = "A2"
    if note:
        # On a sheet of its own: a note beside the header would be read back as one more column.
        guide = workbook.create_sheet("说明")
        for offset, line in enumerate(note.splitlines(), start=1):
            guide.cell(row=offset, column=1, value=line)
        guide.column_dimensions["A"].width = 100
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
