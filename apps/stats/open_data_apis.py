"""HTTP for open data: GET /api/v1/open-data/market-figures, public, cached, with small cells withheld.

Anonymous (authentication is switched off: the figures are the same for everyone, and a stale token
must not stop a transparency page), rate-limited per address as every anonymous read. Cached twice:
in Redis for ``OPEN_DATA_CACHE_SECONDS`` (a Redis outage serves the figures computed afresh: the cache
fails open), and by clients and proxies (``Cache-Control: public, max-age``, a strong ``ETag`` and
``Last-Modified``; ``If-None-Match`` or ``If-Modified-Since`` answer 304 without a body).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.throttles import CACHE_UNAVAILABLE
from apps.contracts.catalogue import ContractType
from apps.contracts.selectors import market_today
from apps.core.http_cache import NOT_MODIFIED, conditional_response
from apps.core.replica import reads_from_replica
from apps.reference.models import TechnologyField
from apps.stats.open_data import MarketFigures, OpenCell, market_figures

logger = logging.getLogger(__name__)

TAGS = ["open data"]
CACHE_VERSION = 1


class MarketFiguresQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(
        required=False, min_value=2000, max_value=2100, help_text="Calendar year. Default: this year."
    )


class OpenCellOutputSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The month (YYYY-MM), contract type or technology field code.")
    name_zh = serializers.CharField(allow_blank=True)
    name_en = serializers.CharField(allow_blank=True)
    contract_count = serializers.IntegerField(help_text="Contracts registered, annulments taken off.")
    contract_amount = serializers.DecimalField(
        max_digits=24, decimal_places=2, allow_null=True, help_text="Yuan; null when withheld."
    )
    technology_amount = serializers.DecimalField(
        max_digits=24, decimal_places=2, allow_null=True, help_text="Yuan; null when withheld."
    )
    suppressed = serializers.BooleanField(help_text="The amounts are withheld: they could reveal one contract's.")


class MarketFiguresOutputSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    min_contracts = serializers.IntegerField(help_text="Amounts are published for cells of at least this many.")
    suppression_rule = serializers.CharField()
    last_modified = serializers.DateTimeField(allow_null=True)
    total = OpenCellOutputSerializer()
    by_month = OpenCellOutputSerializer(many=True)
    by_contract_type = OpenCellOutputSerializer(many=True)
    by_technology_field = OpenCellOutputSerializer(many=True)


SUPPRESSION_RULE = (
    "Amounts of a cell with fewer than min_contracts contracts are withheld; in each table further cells are "
    "withheld, fewest contracts first, until the withheld cells are at least two and hold at least "
    "min_contracts contracts; a year with fewer contracts publishes counts only. 少于 min_contracts "
    "份合同的单元格不公布金额；每张表中再隐去合同最少的单元格，直至隐去的单元格不少于两个且合计不少于 "
    "min_contracts 份合同。"
)


def _cell(cell: OpenCell, names: dict[str, tuple[str, str]]) -> dict[str, Any]:
    name_zh, name_en = names.get(cell.key, ("", ""))
    return {
        "key": cell.key,
        "name_zh": name_zh,
        "name_en": name_en,
        "contract_count": cell.contract_count,
        "contract_amount": None if cell.suppressed else str(cell.contract_amount),
        "technology_amount": None if cell.suppressed else str(cell.technology_amount),
        "suppressed": cell.suppressed,
    }


def figures_data(figures: MarketFigures) -> dict[str, Any]:
    from django.utils import translation

    fields = {code: (zh, en) for code, zh, en in TechnologyField.objects.values_list("code", "name_zh", "name_en")}
    types: dict[str, tuple[str, str]] = {}
    for member in ContractType:
        with translation.override("zh-hans"):
            zh = str(member.label)
        with translation.override("en"):
            en = str(member.label)
        types[member.value] = (zh, en)
    return {
        "year": figures.year,
        "min_contracts": figures.min_contracts,
        "suppression_rule": SUPPRESSION_RULE,
        "last_modified": figures.last_modified.isoformat() if figures.last_modified else None,
        "total": _cell(figures.total, {}),
        "by_month": [_cell(cell, {}) for cell in figures.by_month],
        "by_contract_type": [_cell(cell, types) for cell in figures.by_contract_type],
        "by_technology_field": [_cell(cell, fields) for cell in figures.by_technology_field],
    }


def cached_figures(year: int) -> dict[str, Any]:
    """The year's figures from Redis, or computed (and stored) on a miss; computed when Redis is down."""
    key = f"open-data:market-figures:v{CACHE_VERSION}:{year}"
    try:
        found = cache.get(key)
    except CACHE_UNAVAILABLE as exc:
        logger.warning("open data cache unavailable, figures computed afresh: %s", exc)
        return figures_data(market_figures(year=year))
    if found is not None:
        return dict(found)
    data = figures_data(market_figures(year=year))
    try:
        cache.set(key, data, timeout=settings.OPEN_DATA_CACHE_SECONDS)
    except CACHE_UNAVAILABLE as exc:
        logger.warning("open data cache unavailable, figures not stored: %s", exc)
    return data


class MarketFiguresApi(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        operation_id="open_data_market_figures",
        summary="The market's figures for a year (技术市场成交额): by month, contract type, technology field.",
        description=(
            "Public, for transparency pages; rate-limited per address like every anonymous read. Amounts in yuan; "
            "cells that could reveal one contract's amount are withheld (`suppressed`, amounts null): see "
            "`suppression_rule` and docs/alerts-and-open-data.md. Cached (ETag, Last-Modified; 304 on a match)."
        ),
        parameters=[MarketFiguresQuerySerializer],
        responses={200: MarketFiguresOutputSerializer, 304: NOT_MODIFIED},
    )
    @reads_from_replica
    def get(self, request: Request) -> Response:
        query = MarketFiguresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data.get("year") or market_today().year
        data = cached_figures(year)
        last_modified = datetime.fromisoformat(data["last_modified"]) if data["last_modified"] else None
        return conditional_response(
            request,
            MarketFiguresOutputSerializer(data).data,
            last_modified=last_modified,
            max_age=settings.OPEN_DATA_MAX_AGE_SECONDS,
        )
