"""Running royalties (提成), as pure functions over ``Decimal`` yuan (no ORM, no floats).

For a report of period *n* (quarters or years counted from the term's start):

- running royalty = net sales × rate % + units × fee per unit, each half up to the fen;
- the minimum annual royalty is settled in the last period of each royalty year: the top-up is
  max(0, minimum − the running royalties of that year's periods, this one included);
- amount due = running royalty + top-up, payable ``due_days`` after the period ends.

Worked example (docs/settlement.md): rate 5%, ¥2 per unit, minimum ¥200,000 a year, quarterly.
Q1–Q3 running royalties ¥40,000, ¥35,000, ¥45,000; Q4 net sales ¥600,000 and 5,000 units make
600,000 × 5% + 5,000 × 2 = ¥40,000 running; the year reached 160,000, so the top-up is ¥40,000 and
Q4's amount due ¥80,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
MONTHS = {"quarter": 3, "year": 12}


def to_fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def _add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    # A start on the 29th–31st lands on the month's last day when the month is shorter.
    for last in (31, 30, 29, 28):
        if day.day <= last:
            try:
                return date(year, month, min(day.day, last))
            except ValueError:
                continue
    raise AssertionError("unreachable")


def period_bounds(*, starts_on: date, period: str, index: int) -> tuple[date, date]:
    """First and last day of period ``index`` (1-based)."""
    if index < 1:
        raise ValueError("Periods are numbered from 1.")
    months = MONTHS[period]
    start = _add_months(starts_on, months * (index - 1))
    end = _add_months(starts_on, months * index) - timedelta(days=1)
    return start, end


def periods_per_year(period: str) -> int:
    return 12 // MONTHS[period]


def is_year_end(*, period: str, index: int) -> bool:
    return index % periods_per_year(period) == 0


def year_periods(*, period: str, index: int) -> range:
    """The period numbers of the royalty year that period ``index`` belongs to."""
    per_year = periods_per_year(period)
    first = (index - 1) // per_year * per_year + 1
    return range(first, first + per_year)


@dataclass(frozen=True, slots=True)
class Due:
    running: Decimal
    top_up: Decimal

    @property
    def total(self) -> Decimal:
        return self.running + self.top_up


def running_royalty(*, net_sales: Decimal, units: int, rate_percent: Decimal, per_unit_fee: Decimal) -> Decimal:
    if net_sales < 0 or units < 0:
        raise ValueError("Sales and units are not negative.")
    return to_fen(net_sales * rate_percent / Decimal(100)) + to_fen(Decimal(units) * per_unit_fee)


def amount_due(
    *,
    net_sales: Decimal,
    units: int,
    rate_percent: Decimal,
    per_unit_fee: Decimal,
    minimum_annual: Decimal,
    period: str,
    index: int,
    earlier_running_this_year: Decimal,
) -> Due:
    """The royalty due for period ``index``; ``earlier_running_this_year`` sums the running royalties of
    the same royalty year's earlier periods."""
    running = running_royalty(net_sales=net_sales, units=units, rate_percent=rate_percent, per_unit_fee=per_unit_fee)
    top_up = ZERO
    if is_year_end(period=period, index=index):
        top_up = max(ZERO, to_fen(minimum_annual) - earlier_running_this_year - running)
    return Due(running=running, top_up=top_up)
