"""HTTP for the after-deal statistics: GET /api/v1/stats/aftercare (JSON or CSV)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import HttpResponseBase
from django.utils import timezone, translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.exporting import table_response
from apps.core.fields import MoneyField
from apps.core.negotiation import FileResponseNegotiation
from apps.core.replica import reads_from_replica
from apps.stats.selectors import check_statistics_access
from apps.stats.selectors.aftercare import AftercareRow, aftercare_report

TAGS = ["statistics"]


class StatsAftercareQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(
        min_value=1990, max_value=2200, required=False, allow_null=True, default=None, help_text="Reports ending in it."
    )
    format = serializers.ChoiceField(choices=["json", "csv"], required=False, default="json")


def _money() -> MoneyField:
    return MoneyField(max_digits=18, decimal_places=2)


class StatsAftercareRowSerializer(serializers.Serializer):
    stage = serializers.CharField()
    stage_label = serializers.CharField(source="label")
    contracts = serializers.IntegerField(help_text="Contracts whose technology stands at this stage now.")
    reports = serializers.IntegerField()
    revenue = _money()
    output_value = _money()
    jobs_created = serializers.IntegerField()
    units_produced = serializers.IntegerField()


class StatsAftercareOutputSerializer(serializers.Serializer):
    year = serializers.IntegerField(allow_null=True)
    rows = StatsAftercareRowSerializer(many=True)
    totals = StatsAftercareRowSerializer()


CSV_HEADERS = ["阶段", "合同数", "报告数", "销售收入（元）", "产值（元）", "新增就业（人）", "产量（件）"]


def _csv_row(row: AftercareRow, label: str) -> list[Any]:
    return [label, row.contracts, row.reports, row.revenue, row.output_value, row.jobs_created, row.units_produced]


class StatsAftercareApi(APIView):
    content_negotiation_class = FileResponseNegotiation

    @extend_schema(
        tags=TAGS,
        operation_id="stats_aftercare",
        summary="After the deal: contracts per stage (小试, 中试, 产业化) and the outcomes buyers reported.",
        description=(
            "For the market operator and accounts with the permission stats.view_cell; anybody else gets 403 "
            "(statistics_not_permitted). `format=csv` returns the same figures as a file with Chinese headers."
        ),
        parameters=[StatsAftercareQuerySerializer],
        responses={(200, "application/json"): StatsAftercareOutputSerializer, (200, "text/csv"): OpenApiTypes.BINARY},
    )
    @reads_from_replica
    def get(self, request: Request) -> HttpResponseBase:
        actor = request_user(request)
        check_statistics_access(actor=actor)
        query = StatsAftercareQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        fmt = query.validated_data["format"]
        if fmt == "json":
            report = aftercare_report(actor=actor, year=query.validated_data["year"])
            return Response(StatsAftercareOutputSerializer(asdict(report)).data)
        with translation.override("zh-hans"):
            report = aftercare_report(actor=actor, year=query.validated_data["year"])
            rows = [_csv_row(r, r.label) for r in report.rows] + [_csv_row(report.totals, "合计")]
        name = f"aftercare-{timezone.localdate():%Y%m%d}.csv"
        return table_response("csv", headers=CSV_HEADERS, rows=rows, filename=name, sheet_title="")
