"""Blind scoring arithmetic (pure, no ORM): weighted totals and their aggregation across a panel.

- An expert scores every criterion 0–100; the item's total is Σ weight × score (weights sum to 1),
  rounded half up to 2 places.
- The panel's result for an item is the mean of the experts' totals; with 5 or more totals the highest
  and the lowest are dropped first (a trimmed mean, as evaluation panels commonly do), so one outlier
  cannot carry the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

TRIM_FROM = 5
CENT = Decimal("0.01")


def check_weights(weights: Sequence[Decimal]) -> bool:
    return bool(weights) and all(w > 0 for w in weights) and sum(weights) == Decimal("1")


def weighted_total(weights: Mapping[str, Decimal], scores: Mapping[str, Decimal]) -> Decimal:
    return sum((weights[code] * Decimal(scores[code]) for code in weights), Decimal("0")).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


def aggregate(totals: Sequence[Decimal]) -> tuple[Decimal, str]:
    """The panel's result and how it was taken: ``trimmed_mean`` or ``mean``."""
    values = sorted(totals)
    method = "mean"
    if len(values) >= TRIM_FROM:
        values = values[1:-1]
        method = "trimmed_mean"
    if not values:
        return Decimal("0.00"), method
    return (sum(values, Decimal("0")) / len(values)).quantize(CENT, rounding=ROUND_HALF_UP), method
