"""HTTP for the technology-finance figures: IP pledge financing and post-subsidies paid, as JSON, CSV or XLSX."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.exporting import CONTENT_TYPES, table_response
from apps.core.fields import MoneyField
from apps.core.negotiation import FileResponseNegotiation
from apps.core.replica import reads_from_replica
from apps.stats.apis import StatsMonthField, check_query
from apps.stats.selectors.ip_finance import FinanceFigures, finance_figures
from apps.stats.selectors.report import check_statistics_access

TAGS = ["stats"]


class FinanceQuerySerializer(serializers.Serializer):
    date_from = StatsMonthField(required=False, help_text="First month (YYYY-MM). Default: January this year.")
    date_to = StatsMonthField(required=False, help_text="Last month, inclusive (YYYY-MM). Default: this month.")
    format = serializers.ChoiceField(choices=["json", "csv", "xlsx"], default="json")


def _money(**kwargs: Any) -> MoneyField:
    return MoneyField(max_digits=18, decimal_places=2, **kwargs)


class _MonthSerializer(serializers.Serializer):
    month = serializers.CharField()
    count = serializers.IntegerField()
    amount = _money()


class _PledgeeSerializer(serializers.Serializer):
    pledgee_organization_id = serializers.IntegerField(allow_null=True)
    pledgee = serializers.CharField()
    count = serializers.IntegerField()
    amount = _money()


class _PolicySerializer(serializers.Serializer):
    policy_id = serializers.IntegerField()
    policy = serializers.CharField()
    count = serializers.IntegerField()
    amount = _money()


class FinanceOutputSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    pledge_count = serializers.IntegerField(help_text="Pledges registered in the window.")
    pledge_amount = _money(help_text="IP pledge financing (知识产权质押融资额): their secured amounts, yuan.")
    pledges_by_month = _MonthSerializer(many=True)
    pledges_by_pledgee = _PledgeeSerializer(many=True)
    subsidy_count = serializers.IntegerField(help_text="Subsidy disbursements in the window.")
    subsidy_amount = _money(help_text="Post-subsidies paid (后补助兑现), yuan.")
    subsidies_by_month = _MonthSerializer(many=True)
    subsidies_by_policy = _PolicySerializer(many=True)


HEADERS = ["指标", "分组", "笔数", "金额(元)"]


def _yuan(amount: Any) -> Decimal:
    return Decimal(amount).quantize(Decimal("0.01"))


def _rows(figures: FinanceFigures) -> list[list[Any]]:
    """The figures as table rows: amounts as numbers in yuan (two decimals), names as typed (the file writer
    keeps a name that starts like a formula from ever running)."""
    pledges, subsidies = "知识产权质押融资额", "后补助兑现金额"
    rows: list[list[Any]] = [[pledges, "合计", figures.pledge_count, _yuan(figures.pledge_amount)]]
    rows += [[pledges, r["month"], r["count"], _yuan(r["amount"])] for r in figures.pledges_by_month]
    rows += [[pledges, r["pledgee"], r["count"], _yuan(r["amount"])] for r in figures.pledges_by_pledgee]
    rows.append([subsidies, "合计", figures.subsidy_count, _yuan(figures.subsidy_amount)])
    rows += [[subsidies, r["month"], r["count"], _yuan(r["amount"])] for r in figures.subsidies_by_month]
    rows += [[subsidies, r["policy"], r["count"], _yuan(r["amount"])] for r in figures.subsidies_by_policy]
    return rows


class StatsFinanceApi(APIView):
    content_negotiation_class = FileResponseNegotiation

    @extend_schema(
        tags=TAGS,
        operation_id="stats_finance",
        summary="Technology finance: IP pledge financing and post-subsidies paid, by month, pledgee and policy.",
        description="For the market operator and accounts allowed to read statistics (else 403). "
        "`format=csv|xlsx` returns the same figures as a file with Chinese headers, amounts in yuan.",
        parameters=[FinanceQuerySerializer],
        responses={
            (200, "application/json"): FinanceOutputSerializer,
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, CONTENT_TYPES["xlsx"]): OpenApiTypes.BINARY,
        },
    )
    @reads_from_replica
    def get(self, request: Request) -> HttpResponseBase:
        actor = request_user(request)
        check_statistics_access(actor=actor)
        query = check_query(request.query_params, FinanceQuerySerializer)
        today = timezone.localdate()
        date_to = query.get("date_to") or today.replace(day=1)
        date_from = query.get("date_from") or date(date_to.year, 1, 1)
        if date_from > date_to:
            raise serializers.ValidationError({"date_from": [_("After date_to.")]})
        figures = finance_figures(actor=actor, date_from=date_from, date_to=date_to)
        fmt = query.get("format", "json")
        if fmt == "json":
            return Response(FinanceOutputSerializer(figures).data)
        name = f"technology-finance-{date_from:%Y%m}-{date_to:%Y%m}.{fmt}"
        return table_response(fmt, headers=HEADERS, rows=_rows(figures), filename=name, sheet_title="科技金融")
