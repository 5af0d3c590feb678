"""Open data: the market's figures for one year, published for the city's transparency pages.

Read from the per-contract ledger (:class:`apps.stats.models.ContractFigures`), so the published
figures are the reports' figures. Three tables per year, each adding up to the year's total: by month,
by contract type, by technology field. Paid amounts are not published (one payment is one contract's).

**Small-cell suppression.** A cell's amounts are published only when they cannot reveal one contract's
amount:

1. *Primary:* a cell whose amounts come from fewer than ``OPEN_DATA_MIN_CONTRACTS`` (3) contracts
   (contracts with a non-zero amount in the cell: registrations, changes, terminations, annulments) has
   its amounts withheld (``null``, ``suppressed: true``). With two contracts, either party could
   subtract its own amount and read the other's.
2. *Secondary:* a table's cells add up to the year's total, so a single withheld cell could be recovered
   by subtraction. In each table, further cells are withheld, fewest contracts first, until the withheld
   cells are at least two and hold at least ``OPEN_DATA_MIN_CONTRACTS`` contracts together.
3. *Total:* when the year itself has fewer contracts than that, nothing is published but the counts.

Counts of contracts are always published (the number of registrations is public by the register). The
tables share only the year's total, so no cell of one table can be computed from the others.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Max

from apps.contracts.catalogue import ContractType
from apps.stats.models import ContractFigures
from apps.stats.selectors.drilldown import month_keys

DEFAULT_MIN_CONTRACTS = 3
ZERO = Decimal("0.00")


def min_contracts() -> int:
    return int(getattr(settings, "OPEN_DATA_MIN_CONTRACTS", DEFAULT_MIN_CONTRACTS))


@dataclass
class OpenCell:
    """One published cell: the net count of contracts registered (annulments taken off), the amounts,
    and the contracts behind the amounts (used for suppression, not published)."""

    key: str
    contract_count: int = 0
    contract_amount: Decimal = ZERO
    technology_amount: Decimal = ZERO
    contributors: set[int] = field(default_factory=set)
    suppressed: bool = False

    def add(self, contract_id: int, count: int, contract: Decimal, technology: Decimal) -> None:
        self.contract_count += count
        self.contract_amount += contract
        self.technology_amount += technology
        if contract or technology:
            self.contributors.add(contract_id)


def suppress(total: OpenCell, cells: list[OpenCell], minimum: int) -> None:
    """Mark the cells whose amounts must be withheld (see the module's rules)."""
    if len(total.contributors) < minimum:
        total.suppressed = True
        for cell in cells:
            cell.suppressed = True
        return
    for cell in cells:
        cell.suppressed = len(cell.contributors) < minimum
    hidden = [cell for cell in cells if cell.suppressed]
    if not hidden:
        return
    shown = sorted(
        (cell for cell in cells if not cell.suppressed),
        key=lambda cell: (len(cell.contributors), abs(cell.contract_amount), cell.key),
    )
    while len(hidden) < 2 or len(set().union(*(cell.contributors for cell in hidden))) < minimum:
        if not shown:
            # Every cell is withheld and they still hold too few contracts: so would the total be.
            total.suppressed = True
            return
        cell = shown.pop(0)
        cell.suppressed = True
        hidden.append(cell)


@dataclass
class MarketFigures:
    year: int
    min_contracts: int
    last_modified: datetime | None
    total: OpenCell
    by_month: list[OpenCell]
    by_contract_type: list[OpenCell]
    by_technology_field: list[OpenCell]


def _ledger_rows(year: int) -> Iterable[tuple[Any, ...]]:
    sql = (
        "SELECT f.contract_id, m.key, f.contract_type, f.technology_field, "  # noqa: S608 - no input in the text
        "(m.value->>0)::bigint, (m.value->>1)::numeric, (m.value->>2)::numeric "
        f"FROM {ContractFigures._meta.db_table} f CROSS JOIN LATERAL jsonb_each(f.months) AS m "
        "WHERE f.months ?| %s AND m.key >= %s AND m.key <= %s"
    )
    with connection.cursor() as cursor:
        keys = month_keys(date(year, 1, 1), date(year, 12, 1))
        cursor.execute(sql, [keys, keys[0], keys[-1]])
        yield from cursor.fetchall()


def market_figures(*, year: int) -> MarketFigures:
    """The year's published figures with the suppression applied. Two queries."""
    total = OpenCell(str(year))
    tables: dict[str, dict[str, OpenCell]] = {"month": {}, "type": {}, "field": {}}
    for contract_id, month, contract_type, technology_field, count, amount, technology in _ledger_rows(year):
        keys = {"month": month[:7], "type": contract_type, "field": technology_field}
        for name, key in keys.items():
            table = tables[name]
            cell = table.get(key) or table.setdefault(key, OpenCell(key))
            cell.add(contract_id, count, amount, technology)
        total.add(contract_id, count, amount, technology)
    minimum = min_contracts()
    ordered: dict[str, list[OpenCell]] = defaultdict(list)
    type_rank = {code: index for index, code in enumerate(ContractType.values)}
    ordered["month"] = [tables["month"][key] for key in sorted(tables["month"])]
    ordered["type"] = sorted(tables["type"].values(), key=lambda cell: type_rank.get(cell.key, len(type_rank)))
    ordered["field"] = [tables["field"][key] for key in sorted(tables["field"])]
    for cells in ordered.values():
        suppress(total, cells, minimum)
    # suppress() may withhold the total from any table; then every table is withheld.
    if total.suppressed:
        for cells in ordered.values():
            for cell in cells:
                cell.suppressed = True
    last_modified = ContractFigures.objects.aggregate(latest=Max("folded_at"))["latest"]
    return MarketFigures(
        year=year,
        min_contracts=minimum,
        last_modified=last_modified,
        total=total,
        by_month=ordered["month"],
        by_contract_type=ordered["type"],
        by_technology_field=ordered["field"],
    )
