"""An indicative IP valuation worksheet (知识产权价值估算): pure, no ORM, Decimal throughout.

It computes from the inputs the user gives and shows every step; it is an indicative estimate for a first
conversation with a lender, never an appraisal (资产评估报告) by a qualified valuer.

Income approach, relief from royalty (许可费节省法). For each year t = 1 … n of the remaining useful life
(n ≤ the years left in the legal term):

    revenue_t   = the projected revenue of year t (given per year, or year 1 grown at g: R_1 × (1 + g)^(t−1))
    royalty_t   = revenue_t × royalty rate
    after_tax_t = royalty_t × (1 − tax rate)
    factor_t    = 1 / (1 + discount rate)^t          (end-of-year discounting)
    pv_t        = after_tax_t × factor_t             (rounded half up to the fen)
    value       = Σ pv_t

Cost approach (成本法): replacement cost = Σ cost items; value = replacement cost × (1 − obsolescence).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FEN = Decimal("0.01")
MAX_YEARS = 30
DISCLAIMER = gettext_lazy(
    "Indicative estimate, not an appraisal: computed only from the inputs given, for discussion; a pledge loan "
    "or a transaction needs a valuation report by a qualified appraiser."
)
# Legal terms in years from the filing date (designs filed before 2021-06-01: 10).
TERM_YEARS = {"invention": 20, "utility_model": 10, "design": 15}
DESIGN_TERM_CHANGE = date(2021, 6, 1)


class ValuationError(ValueError):
    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def term_end(kind: str, filing_date: date | None) -> date | None:
    """The day the legal term ends, for a patent with a filing date; None otherwise."""
    years = TERM_YEARS.get(kind)
    if years is None or filing_date is None:
        return None
    if kind == "design" and filing_date < DESIGN_TERM_CHANGE:
        years = 10
    try:
        return filing_date.replace(year=filing_date.year + years)
    except ValueError:  # 29 February
        return filing_date.replace(year=filing_date.year + years, day=28)


def remaining_years(end: date, on: date) -> int:
    """Whole years from ``on`` to ``end`` (a started year counts: 4.2 years left → 5 yearly rows at most)."""
    if end <= on:
        return 0
    days = (end - on).days
    return -(-days // 365)


def _fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def _rate(value: Decimal, field: str, *, allow_negative: bool = False, below_one: bool = True) -> Decimal:
    low = Decimal("-0.5") if allow_negative else Decimal("0")
    if value < low or (below_one and value >= 1) or value > 1:
        raise ValuationError(_("A rate between 0 and 1 (e.g. 0.05 for 5%)."), field=field)
    return value


@dataclass(frozen=True)
class IncomeInputs:
    revenues: Sequence[Decimal]
    royalty_rate: Decimal
    tax_rate: Decimal
    discount_rate: Decimal
    useful_life_years: int
    growth_rate: Decimal | None = None


@dataclass(frozen=True)
class CostItem:
    description: str
    amount: Decimal


def income_approach(inputs: IncomeInputs, *, max_years: int | None = None) -> dict[str, Any]:
    """The relief-from-royalty value with one row per year, the formula and the assumptions."""
    n = inputs.useful_life_years
    if not 1 <= n <= MAX_YEARS:
        raise ValuationError(_("Between 1 and %(max)s years.") % {"max": MAX_YEARS}, field="useful_life_years")
    if max_years is not None and n > max_years:
        raise ValuationError(
            _("The useful life cannot exceed the %(years)s years left in the legal term.") % {"years": max_years},
            field="useful_life_years",
        )
    royalty = _rate(inputs.royalty_rate, "royalty_rate")
    tax = _rate(inputs.tax_rate, "tax_rate")
    discount = _rate(inputs.discount_rate, "discount_rate")
    if discount <= 0:
        raise ValuationError(_("The discount rate must be more than zero."), field="discount_rate")
    revenues = list(inputs.revenues)
    if any(r < 0 for r in revenues) or not revenues:
        raise ValuationError(_("Revenues are amounts of zero or more."), field="revenues")
    if inputs.growth_rate is not None:
        growth = _rate(inputs.growth_rate, "growth_rate", allow_negative=True)
        if len(revenues) != 1:
            raise ValuationError(_("With a growth rate, give year 1's revenue only."), field="revenues")
        with localcontext() as ctx:
            ctx.prec = 34
            revenues = [_fen(revenues[0] * (1 + growth) ** t) for t in range(n)]
    elif len(revenues) != n:
        raise ValuationError(
            _("Give one revenue per year of the useful life (%(n)s), or year 1 and a growth rate.") % {"n": n},
            field="revenues",
        )
    rows = []
    total = Decimal("0.00")
    with localcontext() as ctx:
        ctx.prec = 34
        for t, revenue in enumerate(revenues, start=1):
            royalty_t = _fen(revenue * royalty)
            after_tax = _fen(royalty_t * (1 - tax))
            factor = (1 / (1 + discount) ** t).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
            pv = _fen(after_tax * factor)
            total += pv
            rows.append(
                {
                    "year": t,
                    "revenue": f"{revenue:.2f}",
                    "royalty": f"{royalty_t:.2f}",
                    "after_tax_royalty": f"{after_tax:.2f}",
                    "discount_factor": f"{factor}",
                    "present_value": f"{pv:.2f}",
                }
            )
    return {
        "method": "relief_from_royalty",
        "value": f"{total:.2f}",
        "rows": rows,
        "formula": "value = Σ_{t=1..n} revenue_t × royalty_rate × (1 − tax_rate) / (1 + discount_rate)^t",
        "assumptions": [
            _("Royalty rate %(rate)s of revenue is what a licensee would pay for this right.") % {"rate": royalty},
            _("Tax rate %(rate)s on the royalty saved.") % {"rate": tax},
            _("Discount rate %(rate)s, end-of-year discounting.") % {"rate": discount},
            _("Useful life %(n)s years, not beyond the legal term.") % {"n": n},
            _("Revenues as projected by the user; each step is rounded half up to the fen, factors to 6 places."),
        ],
    }


def cost_approach(items: Sequence[CostItem], obsolescence: Decimal) -> dict[str, Any]:
    if not items:
        raise ValuationError(_("Give at least one cost item."), field="cost_items")
    if any(item.amount < 0 for item in items):
        raise ValuationError(_("Cost items are amounts of zero or more."), field="cost_items")
    obsolescence = _rate(obsolescence, "obsolescence_rate", below_one=False)
    replacement = sum((item.amount for item in items), Decimal("0.00"))
    value = _fen(replacement * (1 - obsolescence))
    return {
        "method": "cost",
        "value": f"{value:.2f}",
        "replacement_cost": f"{replacement:.2f}",
        "items": [{"description": i.description, "amount": f"{i.amount:.2f}"} for i in items],
        "obsolescence_rate": f"{obsolescence}",
        "formula": "value = Σ cost items × (1 − obsolescence_rate)",
        "assumptions": [
            _("Replacement cost: what it would cost today to develop an equivalent right, as itemised by the user."),
            _("Obsolescence %(rate)s for technical and economic ageing.") % {"rate": obsolescence},
        ],
    }


def worksheet(
    *, income: IncomeInputs | None, cost: tuple[Sequence[CostItem], Decimal] | None, max_years: int | None
) -> dict[str, Any]:
    """Both approaches (either may be left out, not both), labelled indicative with the disclaimer."""
    if income is None and cost is None:
        raise ValuationError(_("Give the inputs of at least one approach."), field="income")
    result: Mapping[str, Any] = {
        "income": income_approach(income, max_years=max_years) if income is not None else None,
        "cost": cost_approach(*cost) if cost is not None else None,
    }
    return {**result, "indicative": True, "disclaimer": str(DISCLAIMER)}
