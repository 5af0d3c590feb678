"""Cells for the report tests, written the way the fold writes them: one contribution to every grain."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import F

from apps.stats.dims import DIMS, GRAINS, Dim, cell_key
from apps.stats.models import Cell

# A Liuzhou university's development contract with a Liuzhou private enterprise, without a broker.
BASE_DIMS: dict[Dim, str] = {
    Dim.CONTRACT_TYPE: "development",
    Dim.LEGACY_CLASS: "development",
    Dim.TECHNOLOGY_FIELD: "01",
    Dim.IP_TYPE: "invention_patent",
    Dim.PROGRAMME_CLASS: "none",
    Dim.SELLER_ENTITY_TYPE: "022",
    Dim.BUYER_ENTITY_TYPE: "170",
    Dim.SELLER_AREA: "450200",
    Dim.BUYER_AREA: "450200",
    Dim.SELLER_ZONE: "city",
    Dim.BUYER_ZONE: "city",
    Dim.BROKER: "",
    Dim.MARKET: "liuzhou",
}
_LEGACY = {"licence": "transfer"}


def add(
    month: str,
    *,
    count: int = 1,
    amount: str | Decimal = "0",
    technology: str | Decimal | None = None,
    paid: str | Decimal = "0",
    grains: tuple[int, ...] | None = None,
    **dims: Any,
) -> None:
    """Add one contract's figures for ``month`` ("2025-03") to every grain (or only ``grains``)."""
    values = {**BASE_DIMS, **{Dim(k): v for k, v in dims.items()}}
    if "contract_type" in dims and "legacy_class" not in dims:
        values[Dim.LEGACY_CLASS] = _LEGACY.get(dims["contract_type"], dims["contract_type"])
    year, mon = month.split("-")
    first = date(int(year), int(mon), 1)
    amount = Decimal(amount)
    technology_amount = amount if technology is None else Decimal(technology)
    for grain in GRAINS:
        if grains is not None and grain.id not in grains:
            continue
        key = dict(zip([d.value for d in DIMS], cell_key(grain, values), strict=True))
        cell, created = Cell.objects.get_or_create(
            grain=grain.id,
            month=first,
            **key,
            defaults={
                "contract_count": count,
                "contract_amount": amount,
                "technology_amount": technology_amount,
                "paid_amount": Decimal(paid),
            },
        )
        if not created:
            Cell.objects.filter(pk=cell.pk).update(
                contract_count=F("contract_count") + count,
                contract_amount=F("contract_amount") + amount,
                technology_amount=F("technology_amount") + technology_amount,
                paid_amount=F("paid_amount") + Decimal(paid),
            )
