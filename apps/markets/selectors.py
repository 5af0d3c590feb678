"""Reads of the market network. Markets are public within the platform (every signed-in user sees the
network); a market's operators are seen by those who operate it."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from apps.markets.access import operates
from apps.markets.models import Market, MarketOperator
from apps.organizations.access import Actor


def market_list(*, level: str | None = None, include_inactive: bool = False) -> QuerySet[Market]:
    qs = Market.objects.all().order_by("code")
    if not include_inactive:
        qs = qs.filter(active=True)
    if level:
        qs = qs.filter(level=level)
    return qs


def access_market(*, code: Any) -> Market:
    market = Market.objects.filter(pk=str(code)).first()
    if market is None:
        raise Http404
    return market


def market_operator_list(*, actor: Actor, market: Market) -> QuerySet[MarketOperator]:
    if not operates(actor, market.code):
        raise Http404
    return MarketOperator.objects.filter(market=market).select_related("user").order_by("id")
