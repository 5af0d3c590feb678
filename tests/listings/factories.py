"""Listings for tests, built through the same builders as the API so search columns are real."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.listings.models import Achievement, Demand, ListingStatus
from apps.listings.services import achievement_build, demand_build
from apps.organizations.models import Organization

_counter = itertools.count(1)


def achievement_data(**overrides: Any) -> dict[str, Any]:
    n = next(_counter)
    data: dict[str, Any] = {
        "title": f"汽车零部件视觉检测系统{n}",
        "summary": "基于深度学习的发动机缸体表面缺陷检测，检测精度99.5%，适用于柳州汽车零部件企业。",
        "technology_field": "03",
        "keywords": ["机器视觉", "缺陷检测"],
        "trl": 6,
        "cooperation_modes": ["transfer", "licence"],
        "price_type": "range",
        "price_min": Decimal("500000.00"),
        "price_max": Decimal("1200000.00"),
        "confidential_detail": "核心算法参数与训练数据说明。",
        "contact_name": "李工",
        "contact_phone": "0772-1234567",
    }
    data.update(overrides)
    return data


def demand_data(**overrides: Any) -> dict[str, Any]:
    n = next(_counter)
    data: dict[str, Any] = {
        "title": f"变速箱齿轮热处理变形控制{n}",
        "description": "齿轮渗碳淬火后变形超差，寻求工艺优化方案，年产30万件。",
        "technology_field": "03",
        "cooperation_modes": ["cooperative"],
        "budget_min": Decimal("200000.00"),
        "budget_max": Decimal("800000.00"),
        "deadline": timezone.localdate() + timedelta(days=90),
        "confidential_detail": "现有工艺参数：渗碳温度920℃。",
    }
    data.update(overrides)
    return data


def make_achievement(
    owner: Organization, *, status: str = ListingStatus.PUBLISHED, industries: list[str] | None = None, **overrides: Any
) -> Achievement:
    achievement = achievement_build(actor=None, owner=owner, data=achievement_data(**overrides))
    achievement.status = status
    if status == ListingStatus.PUBLISHED:
        achievement.published_at = timezone.now()
    achievement.save()
    if industries:
        achievement.industries.set(industries)
    return achievement


def make_demand(owner: Organization, *, status: str = ListingStatus.PUBLISHED, **overrides: Any) -> Demand:
    demand = demand_build(actor=None, owner=owner, data=demand_data(**overrides))
    demand.status = status
    if status == ListingStatus.PUBLISHED:
        demand.published_at = timezone.now()
    demand.save()
    return demand
