"""What the engine indexes and returns: plain frozen dataclasses, no ORM."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

DocId = int | str

# Development stage → TRL range (DOMAIN.md; the same table as apps.listings.models.STAGE_TRL_RANGES).
STAGE_TRL: dict[str, tuple[int, int]] = {
    "lab": (1, 4),
    "small_scale": (5, 5),
    "pilot": (6, 7),
    "mass_production": (8, 9),
}

# Cooperation modes (科技成果转化法 Art. 16), the codes of apps.listings.models.CooperationMode.
COOPERATION_MODES: tuple[str, ...] = ("self_implementation", "transfer", "licence", "cooperative", "equity", "other")


@dataclass(frozen=True)
class Achievement:
    """A result offered for transfer, as the engine sees it."""

    id: DocId
    title: str
    text: str = ""
    keywords: tuple[str, ...] = ()
    field: str | None = None
    industries: frozenset[str] = frozenset()
    trl: int | None = None
    cooperation: frozenset[str] = frozenset()
    price: Decimal | None = None
    region: str | None = None
    lang: str | None = None
    published: bool = True
    expires_on: date | None = None

    def trl_range(self) -> tuple[int, int] | None:
        return (self.trl, self.trl) if self.trl else None

    @property
    def money(self) -> Decimal | None:
        return self.price


@dataclass(frozen=True)
class Demand:
    """An enterprise's technical problem, as the engine sees it. ``wanted_stage`` or ``min_trl``/``max_trl``."""

    id: DocId
    title: str
    text: str = ""
    keywords: tuple[str, ...] = ()
    field: str | None = None
    industries: frozenset[str] = frozenset()
    wanted_stage: str | None = None
    min_trl: int | None = None
    max_trl: int | None = None
    cooperation: frozenset[str] = frozenset()
    budget: Decimal | None = None
    region: str | None = None
    lang: str | None = None
    published: bool = True
    expires_on: date | None = None

    def trl_range(self) -> tuple[int, int] | None:
        if self.min_trl or self.max_trl:
            return (self.min_trl or 1, self.max_trl or 9)
        if self.wanted_stage:
            return STAGE_TRL.get(self.wanted_stage)
        return None

    @property
    def money(self) -> Decimal | None:
        return self.budget


Document = Achievement | Demand


@dataclass(frozen=True)
class Match:
    """One result: the matched document's id, its score (0–1) and why (JSON-serialisable)."""

    id: DocId
    score: float
    explanation: dict[str, Any] = field(default_factory=dict, compare=False)
