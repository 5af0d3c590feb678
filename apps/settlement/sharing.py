"""Splitting an income among a distribution scheme's shares (成果转化收益分配), pure (no ORM).

Each share gets amount × percent / 100 rounded down to the fen; the fen left over go one by one to
the shares with the largest remainders (ties: the earlier share), so the parts add up to the amount
exactly (the largest-remainder method).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal

from django.utils.translation import gettext_noop

FEN = Decimal("0.01")
HUNDRED = Decimal("100")


def check_percents(percents: Sequence[Decimal]) -> str | None:
    """Why a set of shares is not a scheme (marked for translation; callers translate), or ``None``."""
    if not percents:
        return gettext_noop("A scheme needs at least one share.")
    if any(p <= 0 or p > HUNDRED for p in percents):
        return gettext_noop("Each share is more than 0% and at most 100%.")
    if sum(percents, Decimal(0)) != HUNDRED:
        return gettext_noop("The shares must add up to 100%.")
    return None


def split(amount: Decimal, percents: Sequence[Decimal]) -> list[Decimal]:
    """``amount`` split by ``percents`` (adding up to 100), to the fen, adding up to ``amount``."""
    if check_percents(percents) is not None:
        raise ValueError(check_percents(percents))
    exact = [amount * p / HUNDRED for p in percents]
    parts = [e.quantize(FEN, rounding=ROUND_DOWN) for e in exact]
    left = int((amount - sum(parts, Decimal(0))) / FEN)
    order = sorted(range(len(parts)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += FEN
    return parts
