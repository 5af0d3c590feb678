"""The contracts behind a report cell (drill-down), and the market figures published as open data.

Both read the per-contract ledger :class:`apps.stats.models.ContractFigures`, the very deltas the
incremental fold added to the cells: each row holds a contract's contribution month by month
(``months``) and the dimension values it is counted under. Summing those contributions over a cell's
months and dimension values gives exactly the cell's figures, so the contracts a drill-down lists add
up, to the fen, to the report cell it came from (and the open data figures equal the reports').

A contract is listed in a cell when it contributed to one of the cell's months: the month of its
registration (count +1, its amounts), of a change, termination or annulment (their amount deltas,
the annulment's count -1), or of a payment (paid amount). Its figures are its contribution to the
cell, which is why a payment-only contract shows a count of 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext as _

from apps.contracts.models import Contract, Registration, RegistrationStatus
from apps.contracts.selectors import market_today
from apps.core.errors import ApplicationError
from apps.organizations.access import Actor
from apps.stats.dims import DIMS, Measure
from apps.stats.models import ContractFigures
from apps.stats.selectors.cuts import ENTITY_TYPE_DIMS, first_of_month
from apps.stats.selectors.report import (
    ReportError,
    check_filters,
    check_statistics_access,
    filter_conditions,
    scope_to_markets,
)

Figures = dict[str, Decimal | int]
DRILLDOWN_PAGE_MAX = 500


@dataclass(frozen=True, slots=True)
class CellContract:
    """One contract behind a cell: who and what, the dimension values it is counted under, and its
    contribution to the cell (``figures``)."""

    contract_id: int
    title: str
    contract_number: str
    registration_number: str | None
    buyer_name: str
    seller_name: str
    signed_on: date
    dims: dict[str, str]
    figures: Figures


@dataclass(frozen=True, slots=True)
class CellContracts:
    date_from: date | None
    date_to: date
    filters: dict[str, tuple[str, ...]]
    exact: tuple[str, ...]
    totals: Figures
    contracts: list[CellContract]
    next_after: int | None


def _exact_conditions(exact: Mapping[str, tuple[str, ...]]) -> list[Q]:
    """Entity types matched as written: a report row's 100 is contracts coded 100, not 110 … 180."""
    return [Q(**{f"{name}__in": list(values)}) for name, values in exact.items()]


def check_exact(exact: Sequence[str], filters: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(exact))
    for name in names:
        if name not in ENTITY_TYPE_DIMS:
            message = _("Only entity type cuts can be matched exactly.")
            raise ApplicationError(message, code=ReportError.UNKNOWN_DIMENSION, field_errors={"exact": message})
        if name not in filters:
            message = _("Give a value for %(name)s to match it exactly.") % {"name": name}
            raise ApplicationError(message, code=ReportError.BAD_FILTER_VALUE, field_errors={"exact": message})
    return names


_SUMS = """
    COALESCE(SUM((m.value->>0)::bigint), 0),
    COALESCE(SUM((m.value->>1)::numeric), 0),
    COALESCE(SUM((m.value->>2)::numeric), 0),
    COALESCE(SUM((m.value->>3)::numeric), 0)
"""


def _figures(row: Sequence[Any]) -> Figures:
    return {
        Measure.CONTRACT_COUNT.value: int(row[0]),
        Measure.CONTRACT_AMOUNT.value: Decimal(row[1]).quantize(Decimal("0.01")),
        Measure.TECHNOLOGY_AMOUNT.value: Decimal(row[2]).quantize(Decimal("0.01")),
        Measure.PAID_AMOUNT.value: Decimal(row[3]).quantize(Decimal("0.01")),
    }


def month_keys(start: date, end: date) -> list[str]:
    """``ContractFigures.months`` keys from ``start`` to ``end`` (first days of months)."""
    keys: list[str] = []
    index, last = start.year * 12 + start.month - 1, end.year * 12 + end.month - 1
    while index <= last:
        keys.append(date(index // 12, index % 12 + 1, 1).isoformat())
        index += 1
    return keys


# Windows up to this many months are also tested with ``months ?| keys``: a contract without one of
# them is skipped before its months are expanded.
_KEY_TEST_MAX_MONTHS = 240


def _window_sql(start: date | None, end: date) -> tuple[str, list[Any]]:
    sql = "m.key <= %s"
    params: list[Any] = [end.isoformat()]
    if start is not None:
        sql += " AND m.key >= %s"
        params.append(start.isoformat())
        keys = month_keys(start, end)
        if len(keys) <= _KEY_TEST_MAX_MONTHS:
            sql += " AND f.months ?| %s"
            params.append(keys)
    return sql, params


def stats_cell_contracts(
    *,
    actor: Actor | None,
    date_from: date | None = None,
    date_to: date | None = None,
    filters: Mapping[str, Sequence[str]] | None = None,
    exact: Sequence[str] = (),
    after: int | None = None,
    limit: int = 100,
) -> CellContracts:
    """The contracts behind the cell ``filters`` × months ``date_from``..``date_to`` (as in
    :func:`stats_report`), ordered by contract id, ``limit`` after contract ``after``; ``totals`` is
    the whole cell's figures, equal to the report's. Five queries: the totals, the page, and three small
    reads of the page's contracts (terms, cut values, registration numbers).

    Raises ApplicationError: 403 for an actor who may not read statistics, 400 for a bad filter or window.
    """
    check_statistics_access(actor=actor)
    checked = scope_to_markets(actor, check_filters(filters or {}))
    names = check_exact(exact, checked)
    start = first_of_month(date_from) if date_from else None
    end = first_of_month(date_to) if date_to else first_of_month(market_today())
    if start is not None and start > end:
        message = _("The window ends before it starts.")
        raise ApplicationError(message, code=ReportError.BAD_DATE_RANGE, field_errors={"date_from": message})
    hierarchical = {name: values for name, values in checked.items() if name not in names}
    conditions = filter_conditions(hierarchical) + _exact_conditions({name: checked[name] for name in names})
    chosen = ContractFigures.objects.filter(*conditions).values("contract_id")
    chosen_sql, chosen_params = chosen.query.sql_with_params()
    window_sql, window_params = _window_sql(start, end)
    base = (
        f"FROM {ContractFigures._meta.db_table} f CROSS JOIN LATERAL jsonb_each(f.months) AS m "
        f"WHERE f.contract_id IN ({chosen_sql}) AND {window_sql}"
    )
    params = [*chosen_params, *window_params]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_SUMS} {base}", params)
        totals = _figures(cursor.fetchone())
        page_sql = f"SELECT f.contract_id, {_SUMS} {base}"
        page_params = list(params)
        if after is not None:
            page_sql += " AND f.contract_id > %s"
            page_params.append(after)
        cursor.execute(page_sql + " GROUP BY f.contract_id ORDER BY f.contract_id LIMIT %s", [*page_params, limit + 1])
        rows = cursor.fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    contracts = _details({row[0]: _figures(row[1:]) for row in rows})
    return CellContracts(
        date_from=start,
        date_to=end,
        filters=checked,
        exact=names,
        totals=totals,
        contracts=contracts,
        next_after=rows[-1][0] if more and rows else None,
    )


def _details(figures: dict[int, Figures]) -> list[CellContract]:
    if not figures:
        return []
    ids = list(figures)
    contracts = {
        row["pk"]: row
        for row in Contract.objects.filter(pk__in=ids).values(
            "pk", "title", "contract_number", "buyer_name", "seller_name", "signed_on"
        )
    }
    dims = {row["contract_id"]: row for row in ContractFigures.objects.filter(pk__in=ids).values("contract_id", *DIMS)}
    numbers = dict(
        Registration.objects.filter(contract_id__in=ids, registration_number__isnull=False)
        .exclude(status=RegistrationStatus.REFUSED)
        .order_by("contract_id", "-id")
        .distinct("contract_id")
        .values_list("contract_id", "registration_number")
    )
    return [
        CellContract(
            contract_id=pk,
            title=contracts[pk]["title"],
            contract_number=contracts[pk]["contract_number"],
            registration_number=numbers.get(pk),
            buyer_name=contracts[pk]["buyer_name"],
            seller_name=contracts[pk]["seller_name"],
            signed_on=contracts[pk]["signed_on"],
            dims={dim.value: dims[pk][dim.value] for dim in DIMS},
            figures=figures[pk],
        )
        for pk in ids
    ]
