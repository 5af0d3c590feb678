"""The cut values (dimensions) a contract is counted under, as SQL for the fold and the recompute alike
(:func:`dimension_sql`) and as the same rule in Python (:func:`contract_dimensions`)."""

# The SQL here is assembled from model table names and the Dim/Zone constants only; every value travels
# as a query parameter (:func:`dimension_params`).
# ruff: noqa: S608

from __future__ import annotations

from typing import Any

from django.conf import settings

from apps.contracts.models import Contract
from apps.stats import folding
from apps.stats.dims import DIMS, Dim, Zone


def _asean_codes() -> list[str]:
    from apps.reference.models import Country

    return list(Country.objects.filter(is_asean=True).values_list("code", flat=True))


def dimension_params() -> dict[str, Any]:
    home = settings.STATS_HOME_REGION
    return {"home4": home[:4], "home2": home[:2], "china": folding.CHINA}


def _asean_sql() -> str:
    from apps.reference.models import Country

    # Uncorrelated: evaluated once per statement (an InitPlan), not per contract.
    return f"ARRAY(SELECT code::text FROM {Country._meta.db_table} WHERE is_asean)"


def _area_sql(alias: str, role: str) -> str:
    country, region = f"{alias}.{role}_country_id", f"{alias}.{role}_region_id"
    return (
        f"CASE WHEN {country} = %(china)s AND {region} IS NOT NULL "
        f"THEN substr({region}, 1, 4) || '00' ELSE {country} END"
    )


def _zone_sql(alias: str, role: str) -> str:
    country, region = f"{alias}.{role}_country_id", f"{alias}.{role}_region_id"
    hmt = ", ".join(f"'{code}'" for code in sorted(folding.HMT_PROVINCES))
    return (
        f"CASE WHEN {country} = %(china)s AND {region} IS NOT NULL THEN CASE"
        f" WHEN substr({region}, 1, 2) IN ({hmt}) THEN '{Zone.HMT}'"
        f" WHEN substr({region}, 1, 4) = %(home4)s THEN '{Zone.CITY}'"
        f" WHEN substr({region}, 1, 2) = %(home2)s THEN '{Zone.PROVINCE}'"
        f" ELSE '{Zone.DOMESTIC}' END"
        f" WHEN {country} = ANY({_asean_sql()}) THEN '{Zone.ASEAN}' ELSE '{Zone.ABROAD}' END"
    )


def dimension_sql(alias: str, broker_sql: str) -> list[str]:
    """One SQL expression per dimension (in DIMS order) over a contracts row ``alias``."""
    expressions = {
        Dim.CONTRACT_TYPE: f"{alias}.type",
        Dim.LEGACY_CLASS: f"{alias}.legacy_class",
        Dim.TECHNOLOGY_FIELD: f"{alias}.technology_field_id",
        Dim.IP_TYPE: f"{alias}.ip_type",
        Dim.PROGRAMME_CLASS: f"{alias}.programme_class",
        Dim.SELLER_ENTITY_TYPE: f"{alias}.seller_entity_type_id",
        Dim.BUYER_ENTITY_TYPE: f"{alias}.buyer_entity_type_id",
        Dim.SELLER_AREA: _area_sql(alias, "seller"),
        Dim.BUYER_AREA: _area_sql(alias, "buyer"),
        Dim.SELLER_ZONE: _zone_sql(alias, "seller"),
        Dim.BUYER_ZONE: _zone_sql(alias, "buyer"),
        Dim.BROKER: f"COALESCE({broker_sql}, '')",
        Dim.MARKET: f"COALESCE({alias}.market_id, '')",
    }
    return [f"({expressions[dim]})::text" for dim in DIMS]


def contract_dimensions(contract: Contract) -> dict[Dim, str]:
    """The cut values a contract is counted under (dims snapshotted on the contract; see the spec)."""
    from apps.deals.models import DealParticipant, ParticipantRole

    home = settings.STATS_HOME_REGION
    broker_id = None
    if contract.deal_id is not None:
        broker_id = (
            DealParticipant.objects.filter(deal_id=contract.deal_id, role=ParticipantRole.BROKER)
            .order_by("id")
            .values_list("broker_id", flat=True)
            .first()
        )
    asean = set(_asean_codes())

    def party(role: str) -> tuple[str, str]:
        country: str = getattr(contract, f"{role}_country_id")
        region: str | None = getattr(contract, f"{role}_region_id")
        area = folding.party_area(country=country, region=region)
        zone = folding.party_zone(country=country, region=region, is_asean=country in asean, home_region=home)
        return area, str(zone)

    seller_area, seller_zone = party("seller")
    buyer_area, buyer_zone = party("buyer")
    return {
        Dim.CONTRACT_TYPE: contract.type,
        Dim.LEGACY_CLASS: contract.legacy_class,
        Dim.TECHNOLOGY_FIELD: str(contract.technology_field_id),
        Dim.IP_TYPE: contract.ip_type,
        Dim.PROGRAMME_CLASS: contract.programme_class,
        Dim.SELLER_ENTITY_TYPE: str(contract.seller_entity_type_id),
        Dim.BUYER_ENTITY_TYPE: str(contract.buyer_entity_type_id),
        Dim.SELLER_AREA: seller_area,
        Dim.BUYER_AREA: buyer_area,
        Dim.SELLER_ZONE: seller_zone,
        Dim.BUYER_ZONE: buyer_zone,
        Dim.BROKER: "" if broker_id is None else str(broker_id),
        Dim.MARKET: contract.market_id or "",
    }
