"""The drill-down query of a report row: the months and cut values that select the contracts behind it.

A row of period 2025-Q1 in a report over 2025-02..2025-12 covers the months 2025-02..2025-03; its
grouped cut values are added to the report's filters (a grouped cut's value is within the filter),
entity types matched exactly (the row 100 is contracts coded 100, not the 110 … 180 a filter 100
takes in) and the broker "" (no broker) written ``none``, as the filters spell it.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from apps.stats.dims import Dim
from apps.stats.selectors import NO_BROKER, PERIOD, Report, ReportRow, period_start
from apps.stats.selectors.cuts import ENTITY_TYPE_DIMS

CELL_CONTRACTS_PATH = "/api/v1/stats/report/cell/contracts"


def _period_end(start: date, period: str) -> date:
    months = {"month": 0, "quarter": 2, "year": 11}[period]
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def cell_query(report: Report, row: ReportRow) -> dict[str, str]:
    start, end = report.date_from, report.date_to
    filters = {name: ",".join(values) for name, values in report.filters.items()}
    exact: list[str] = []
    for name, value in row.key.items():
        if name == PERIOD:
            first = period_start(value)
            last = _period_end(first, report.period)
            start = first if start is None else max(start, first)
            end = min(end, last) if end is not None else last
            continue
        filters[name] = NO_BROKER if name == Dim.BROKER and not value else value
        if name in ENTITY_TYPE_DIMS:
            exact.append(name)
    query: dict[str, str] = {}
    if start is not None:
        query["date_from"] = f"{start:%Y-%m}"
    if end is not None:
        query["date_to"] = f"{end:%Y-%m}"
    query.update(filters)
    if exact:
        query["exact"] = ",".join(exact)
    return query


def cell_contracts_url(report: Report, row: ReportRow) -> str:
    return f"{CELL_CONTRACTS_PATH}?{urlencode(cell_query(report, row))}"
