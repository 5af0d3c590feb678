"""A broker's commission, as pure functions over ``Decimal`` yuan (no ORM, no floats).

The terms are agreed at introduction (:class:`apps.brokers.models.Introduction`): a share of the paid
technology amount, a fixed fee and a cap. All results are rounded half up to the fen (0.01 yuan), the
way invoices round; the contracts' money rules (:mod:`apps.contracts.amounts`) round the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def to_fen(value: Decimal) -> Decimal:
    """``value`` rounded half up to the fen."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CommissionTerms:
    """The terms agreed at introduction: a share of the paid technology amount, a fixed fee, a cap."""

    rate: Decimal
    fixed: Decimal = ZERO
    cap: Decimal | None = None


def commission_due(*, terms: CommissionTerms, paid_technology: Decimal) -> Decimal:
    """A broker's commission once ``paid_technology`` yuan of the technology amount have been paid.

    commission = min(cap, round_half_up(rate × paid_technology) + fixed), and 0 while nothing is paid
    (the fixed fee falls due with the first payment). Rounded to the fen before the cap applies, so
    the figure a broker sees is the one the cap is compared with.
    """
    if paid_technology <= 0:
        return ZERO
    amount = to_fen(terms.rate * paid_technology) + to_fen(terms.fixed)
    if terms.cap is not None:
        amount = min(amount, to_fen(terms.cap))
    return amount
