"""The escrow ledger's rules, as pure functions (no ORM): which accounts a posting moves and the balances.

Four accounts, debit-normal (balance = debits − credits):

| posting | debit | credit |
|---|---|---|
| deposit (the buyer pays into the market's escrow account) | ``escrow_held`` | ``buyer_funds`` |
| release (the buyer accepted: the market pays the seller) | ``seller_paid`` | ``escrow_held`` |
| refund (the market pays the buyer back) | ``refunded`` | ``escrow_held`` |

So every posting's debits equal its credits, the balances of all accounts add up to zero, and the
escrow balance is deposits − releases − refunds; the services never let it (for the market, a
contract or a milestone) go below zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal("0.00")

BUYER_FUNDS = "buyer_funds"
ESCROW_HELD = "escrow_held"
SELLER_PAID = "seller_paid"
REFUNDED = "refunded"
ACCOUNTS = (BUYER_FUNDS, ESCROW_HELD, SELLER_PAID, REFUNDED)

# kind → (debited account, credited account)
MOVES: dict[str, tuple[str, str]] = {
    "deposit": (ESCROW_HELD, BUYER_FUNDS),
    "release": (SELLER_PAID, ESCROW_HELD),
    "refund": (REFUNDED, ESCROW_HELD),
}


@dataclass(frozen=True, slots=True)
class Line:
    account: str
    debit: Decimal
    credit: Decimal


def lines_for(kind: str, amount: Decimal) -> list[Line]:
    """The two lines of a posting of ``kind`` for ``amount`` (> 0)."""
    if amount <= 0:
        raise ValueError("A posting moves more than zero.")
    debited, credited = MOVES[kind]
    return [Line(debited, amount, ZERO), Line(credited, ZERO, amount)]


def is_balanced(lines: Iterable[Line]) -> bool:
    lines = list(lines)
    return sum((line.debit for line in lines), ZERO) == sum((line.credit for line in lines), ZERO)


def balances(lines: Iterable[Line]) -> dict[str, Decimal]:
    """Debits − credits per account, every account present."""
    result = dict.fromkeys(ACCOUNTS, ZERO)
    for line in lines:
        result[line.account] += line.debit - line.credit
    return result


@dataclass(frozen=True, slots=True)
class Totals:
    """What a set of postings amounts to: the reconciliation's figures."""

    deposited: Decimal = ZERO
    released: Decimal = ZERO
    refunded: Decimal = ZERO

    @property
    def held(self) -> Decimal:
        return self.deposited - self.released - self.refunded


def totals(postings: Iterable[tuple[str, Decimal]]) -> Totals:
    """Totals of ``(kind, amount)`` pairs."""
    sums = {"deposit": ZERO, "release": ZERO, "refund": ZERO}
    for kind, amount in postings:
        sums[kind] += amount
    return Totals(deposited=sums["deposit"], released=sums["release"], refunded=sums["refund"])
