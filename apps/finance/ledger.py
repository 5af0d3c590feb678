"""The risk compensation pool's bookkeeping (风险补偿资金池), as pure functions over Decimal yuan.

Every posting is a list of entries ``(account, debit, credit)`` whose debits equal its credits:

- capital paid in (A): debit ``pool_cash`` A; credit ``city_capital`` A;
- a default with loss L shared P (pool), B (bank), G (guarantor): debit ``compensation_paid`` P,
  ``bank_loss`` B, ``guarantor_loss`` G; credit ``pool_cash`` P, ``loss_shared`` B + G;
- a recovery R after a default, shared Rp, Rb, Rg: debit ``pool_cash`` Rp, ``loss_shared`` Rb + Rg;
  credit ``recoveries`` Rp, ``bank_loss`` Rb, ``guarantor_loss`` Rg.

The loss split: P = L × pool share (half up to the fen), capped at the pool's cash so the pool never
pays more than it holds; G = L × guarantor share when the loan has a guarantor, else 0; the bank bears
the rest (B = L − P − G), so the three always add up to L. A recovery is shared in the proportions the
loss was: after recoveries totalling T, the pool has had back T × P / L (half up), and each recovery
posts the difference, so rounding never gives a party back more than it lost.

Hence, at every moment: pool cash = capital paid in − compensation paid + recoveries returned ≥ 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)

Entry = tuple[str, Decimal, Decimal]  # account, debit, credit


def to_fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Split:
    pool: Decimal
    bank: Decimal
    guarantor: Decimal

    @property
    def total(self) -> Decimal:
        return self.pool + self.bank + self.guarantor


def split_loss(
    loss: Decimal,
    *,
    pool_share: Decimal,
    guarantor_share: Decimal,
    has_guarantor: bool,
    pool_cash: Decimal,
) -> Split:
    """Who bears a defaulted loan's ``loss`` (see the module docstring)."""
    if loss <= 0:
        raise ValueError("loss must be positive")
    pool = min(to_fen(loss * pool_share / HUNDRED), max(pool_cash, ZERO))
    guarantor = to_fen(loss * guarantor_share / HUNDRED) if has_guarantor else ZERO
    guarantor = min(guarantor, loss - pool)
    return Split(pool=pool, bank=loss - pool - guarantor, guarantor=guarantor)


def split_recovery(amount: Decimal, *, recovered_before: Decimal, loss: Split) -> Split:
    """The parties' parts of a recovery of ``amount`` after ``recovered_before`` came back already."""
    total = loss.total
    if amount <= 0 or recovered_before + amount > total:
        raise ValueError("a recovery is positive and never exceeds the loss")
    after = recovered_before + amount

    def cumulative(part: Decimal, recovered: Decimal) -> Decimal:
        return to_fen(recovered * part / total)

    pool = cumulative(loss.pool, after) - cumulative(loss.pool, recovered_before)
    guarantor = cumulative(loss.guarantor, after) - cumulative(loss.guarantor, recovered_before)
    return Split(pool=pool, bank=amount - pool - guarantor, guarantor=guarantor)


def _nonzero(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if e[1] > 0 or e[2] > 0]


def capital_entries(amount: Decimal) -> list[Entry]:
    return [("pool_cash", amount, ZERO), ("city_capital", ZERO, amount)]


def compensation_entries(split: Split) -> list[Entry]:
    return _nonzero(
        [
            ("compensation_paid", split.pool, ZERO),
            ("bank_loss", split.bank, ZERO),
            ("guarantor_loss", split.guarantor, ZERO),
            ("pool_cash", ZERO, split.pool),
            ("loss_shared", ZERO, split.bank + split.guarantor),
        ]
    )


def recovery_entries(split: Split) -> list[Entry]:
    return _nonzero(
        [
            ("pool_cash", split.pool, ZERO),
            ("loss_shared", split.bank + split.guarantor, ZERO),
            ("recoveries", ZERO, split.pool),
            ("bank_loss", ZERO, split.bank),
            ("guarantor_loss", ZERO, split.guarantor),
        ]
    )


def is_balanced(entries: list[Entry]) -> bool:
    return sum((e[1] for e in entries), ZERO) == sum((e[2] for e in entries), ZERO)


def balances(entries: list[Entry]) -> dict[str, Decimal]:
    """Debit-positive balance per account over any number of postings' entries."""
    result: dict[str, Decimal] = {}
    for account, debit, credit in entries:
        result[account] = result.get(account, ZERO) + debit - credit
    return result
