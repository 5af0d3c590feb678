"""The cuts of the transaction statistics (技术市场成交额) and the grains they are rolled up at.

Plain Python, no ORM: the folding code, the report planner, the recompute SQL and the benchmark all
read their dimension and grain lists from here, so a new cut is added in one place.

Every rolled-up cell carries all dimension columns. A dimension that a grain does not keep holds
:data:`ALL` ("*"), so each grain's cells have one unique key and a report reads exactly one grain:
the smallest whose dimensions cover the report's grouping and filter dimensions (:func:`grain_for`).
Grain 0 keeps every dimension: any combination of cuts can be answered, the coarser grains only
make the common ones fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# Stored in a dimension column that a grain rolls up.
ALL = "*"


class Dim(StrEnum):
    """The cuts official reports make, as column names of :class:`apps.stats.models.Cell`."""

    CONTRACT_TYPE = "contract_type"
    LEGACY_CLASS = "legacy_class"
    TECHNOLOGY_FIELD = "technology_field"
    IP_TYPE = "ip_type"
    PROGRAMME_CLASS = "programme_class"
    # Output (技术输出) is counted by the seller, absorption (技术吸纳) by the buyer.
    SELLER_ENTITY_TYPE = "seller_entity_type"
    BUYER_ENTITY_TYPE = "buyer_entity_type"
    # A domestic party's prefecture-level region code (GB/T 2260, 6 digits, e.g. 450200 for Liuzhou;
    # a county is folded into its prefecture), or a foreign party's 3-digit country code.
    SELLER_AREA = "seller_area"
    BUYER_AREA = "buyer_area"
    # Where a party is seen from the market's home city (settings.STATS_HOME_REGION): see Zone.
    SELLER_ZONE = "seller_zone"
    BUYER_ZONE = "buyer_zone"
    # The deal's lead broker (its id as text), "" when the contract came without a broker.
    BROKER = "broker"
    # The market of the network the contract belongs to (apps.markets: the registrant's market), its code;
    # "" for a contract recorded before it had one.
    MARKET = "market"


DIMS: tuple[Dim, ...] = tuple(Dim)


class Zone(StrEnum):
    """Flow classes (技术流向), from the home city outward; ASEAN is broken out of abroad."""

    CITY = "city"  # 市内
    PROVINCE = "province"  # 省内 (other prefectures of the home province)
    DOMESTIC = "domestic"  # 外省 (other provinces of the mainland)
    HMT = "hmt"  # 港澳台
    ASEAN = "asean"  # 东盟
    ABROAD = "abroad"  # 其他境外


class Measure(StrEnum):
    CONTRACT_COUNT = "contract_count"
    CONTRACT_AMOUNT = "contract_amount"
    TECHNOLOGY_AMOUNT = "technology_amount"
    PAID_AMOUNT = "paid_amount"


MEASURES: tuple[Measure, ...] = tuple(Measure)


@dataclass(frozen=True, slots=True)
class Grain:
    """One roll-up: ``id`` is stored in every cell; ``dims`` are the dimensions it keeps (plus month)."""

    id: int
    name: str
    dims: frozenset[Dim]


def _grain(grain_id: int, name: str, *dims: Dim) -> Grain:
    return Grain(grain_id, name, frozenset(dims))


# Grain 0 first; the others in no particular order (grain_for picks the smallest that covers).
GRAINS: tuple[Grain, ...] = (
    _grain(0, "all cuts", *DIMS),
    _grain(1, "headline"),
    _grain(2, "contract type", Dim.CONTRACT_TYPE, Dim.LEGACY_CLASS),
    _grain(3, "technology field", Dim.TECHNOLOGY_FIELD),
    _grain(4, "flow", Dim.SELLER_ZONE, Dim.BUYER_ZONE),
    _grain(5, "output", Dim.SELLER_ZONE, Dim.SELLER_AREA, Dim.SELLER_ENTITY_TYPE, Dim.BUYER_ZONE),
    _grain(6, "absorption", Dim.BUYER_ZONE, Dim.BUYER_AREA, Dim.BUYER_ENTITY_TYPE, Dim.SELLER_ZONE),
    _grain(7, "IP and programme", Dim.IP_TYPE, Dim.PROGRAMME_CLASS),
    _grain(8, "broker", Dim.BROKER),
    _grain(
        9,
        "type, field and flow",
        Dim.CONTRACT_TYPE,
        Dim.LEGACY_CLASS,
        Dim.TECHNOLOGY_FIELD,
        Dim.SELLER_ZONE,
        Dim.BUYER_ZONE,
    ),
    _grain(10, "market", Dim.MARKET, Dim.SELLER_ZONE, Dim.BUYER_ZONE),
)
GRAIN_BY_ID: dict[int, Grain] = {grain.id: grain for grain in GRAINS}


def grain_for(dims: set[Dim] | frozenset[Dim]) -> Grain:
    """The grain with the fewest dimensions that keeps every one of ``dims`` (grain 0 keeps all)."""
    covering = [grain for grain in GRAINS if dims <= grain.dims]
    return min(covering, key=lambda grain: (len(grain.dims), grain.id))


def cell_key(grain: Grain, values: dict[Dim, str]) -> tuple[str, ...]:
    """The dimension values of a contract's cell in ``grain``, in :data:`DIMS` order."""
    return tuple(values[dim] if dim in grain.dims else ALL for dim in DIMS)
