"""Money rules of a technology contract, as pure functions over ``Decimal`` yuan (no ORM, no floats).

- technology transaction amount 技术交易额 = contract amount 合同成交额 − the itemised non-technical
  deductions; every amount is more than zero and the deductions never exceed the contract amount;
- paid technology amount: what was paid, attributed to the technology share pro rata
  (paid × technology amount / contract amount);
- a broker's commission on what was paid is the brokers' rule (:mod:`apps.brokers.commission`).

All results are rounded half up to the fen (0.01 yuan), the way invoices round.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.utils.translation import gettext_noop

from apps.brokers.commission import FEN, ZERO, to_fen

__all__ = ["FEN", "MAX_AMOUNT", "ZERO", "AmountError", "paid_technology_amount", "technology_amount", "to_fen"]

# The largest amount a contract may carry: DecimalField(max_digits=16, decimal_places=2).
MAX_AMOUNT = Decimal("99999999999999.99")


class AmountError(ValueError):
    """Why a set of amounts is inconsistent; ``field`` names the input it is about, ``exceeds`` tells
    "the parts add up to more than the whole" from "an amount is out of range"."""

    def __init__(self, message: str, *, field: str, exceeds: bool = False) -> None:
        super().__init__(message)
        self.field = field
        self.exceeds = exceeds


def technology_amount(contract_amount: Decimal, deductions: Iterable[Decimal]) -> Decimal:
    """The technology transaction amount, or :class:`AmountError` for impossible amounts.

    The messages are marked for translation (``gettext_noop``); callers translate them.
    """
    if contract_amount <= 0:
        raise AmountError(gettext_noop("The contract amount must be more than zero."), field="contract_amount")
    if contract_amount > MAX_AMOUNT:
        raise AmountError(gettext_noop("The contract amount is too large."), field="contract_amount")
    total = ZERO
    for amount in deductions:
        if amount <= 0:
            raise AmountError(gettext_noop("Each deduction must be more than zero."), field="deductions")
        total += amount
    if total > contract_amount:
        raise AmountError(gettext_noop("The deductions exceed the contract amount."), field="deductions", exceeds=True)
    return to_fen(contract_amount - total)


def paid_technology_amount(*, paid: Decimal, contract_amount: Decimal, technology_amount: Decimal) -> Decimal:
    """The technology part of ``paid``: paid × technology amount / contract amount, half up to the fen.

    Never more than the technology amount (payments cannot exceed the contract amount anyway).
    """
    if paid <= 0 or contract_amount <= 0:
        return ZERO
    share = to_fen(paid * technology_amount / contract_amount)
    return min(share, technology_amount)
