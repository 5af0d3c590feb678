"""Listings that fit (or do not fit) each other, and helpers that publish them through the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apps.listings.models import Achievement, Demand, ListingStatus
from apps.listings.services import listing_review, listing_submit
from apps.organizations.models import Organization
from tests.listings.factories import make_achievement, make_demand

GEAR_DEMAND: dict[str, Any] = {
    "title": "变速箱齿轮热处理变形控制",
    "description": "齿轮渗碳淬火后变形超差，寻求热处理工艺优化与变形控制方案，年产30万件。",
    "keywords": ["齿轮", "热处理", "渗碳淬火"],
    "technology_field": "03",
    "cooperation_modes": ["transfer", "cooperative"],
    "budget_min": Decimal("200000.00"),
    "budget_max": Decimal("800000.00"),
    "wanted_stage": "pilot",
}
GEAR_ACHIEVEMENT: dict[str, Any] = {
    "title": "齿轮渗碳淬火变形控制技术",
    "summary": "通过优化渗碳淬火工艺和夹具设计，控制齿轮热处理变形，变形量降低60%，已在汽车变速箱齿轮中试。",
    "keywords": ["齿轮", "热处理", "变形控制"],
    "technology_field": "03",
    "trl": 6,
    "cooperation_modes": ["transfer", "licence"],
    "price_type": "fixed",
    "price_min": Decimal("500000.00"),
    "price_max": Decimal("500000.00"),
}
VISION_ACHIEVEMENT: dict[str, Any] = {
    "title": "发动机缸体表面缺陷视觉检测系统",
    "summary": "基于深度学习的发动机缸体表面缺陷检测，检测精度99.5%，适用于汽车零部件企业。",
    "keywords": ["机器视觉", "缺陷检测"],
    "technology_field": "01",
    "trl": 7,
}
RICE_ACHIEVEMENT: dict[str, Any] = {
    "title": "富硒水稻高产栽培技术",
    "summary": "富硒水稻品种选育与高产栽培，亩产提高15%，适合广西丘陵地区推广。",
    "keywords": ["水稻", "富硒"],
    "technology_field": "09",
    "trl": 8,
    "price_type": "negotiable",
    "price_min": None,
    "price_max": None,
}


def draft_achievement(owner: Organization, **data: Any) -> Achievement:
    return make_achievement(owner, status=ListingStatus.DRAFT, **data)


def draft_demand(owner: Organization, **data: Any) -> Demand:
    return make_demand(owner, status=ListingStatus.DRAFT, **data)


def publish(listing: Achievement | Demand, *, owner_user: Any, operator: Any) -> Achievement | Demand:
    """Submit and approve through the services (the matching hook runs in the approval's transaction)."""
    listing_submit(actor=owner_user, listing=listing)
    return listing_review(actor=operator, listing=type(listing).objects.get(pk=listing.pk), approve=True)
